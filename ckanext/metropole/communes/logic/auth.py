"""Who may call the territory actions. Sysadmins pass every check before these run
(CKAN's rule), so "sysadmin only" is a function that refuses everybody else."""

from __future__ import annotations

import ckan.plugins.toolkit as tk


@tk.auth_allow_anonymous_access
def territory_show(context, data_dict):
    return {"success": True}  # public reference data: the portal shows it on /communes


def territory_load(context, data_dict):
    return {"success": False, "msg": tk._("Only a system administrator can load a territory.")}


def get_auth_functions() -> dict:
    return {"metropole_territory_show": territory_show, "metropole_territory_load": territory_load}
