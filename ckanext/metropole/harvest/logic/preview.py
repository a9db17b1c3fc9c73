"""metropole_harvest_source_preview: what a harvest of a source would do, nothing written."""

from __future__ import annotations

import contextlib

import ckan.model as model
import ckan.plugins.toolkit as tk

from ...messages import N_
from .. import preview as p


def _owner(owner_org: str | None) -> dict | None:
    if not owner_org:
        return None
    org = model.Group.get(owner_org)
    if org is None or not org.is_organization:
        raise tk.ValidationError({"owner_org": [str(N_("Unknown organisation: {name}", name=owner_org))]})
    return {"id": org.id, "name": org.name, "title": org.title, "insee_code": org.extras.get("insee_code")}


def metropole_harvest_source_preview(context, data_dict):
    """Run detection, the listing and the mapping of a source without writing anything.

    :param url: the source's address
    :param source_type: ``intercommunal``
    :param config: the source's configuration (JSON, optional)
    :param owner_org: the commune receiving the datasets (optional: the source's own when ``id``)
    :param id: an existing source, to compare with what it harvested (optional)
    :returns: protocol, announced, read, complete, stopped, error, created / updated / withdrawn /
        refused ({count, items: [{name, title, warnings, reasons}]}, first
        ckanext.metropole.harvest.preview_items), unchanged, licenses and themes
        ([{id, title, count}]), deadline and elapsed (seconds)
    """
    source_id = data_dict.get("id") or None
    source = None
    if source_id:
        source = model.Package.get(source_id)
        if source is None or source.type != "harvest":
            raise tk.ObjectNotFound(str(N_("Harvest source not found")))
        source_id = source.id
    owner_org = data_dict.get("owner_org") or (source.owner_org if source else None)
    tk.check_access("metropole_harvest_source_preview", context, {"owner_org": owner_org})
    if source is not None:
        tk.check_access("harvest_source_update", context, {"id": source_id})
    url = (data_dict.get("url") or "").strip()
    errors = {}
    if not url:
        errors["url"] = [tk._("Missing value")]
    if (data_dict.get("source_type") or p.SOURCE_TYPE) != p.SOURCE_TYPE:
        errors["source_type"] = [
            str(N_("Only sources of type “{type}” can be previewed.", type=p.SOURCE_TYPE))
        ]
    if errors:
        raise tk.ValidationError(errors)
    owner = _owner(owner_org)
    try:
        return p.preview(context, url, data_dict.get("config"), owner, source_id)
    except ValueError as e:  # the configuration: said on its field, as the form does
        raise tk.ValidationError({"config": [str(e.args[0]) if e.args else str(e)]}) from None
    finally:
        with contextlib.suppress(Exception):
            model.Session.rollback()


def metropole_harvest_source_preview_auth(context, data_dict):
    """The same rule as creating the source (ckanext-harvest's: package_create in the commune)."""
    try:
        tk.check_access(
            "harvest_source_create", context, {"type": "harvest", "owner_org": data_dict.get("owner_org")}
        )
    except tk.NotAuthorized as e:
        return {"success": False, "msg": str(e)}
    return {"success": True}
