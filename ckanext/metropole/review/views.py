"""/moderation (the reviewers' queue) and the forms that move a dataset through review."""

from __future__ import annotations

import ckan.authz as authz
import ckan.plugins.toolkit as tk
from flask import Blueprint

from . import policy

blueprint = Blueprint("metropole_review", __name__)


def _context() -> dict:
    import ckan.model as model

    return {"user": tk.g.user, "auth_user_obj": tk.g.userobj, "model": model, "session": model.Session}


def _errors(e: tk.ValidationError) -> str:
    parts = []
    for value in e.error_dict.values():
        parts.extend(value if isinstance(value, list) else [str(value)])
    return " ".join(str(p) for p in parts)


@blueprint.route("/moderation")
def queue():
    try:
        data = tk.get_action("metropole_review_queue_show")(_context(), {})
    except tk.NotAuthorized as e:
        if not tk.g.user:
            return tk.redirect_to("user.login", came_from=tk.url_for("metropole_review.queue"))
        return tk.abort(403, str(e))
    return tk.render("review/queue.html", {"queue": data})


def _protect() -> None:
    """CKAN exempts extensions' blueprints from CSRF protection by default
    (ckan.csrf_protection.ignore_extensions): these forms check their token themselves, as
    CKAN's own forms do (requests signed with an API token are exempt there too)."""
    from ckan.config.middleware.flask_app import csrf

    # login_via_auth_header is also set for anonymous requests: only a user found by token is exempt
    signed_by_token = tk.g.get("login_via_auth_header") and tk.g.get("user")
    if not signed_by_token and tk.config.get("WTF_CSRF_ENABLED"):
        csrf.protect()


def _act(action: str, pkg_id: str, done: str):
    _protect()
    comment = tk.request.form.get("comment", "")
    try:
        result = tk.get_action(action)(_context(), {"id": pkg_id, "comment": comment})
    except tk.NotAuthorized as e:
        return tk.abort(403, str(e))
    except tk.ObjectNotFound:
        return tk.abort(404, tk._("Dataset not found"))
    except tk.ValidationError as e:
        tk.h.flash_error(_errors(e))
        return None
    tk.h.flash_success(done % {"title": result["title"]})
    if result["notification"]["error"]:
        tk.h.flash_error(result["notification"]["error"])
    return result


@blueprint.route("/moderation/<pkg_id>/accept", methods=["POST"])
def accept(pkg_id):
    _act("metropole_review_accept", pkg_id, tk._('"%(title)s" is accepted and public.'))
    return tk.redirect_to("metropole_review.queue")


@blueprint.route("/moderation/<pkg_id>/return", methods=["POST"])
def return_(pkg_id):
    _act("metropole_review_return", pkg_id, tk._('"%(title)s" is returned to its commune for corrections.'))
    return tk.redirect_to("metropole_review.queue")


@blueprint.route("/dataset/<pkg_id>/review/submit", methods=["POST"])
def submit(pkg_id):
    _act("metropole_review_submit", pkg_id, tk._('"%(title)s" is submitted to the métropole for review.'))
    return tk.redirect_to("dataset.read", id=pkg_id)


def review_status(pkg: dict) -> dict | None:
    """What the dataset page shows about the review (None outside review)."""
    if not pkg.get("review_state"):
        return None
    try:
        status = tk.get_action("metropole_review_checklist_show")(_context(), {"id": pkg["id"]})
    except (tk.NotAuthorized, tk.ObjectNotFound):
        return None
    user = tk.g.userobj if tk.g.user else None
    status["can_submit"] = status["state"] in (policy.DRAFT, policy.RETURNED) and authz.is_authorized_boolean(
        "metropole_review_submit", _context(), {"id": pkg["id"]}
    )
    status["can_decide"] = status["state"] == policy.SUBMITTED and policy.is_reviewer_for(
        user, pkg.get("owner_org")
    )
    return status


def get_helpers() -> dict:
    return {
        "metropole_review_status": review_status,
        "metropole_review_state_label": policy.state_label,
        "metropole_review_event_label": policy.event_label,
        "metropole_is_reviewer": lambda: policy.is_any_reviewer(tk.g.userobj if tk.g.user else None),
    }
