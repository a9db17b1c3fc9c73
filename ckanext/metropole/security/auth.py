"""Authorisation rules tighter than CKAN's and ckanext-harvest's defaults.

Sysadmins never reach these functions (CKAN lets them through first); internal calls with
``ignore_auth`` (the territory load, the harvester) neither.
"""

from __future__ import annotations

import ckan.plugins.toolkit as tk


def _refuse(message: str) -> dict:
    return {"success": False, "msg": message}


# Organisations and groups: only the portal's administrators (and the territory load, which
# runs as the site user) create them, whatever ckan.auth.user_create_* says. An editor's fake
# commune appeared on /communes and blocked the next territory load.
@tk.chained_auth_function
def organization_create(next_auth, context, data_dict):
    return _refuse(tk._("Only the portal's administrators create organisations."))


@tk.chained_auth_function
def group_create(next_auth, context, data_dict):
    return _refuse(tk._("Only the portal's administrators create groups."))


# An organisation admin could delete the commune itself (CKAN's "admin" role includes it):
# the commune vanished from /communes and from the territory. Only administrators delete.
@tk.chained_auth_function
def organization_delete(next_auth, context, data_dict):
    return _refuse(tk._("Only the portal's administrators delete organisations."))


def _harvest_object(context, data_dict):
    from ckanext.harvest.model import HarvestObject

    model = context["model"]
    if data_dict.get("id"):
        return HarvestObject.get(data_dict["id"], attr=data_dict.get("attr"))
    if data_dict.get("dataset_id"):
        pkg = model.Package.get(data_dict["dataset_id"])
        if pkg is None:
            return None
        return (
            model.Session.query(HarvestObject)
            .filter(HarvestObject.package_id == pkg.id)
            .filter(HarvestObject.current.is_(True))
            .first()
        )
    return None


# ckanext-harvest lets anyone read any harvest object: the raw content of a private source
# (and of private datasets) reached anonymous users. The object is readable by whoever may
# read its source and its dataset.
@tk.auth_allow_anonymous_access
@tk.chained_auth_function
def harvest_object_show(next_auth, context, data_dict):
    obj = _harvest_object(context, data_dict)
    if obj is None:
        return next_auth(context, data_dict)  # the action answers 404 / 409 itself
    try:
        tk.check_access("harvest_source_show", dict(context), {"id": obj.harvest_source_id})
        if obj.package_id:
            tk.check_access("package_show", dict(context), {"id": obj.package_id})
    except (tk.NotAuthorized, tk.ObjectNotFound):
        return _refuse(tk._("You may not read this harvest object."))
    return next_auth(context, data_dict)


def get_auth_functions() -> dict:
    from .disclosure import harvest_source_list_auth

    return {
        "harvest_source_list": harvest_source_list_auth,
        "organization_create": organization_create,
        "group_create": group_create,
        "organization_delete": organization_delete,
        "harvest_object_show": harvest_object_show,
    }
