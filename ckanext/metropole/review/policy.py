"""Who is reviewed, who reviews, and the states of a dataset under review.

The state lives in the dataset (scheming field ``review_state``) and is kept in step with
CKAN's ``private`` flag: every state but ``published`` is private, so CKAN itself keeps
unpublished datasets out of anonymous pages, search, the DCAT catalogue and the API.

Reviewers: the users holding one of ``ckanext.metropole.review.reviewer_capacities``
(admin, editor by default) in the métropole's organisation (the commune's ``member_of``),
and sysadmins. CKAN has no role of its own for this; the métropole's editors already publish
for the métropole, so they are the people the portal already trusts with publication, and
the métropole's admin decides who they are with CKAN's own member pages.
"""

from __future__ import annotations

import ckan.authz as authz
import ckan.model as model
import ckan.plugins.toolkit as tk

DRAFT, SUBMITTED, PUBLISHED, RETURNED = "draft", "submitted", "published", "returned"
STATES = (DRAFT, SUBMITTED, PUBLISHED, RETURNED)
UNPUBLISHED = (DRAFT, SUBMITTED, RETURNED)
# The fields written only by the review's own actions (schemas/dataset.yaml).
FIELDS = ("review_state", "review_event", "review_comment", "review_submitted", "review_submitted_by")
# Set in the context by this capability's actions: the review fields may be written.
TRANSITION = "metropole_review_transition"
# Set in the context by the harvester: the harvest source whose datasets are imported.
HARVEST_SOURCE = "metropole_harvest_source_id"


def state_label(state: str | None) -> str:
    return {
        DRAFT: tk._("Draft"),
        SUBMITTED: tk._("Submitted"),
        PUBLISHED: tk._("Published"),
        RETURNED: tk._("To be corrected"),
    }.get(state or "", "")


def event_label(event: str | None) -> str:
    """What a review event (``review_event`` of the write that made it) did, for the
    activity stream."""
    return {
        "create": tk._("created as a draft"),
        "submit": tk._("submitted for review"),
        "return": tk._("returned for corrections"),
        "accept": tk._("accepted and published"),
        "resubmit": tk._("sent back to review by a change"),
        "withdraw": tk._("withdrawn from publication"),
        "publish": tk._("published by its commune, review being off"),
    }.get(event or "", "")


def _org(org_id_or_name: str | None) -> model.Group | None:
    return model.Group.get(org_id_or_name) if org_id_or_name else None


def metropole_of(owner_org: str | None) -> model.Group | None:
    """The organisation whose reviewers review the datasets of ``owner_org``."""
    org = _org(owner_org)
    if org is None:
        return None
    parent = _org((org.extras or {}).get("member_of"))
    return parent if parent is not None and parent.state == "active" else None


def review_applies(owner_org: str | None) -> bool:
    """Whether the agents of this organisation publish through review (configuration)."""
    if not tk.asbool(tk.config.get("ckanext.metropole.review.enabled")):
        return False
    org = _org(owner_org)
    if org is None:
        return False
    if org.name in tk.aslist(tk.config.get("ckanext.metropole.review.trusted_organizations")):
        return False
    return (org.extras or {}).get("kind") in tk.aslist(
        tk.config.get("ckanext.metropole.review.organization_kinds")
    )


def _user(user: str | model.User | None) -> model.User | None:
    if isinstance(user, model.User):
        return user
    return model.User.get(user) if user else None


def is_reviewer_for(user: str | model.User | None, owner_org: str | None) -> bool:
    """Sysadmin, or one of the reviewer capacities in the métropole of ``owner_org``."""
    user_obj = _user(user)
    if user_obj is None:
        return False
    if user_obj.sysadmin:
        return True
    metropole = metropole_of(owner_org)
    if metropole is None:
        return False
    capacities = tk.aslist(tk.config.get("ckanext.metropole.review.reviewer_capacities"))
    return authz.users_role_for_group_or_org(metropole.id, user_obj.name) in capacities


def reviewed_metropoles(user: str | model.User | None) -> list[model.Group]:
    """The métropole organisations this user reviews for (sysadmins: see is_reviewer_for)."""
    user_obj = _user(user)
    if user_obj is None:
        return []
    capacities = tk.aslist(tk.config.get("ckanext.metropole.review.reviewer_capacities"))
    q = (
        model.Session.query(model.Group)
        .join(model.Member, model.Member.group_id == model.Group.id)
        .filter(
            model.Member.table_name == "user",
            model.Member.table_id == user_obj.id,
            model.Member.state == "active",
            model.Member.capacity.in_(capacities),
            model.Group.is_organization.is_(True),
            model.Group.state == "active",
        )
    )
    return [g for g in q if (g.extras or {}).get("kind") == "metropole"]


def is_any_reviewer(user: str | model.User | None) -> bool:
    user_obj = _user(user)
    return bool(user_obj and (user_obj.sysadmin or reviewed_metropoles(user_obj)))


def harvest_review(source_id: str | None) -> bool:
    """The per-source setting ``"review": true`` of an intercommunal harvest source."""
    if not source_id or not tk.asbool(tk.config.get("ckanext.metropole.review.enabled")):
        return False
    import json

    try:
        source = tk.get_action("harvest_source_show")({"ignore_auth": True}, {"id": source_id})
        config = json.loads(source.get("config") or "{}")
    except (tk.ObjectNotFound, ValueError, KeyError):
        return False
    return isinstance(config, dict) and config.get("review") is True
