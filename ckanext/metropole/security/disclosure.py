"""Lists that told anonymous users more than they should see.

- ``harvest_source_list`` (ckanext-harvest) listed private sources with their URL and
  configuration to anyone: private sources are left out for whoever may not read them, and
  the configuration is shown only to those who may edit the source.
- ``user_list`` showed every account's sysadmin flag and e-mail hash (anonymous users are
  refused by ``ckan.auth.public_user_details = false``; logged-in non-administrators no
  longer get those two fields either).
"""

from __future__ import annotations

import ckan.authz as authz
import ckan.plugins.toolkit as tk


def _allowed(action: str, context: dict, data: dict) -> bool:
    try:
        tk.check_access(action, {**context, "model": context.get("model")}, data)
        return True
    except (tk.NotAuthorized, tk.ObjectNotFound):
        return False


def _is_sysadmin(context) -> bool:
    return bool(context.get("ignore_auth")) or authz.is_sysadmin(context.get("user"))


@tk.side_effect_free
@tk.chained_action
def harvest_source_list(up, context, data_dict):
    # ckanext-harvest's action never calls its auth function, so CKAN's auth audit answered
    # every call with a 500 ("did not call its auth function"): check it here
    tk.check_access("harvest_source_list", context, data_dict)
    sources = up(context, data_dict)
    if _is_sysadmin(context):
        return sources
    shown = []
    for source in sources:
        if not _allowed("harvest_source_show", context, {"id": source["id"]}):
            continue  # a private source of an organisation the user is not in
        if not _allowed("harvest_source_update", context, {"id": source["id"]}):
            source = {k: v for k, v in source.items() if k != "config"}
        shown.append(source)
    return shown


@tk.side_effect_free
@tk.chained_action
def user_list(up, context, data_dict):
    users = up(context, data_dict)
    if _is_sysadmin(context) or not users or not isinstance(users[0], dict):
        return users  # (order_by=name-only answers a list of names)
    return [{k: v for k, v in user.items() if k not in ("sysadmin", "email_hash")} for user in users]


@tk.chained_auth_function
@tk.auth_allow_anonymous_access
def harvest_source_list_auth(next_auth, context, data_dict):
    """ckanext-harvest's ("everybody can do it"), declared open to anonymous visitors as
    CKAN requires of auth functions outside its own get module; the action leaves out what
    each caller may not read."""
    return next_auth(context, data_dict)
