"""Data services (``dcat:DataService``) as the DCAT profile writes them.

The portal's own records API — the DataStore's ``datastore_search``, which answers for every
resource loaded into the DataStore — is one data service, declared once: listed by the
catalogue (``dcat:service``), serving (``dcat:servesDataset``) each dataset that has a loaded
resource, and named by those resources' distributions (``dcat:accessService``). Its
description is read from ``config/dcat.yaml`` (``portal_api``), the contact is the catalogue's
publisher.

A service is handed to the profile as a dict (``describe``): ``uri``, ``title``,
``description``, ``endpoint_url``, ``endpoint_description``, ``documentation``, ``license_id``,
``contact`` (name, email, url), ``publisher`` (a ``dcat_input.publisher`` item).
"""

from __future__ import annotations

import ckan.plugins.toolkit as tk

from ..messages import in_portal_language
from . import dcat_input


def portal_api_uri() -> str:
    return tk.config.get("ckan.site_url").rstrip("/") + dcat_input.settings()["portal_api"]["path"]


def is_loaded(resource: dict) -> bool:
    """A resource whose rows the DataStore serves (CKAN's own flag, set by datastore_create)."""
    return tk.asbool(resource.get("datastore_active"))


def portal_api(org: dict | None) -> dict:
    """The portal's records API; ``org`` is the catalogue's publisher (organization_show)."""
    conf = dcat_input.settings()["portal_api"]
    site_url = tk.config.get("ckan.site_url").rstrip("/")
    site = tk.config.get("ckan.site_title")
    service = {
        "uri": portal_api_uri(),
        "title": in_portal_language("Records API of %(site)s") % {"site": site},
        "description": in_portal_language(
            "Query the rows of every file loaded into the portal's DataStore: filters, full-text "
            "search, sorting and paging (CKAN's datastore_search action, JSON answers)."
        ),
        "endpoint_url": site_url + conf["path"],
        "endpoint_description": conf["endpoint_description"],
        "documentation": conf["documentation"],
        "license_id": conf["license_id"],
        "access_rights": dcat_input.settings()["access_rights_public"],
    }
    if org:
        service["publisher"] = dcat_input.publisher(org)
        service["contact"] = {
            "name": org.get("title") or org["name"],
            "email": service["publisher"].get("email"),
            "url": service["publisher"].get("url") or service["publisher"]["uri"],
        }
    else:
        service["contact"] = {"name": site, "url": site_url + "/about"}
    return dcat_input.xml_safe(service)


LOADED_FIELD = "metropole_portal_api"


def mark_loaded(prepared: dict, dataset: dict, api: dict) -> dict:
    """``prepared`` (dcat_input.for_dcat's copy of ``dataset``) names the portal API and the
    resources it serves, for the profile: their distributions get ``dcat:accessService``."""
    loaded = [r["id"] for r in dataset.get("resources") or [] if is_loaded(r) and r.get("id")]
    kept = {r.get("id") for r in prepared.get("resources") or []}
    if loaded := [i for i in loaded if i in kept]:
        prepared[LOADED_FIELD] = {"service": api, "resources": loaded}
    return prepared
