"""The context of the writes an action makes on behalf of its caller (shared by the
capabilities' logic/)."""

from __future__ import annotations

import ckan.plugins.toolkit as tk


def as_caller(context: dict, **marks) -> dict:
    """A fresh context (CKAN's actions fill theirs in) for a write made as the caller, so
    that the write is authorised like the caller's own. An internal caller that skipped auth
    (``ignore_auth``) may carry no real user, which organization_create and group_create need
    (they make the creator a member): the site user writes then. ``marks`` are added to the
    context for the auth functions and validators that recognise such writes."""
    user = context.get("user")
    if context.get("ignore_auth"):
        user = tk.get_action("get_site_user")({"ignore_auth": True}, {})["name"]
    return {
        "user": user,
        "auth_user_obj": None if context.get("ignore_auth") else context.get("auth_user_obj"),
        "ignore_auth": bool(context.get("ignore_auth")),
        **marks,
    }
