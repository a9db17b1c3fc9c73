"""Data services (``dcat:DataService``) as the DCAT profile writes them.

The portal's own records API — the DataStore's ``datastore_search``, which answers for every
resource loaded into the DataStore — is one data service, declared once: listed by the
catalogue (``dcat:service``), serving (``dcat:servesDataset``) each dataset that has a loaded
resource, and named by those resources' distributions (``dcat:accessService``). Its
description is read from ``config/dcat.yaml`` (``portal_api``), the contact is the catalogue's
publisher.

A catalogue page names a service whole only on its first page, with every dataset of the
catalogue it serves (an identified ``dcat:Dataset`` node each, described on its own page): a
harvester reading page after page (data.gouv.fr's) meets each service once, and links it to
datasets by their ``dct:identifier``. A dataset's own document describes the services serving it.

A service is handed to the profile as a dict: ``uri``, ``identifier``, ``title``,
``description``, ``endpoint_url``, ``endpoint_description``, ``documentation``, ``license_id``,
``contact`` (name, email, url), ``publisher`` (a ``dcat_input.publisher`` item).
"""

from __future__ import annotations

import ckan.plugins.toolkit as tk

from ..messages import in_portal_language
from . import dcat_input


def portal_api_uri() -> str:
    return tk.config.get("ckan.site_url").rstrip("/") + dcat_input.settings()["portal_api"]["path"]


def portal_api_public() -> bool:
    """The records API is declared only where its address is public: a harvester (data.gouv.fr's
    refuses loopback and private addresses, failing the service) cannot reach a test or staging
    portal's API anyway."""
    return dcat_input.valid_url(portal_api_uri())


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
        "identifier": portal_api_uri(),
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


def mark_loaded(prepared: dict, dataset: dict, api: dict | None) -> dict:
    """``prepared`` (dcat_input.for_dcat's copy of ``dataset``) names the portal API and the
    resources it serves, for the profile: their distributions get ``dcat:accessService``;
    ``api``, the service's dict, is given for a dataset's own document (described there)."""
    loaded = [r["id"] for r in dataset.get("resources") or [] if is_loaded(r) and r.get("id")]
    kept = {r.get("id") for r in prepared.get("resources") or []}
    if (loaded := [i for i in loaded if i in kept]) and portal_api_public():
        prepared[LOADED_FIELD] = {"uri": portal_api_uri(), "service": api, "resources": loaded}
    return prepared


def from_record(record: dict, org: dict | None) -> dict:
    """A data service record (schemas/dataservice.yaml, package_show) as a service dict; its
    IRI is its page's address by id (stable when the record is renamed)."""
    site_url = tk.config.get("ckan.site_url").rstrip("/")
    service = {
        "uri": f"{site_url}/dataservice/{record['id']}",
        "identifier": record["id"],
        "title": record.get("title") or record["name"],
        "description": record.get("notes"),
        "endpoint_url": record.get("endpoint_url"),
        "endpoint_description": record.get("endpoint_description"),
        "documentation": record.get("documentation"),
        "conforms_to": record.get("endpoint_standard"),
        "hvd_category": record.get("hvd_category"),
        "landing_page": record.get("harvest_landing_page"),
        "license_id": record.get("license_id"),
        "access_rights": dcat_input.settings()["access_rights_public"],
        "served_datasets": [i for i in record.get("served_datasets") or [] if isinstance(i, str)],
    }
    contacts = [c for c in record.get("contact") or [] if isinstance(c, dict)]
    if contacts and (contacts[0].get("name") or contacts[0].get("email")):
        service["contact"] = {"name": contacts[0].get("name"), "email": contacts[0].get("email")}
    elif org and org.get("email"):
        service["contact"] = {"name": org.get("title") or org["name"], "email": org["email"]}
    if org:
        service["publisher"] = dcat_input.publisher(org)
    return dcat_input.xml_safe(service)
