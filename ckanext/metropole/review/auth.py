"""Who may act on the review. Messages are French (through the catalogue)."""

from __future__ import annotations

import ckan.authz as authz
import ckan.model as model
import ckan.plugins.toolkit as tk

from . import policy


def _pkg(data_dict) -> model.Package | None:
    return model.Package.get((data_dict or {}).get("id") or "")


def review_submit(context, data_dict):
    pkg = _pkg(data_dict)
    if pkg is None or not authz.is_authorized_boolean(
        "package_update", {**context, "model": model, "package": pkg}, {"id": pkg.id}
    ):
        return {"success": False, "msg": tk._("Only an agent of the dataset's organisation can submit it.")}
    return {"success": True}


def _decide(context, data_dict):
    pkg = _pkg(data_dict)
    if pkg is None or not policy.is_reviewer_for(context.get("user"), pkg.owner_org):
        return {
            "success": False,
            "msg": tk._("Only a reviewer of the métropole can accept or return this dataset."),
        }
    return {"success": True}


review_accept = review_return = _decide


def review_queue_show(context, data_dict):
    if not policy.is_any_reviewer(context.get("user")):
        return {"success": False, "msg": tk._("The review queue is for the métropole's reviewers.")}
    return {"success": True}


@tk.auth_allow_anonymous_access
def review_waiting_counts(context, data_dict):
    return {"success": True}  # counts per organisation only, as on the participation page


@tk.chained_auth_function
def bulk_update_public(next_auth, context, data_dict):
    """An organisation's bulk "make public" may not publish what waits for review."""
    for pkg_id in data_dict.get("datasets") or []:
        pkg = model.Package.get(pkg_id)
        if (
            pkg is not None
            and pkg.extras.get("review_state") in policy.UNPUBLISHED
            and not policy.is_reviewer_for(context.get("user"), pkg.owner_org)
        ):
            return {
                "success": False,
                "msg": tk._('"%(title)s" becomes public once the métropole has accepted it.')
                % {"title": pkg.title},
            }
    return next_auth(context, data_dict)


def get_auth_functions() -> dict:
    return {
        "metropole_review_submit": review_submit,
        "metropole_review_accept": review_accept,
        "metropole_review_return": review_return,
        "metropole_review_queue_show": review_queue_show,
        "metropole_review_waiting_counts": review_waiting_counts,
        "bulk_update_public": bulk_update_public,
    }
