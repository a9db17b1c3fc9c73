"""Syncing the theme groups writes to every dataset's groups: sysadmins only (they pass
every check before this function runs)."""

import ckan.plugins.toolkit as tk


def theme_groups_sync(context, data_dict):
    return {"success": False, "msg": tk._("Only a system administrator can synchronise the theme groups.")}


def get_auth_functions() -> dict:
    return {"metropole_theme_groups_sync": theme_groups_sync}
