"""``metropole_theme_groups_sync``: the 13 themes as CKAN groups, each dataset in its
themes' groups (after a first install, or after the theme vocabulary changed)."""

from __future__ import annotations

import ckan.plugins.toolkit as tk

from .. import groups


def theme_groups_sync(context, data_dict):
    """Create or update the theme groups and put every dataset in its themes' groups.

    :returns: ``{created, updated, unchanged, datasets_regrouped}``
    """
    tk.check_access("metropole_theme_groups_sync", context, data_dict)
    counts = groups.ensure_theme_groups(context)
    return {**counts, "datasets_regrouped": groups.resync_all()}


def get_actions() -> dict:
    return {"metropole_theme_groups_sync": theme_groups_sync}
