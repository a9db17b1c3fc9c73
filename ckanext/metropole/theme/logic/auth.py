"""Participation figures are public: they are the portal's /participation page."""

import ckan.plugins.toolkit as tk


@tk.auth_allow_anonymous_access
def participation_show(context, data_dict):
    return {"success": True}


def get_auth_functions() -> dict:
    return {"metropole_participation_show": participation_show}
