"""Actions of the publication review (the chained core actions keeping it honest: chained.py).

A transition is one ``package_patch`` made as the user who acts, with the review fields
(state, event, comment) in the dataset: the activity stream of the dataset records each
one with who (the activity's user) and why (``review_event`` and ``review_comment``).
"""

from __future__ import annotations

import datetime
import logging

import ckan.model as model
import ckan.plugins.toolkit as tk

from . import criteria, notify, policy
from .policy import DRAFT, PUBLISHED, RETURNED, SUBMITTED, TRANSITION

log = logging.getLogger(__name__)


def _package(data_dict: dict) -> model.Package:
    name_or_id = tk.get_or_bust(data_dict, "id")
    pkg = model.Package.get(name_or_id)
    if pkg is None or pkg.state == "deleted":
        raise tk.ObjectNotFound(tk._("Dataset not found"))
    return pkg


def _show(pkg_id: str) -> dict:
    return tk.get_action("package_show")({"ignore_auth": True, "for_view": False}, {"id": pkg_id})


def _now() -> str:
    return datetime.datetime.utcnow().replace(microsecond=0).isoformat()


def transition(
    actor: str | None, pkg_id: str, state: str, event: str, comment: str = "", extra: dict | None = None
) -> dict:
    """Write a new state (and the matching ``private``) as ``actor``: one update, one activity."""
    fields = {
        "review_state": state,
        "review_event": event,
        "review_comment": comment,
        "private": state != PUBLISHED,
        **(extra or {}),
    }
    context = {"user": actor, "ignore_auth": True, TRANSITION: True}
    return tk.get_action("package_patch")(context, {"id": pkg_id, **fields})


def _user_obj(context) -> model.User | None:
    return context.get("auth_user_obj") or (model.User.get(context["user"]) if context.get("user") else None)


def _submission_fields(context) -> dict:
    user = _user_obj(context)
    return {"review_submitted": _now(), "review_submitted_by": user.id if user else ""}


# --- the review's own actions ---------------------------------------------------------


def review_submit(context, data_dict):
    """Submit a dataset in draft (or returned) to the métropole's reviewers.

    :param id: the dataset's id or name
    :param comment: an optional word for the reviewer
    :returns: the dataset, and ``notification`` (``sent``, ``error``)
    """
    pkg = _package(data_dict)
    tk.check_access("metropole_review_submit", context, {"id": pkg.id})
    state = pkg.extras.get("review_state")
    if state not in (DRAFT, RETURNED):
        raise tk.ValidationError(
            {
                "review_state": [
                    tk._(
                        "Only a draft or a dataset to be corrected can be submitted "
                        "(current state: %(state)s)."
                    )
                    % {"state": policy.state_label(state) or tk._("not under review")}
                ]
            }
        )
    failing = [c for c in criteria.evaluate(_show(pkg.id)) if c["blocking"] and c["status"] == criteria.FAIL]
    if failing:
        raise tk.ValidationError(
            {
                "criteria": [tk._("Submission refused, these publication criteria are not met:")]
                + [f"{c['label']} — {c['help']}" for c in failing]
            }
        )
    comment = (data_dict.get("comment") or "").strip()
    result = transition(
        context.get("user"), pkg.id, SUBMITTED, "submit", comment, _submission_fields(context)
    )
    criteria.enqueue_reachability(pkg.id)
    result["notification"] = notify.submitted(result, _user_obj(context))
    return result


def _reviewed_transition(context, data_dict, auth: str, state: str, event: str, comment_required: bool):
    pkg = _package(data_dict)
    tk.check_access(auth, context, {"id": pkg.id})
    if pkg.extras.get("review_state") != SUBMITTED:
        raise tk.ValidationError(
            {
                "review_state": [
                    tk._("Only a submitted dataset can be accepted or returned (current state: %(state)s).")
                    % {
                        "state": policy.state_label(pkg.extras.get("review_state"))
                        or tk._("not under review")
                    }
                ]
            }
        )
    comment = (data_dict.get("comment") or "").strip()
    if comment_required and not comment:
        raise tk.ValidationError({"comment": [tk._("Say what the agent has to correct.")]})
    result = transition(context.get("user"), pkg.id, state, event, comment)
    result["notification"] = notify.decided(result, _user_obj(context))
    return result


def review_accept(context, data_dict):
    """Accept a submitted dataset: it becomes public.

    :param id: the dataset's id or name
    :param comment: optional
    """
    return _reviewed_transition(context, data_dict, "metropole_review_accept", PUBLISHED, "accept", False)


def review_return(context, data_dict):
    """Return a submitted dataset to its commune with what to correct (it stays private).

    :param id: the dataset's id or name
    :param comment: what to correct (required)
    """
    return _reviewed_transition(context, data_dict, "metropole_review_return", RETURNED, "return", True)


@tk.side_effect_free
def review_queue_show(context, data_dict):
    """The datasets waiting for review that the user may review, by commune, oldest first.

    :param organization: only this commune (name or id), optional
    :returns: ``count`` and ``communes`` [{name, title, count, datasets[{id, name, title,
              submitted, age_days, submitted_by, checklist}]}]
    """
    tk.check_access("metropole_review_queue_show", context, data_dict)
    fq = f"+review_state:{SUBMITTED} +dataset_type:dataset"
    if data_dict.get("organization"):
        org = model.Group.get(data_dict["organization"])
        if org is None:
            raise tk.ObjectNotFound(tk._("Organization not found"))
        fq += f' +owner_org:"{org.id}"'
    found = tk.get_action("package_search")(
        {"user": context.get("user"), "auth_user_obj": context.get("auth_user_obj")},
        {"fq": fq, "include_private": True, "rows": 1000},
    )
    user = _user_obj(context)
    now = datetime.datetime.utcnow()
    by_org: dict[str, dict] = {}
    for pkg in found["results"]:
        # the search gives reviewers of a métropole its communes' datasets; sysadmins see all
        if not policy.is_reviewer_for(user, pkg.get("owner_org")):
            continue
        submitted = pkg.get("review_submitted") or pkg["metadata_modified"][:19]
        age = now - datetime.datetime.fromisoformat(submitted)
        submitter = model.User.get(pkg.get("review_submitted_by") or "")
        org = pkg.get("organization") or {}
        entry = by_org.setdefault(
            org.get("name", ""), {"name": org.get("name"), "title": org.get("title"), "datasets": []}
        )
        entry["datasets"].append(
            {
                "id": pkg["id"],
                "name": pkg["name"],
                "title": pkg["title"],
                "submitted": submitted,
                "age_days": age.days,
                "submitted_by": submitter.name if submitter else None,
                "comment": pkg.get("review_comment") or "",
                "checklist": criteria.evaluate(pkg),
            }
        )
    communes = sorted(by_org.values(), key=lambda e: e["title"] or "")
    for entry in communes:
        entry["datasets"].sort(key=lambda d: d["submitted"])
        entry["count"] = len(entry["datasets"])
    return {"count": sum(e["count"] for e in communes), "communes": communes}


@tk.side_effect_free
def review_checklist_show(context, data_dict):
    """The publication criteria of a dataset, as the agent sees them before submitting.

    :param id: the dataset's id or name
    :returns: ``state``, ``state_label``, ``comment`` and ``criteria`` [{id, label, help,
              blocking, status: ok|fail|pending}]
    """
    pkg = _package(data_dict)
    tk.check_access("package_show", context, {"id": pkg.id})
    pkg_dict = _show(pkg.id)
    return {
        "state": pkg_dict.get("review_state") or "",
        "state_label": policy.state_label(pkg_dict.get("review_state")),
        "comment": pkg_dict.get("review_comment") or "",
        "criteria": criteria.evaluate(pkg_dict),
    }


@tk.side_effect_free
def review_waiting_counts(context, data_dict):
    """How many datasets wait for a reviewer (submitted) per organisation: public figures, as
    on the participation page. Only counts: which datasets wait is the reviewers' queue.

    :returns: ``{enabled: bool, organizations: {organisation name: count}, total: int}`` —
              ``enabled`` false when review is switched off for the whole portal
    """
    tk.check_access("metropole_review_waiting_counts", context, data_dict)
    if not tk.asbool(tk.config.get("ckanext.metropole.review.enabled")):
        # review off: nothing waits, and no Solr query for the participation page
        return {"enabled": False, "organizations": {}, "total": 0}
    # as the site user: ignore_auth alone does not lift package_search's permission labels
    site_user = tk.get_action("get_site_user")({"ignore_auth": True}, {})["name"]
    found = tk.get_action("package_search")(
        {"user": site_user, "ignore_auth": True},
        {
            "fq": f"+review_state:{SUBMITTED}",
            "include_private": True,
            "rows": 0,
            "facet.field": ["organization"],
            "facet.limit": -1,
        },
    )
    return {
        "enabled": True,
        "organizations": found["facets"].get("organization", {}),
        "total": found["count"],
    }


def get_actions() -> dict:
    return {
        "metropole_review_submit": review_submit,
        "metropole_review_accept": review_accept,
        "metropole_review_return": review_return,
        "metropole_review_queue_show": review_queue_show,
        "metropole_review_checklist_show": review_checklist_show,
        "metropole_review_waiting_counts": review_waiting_counts,
    }
