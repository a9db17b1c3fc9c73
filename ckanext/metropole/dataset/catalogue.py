"""The DCAT catalogue and dataset documents, as re-users and data.gouv.fr read them.

ckanext-dcat's ``dcat_catalog_show``/``dcat_catalog_search``/``dcat_dataset_show`` are chained:

- datasets are handed to the serializer in ckanext-dcat's field shapes (``dcat_input``);
- pages are sorted by creation then name, an order that does not move while datasets are
  edited (ckanext-dcat sorts by last modification: a harvester walking the Hydra pages met
  some datasets twice and others never);
- datasets harvested from data.gouv.fr are left out (it harvests this catalogue);
- one dataset that cannot be serialised is left out of its page, never the page itself;
- RDF responses say ``charset=utf-8`` (without it, text/turtle is read as Latin-1).

ckanext-dcat's functions are not called (``up_func``): its actions search, order and serialise
in one step, with no hook for the above, so this module does those steps itself, with
ckanext-dcat's public serializer; its query filters are repeated in ``_search``.
"""

from __future__ import annotations

import logging
import math
from datetime import timezone
from urllib.parse import urlencode

import ckan.plugins.toolkit as tk
from ckanext.dcat.logic import DATASETS_PER_PAGE
from ckanext.dcat.processors import RDFSerializer
from ckanext.dcat.utils import DEFAULT_CATALOG_ENDPOINT, catalog_uri
from dateutil.parser import parse as parse_date

from . import dcat_input, dcat_records, records, services
from .dcat import MetropoleDCATAPProfile

log = logging.getLogger(__name__)

EXCLUDED_FIELD = "metropole_dcat_excluded"
STABLE_SORT = "metadata_created asc, name asc"
MAX_PAGE = 100_000
MAX_SERVED = 10_000  # datasets a service names on the first page
# ckanext-dcat's filters, and ours: data service records are listed by dcat:service
# (dcat_records), not as datasets; datasets harvested from data.gouv.fr are left out
CATALOGUE_FQ = (
    "-dataset_type:harvest",
    "-dataset_type:showcase",
    "-dataset_type:dataservice",
    f"-{EXCLUDED_FIELD}:true",
)
# The request parameters a catalogue page's addresses keep (ckanext-dcat's view reads these).
PAGE_PARAMS = ("modified_since", "profiles", "q", "fq")
RDF_MEDIA_TYPES = {
    "text/turtle",
    "application/rdf+xml",
    "application/ld+json",
    "application/n-triples",
    "text/n3",
    "application/trig",
}


def index_fields(pkg_dict: dict) -> dict:
    """before_dataset_index: mark what the catalogue leaves out."""
    portal = pkg_dict.get("harvest_portal") or pkg_dict.get("extras_harvest_portal")
    if dcat_input.harvested_from_excluded_portal({"harvest_portal": portal}):
        pkg_dict[EXCLUDED_FIELD] = "true"
    return pkg_dict


class _Organisations:
    """organization_show of each owner, read once per document."""

    def __init__(self, context):
        self.context = {"ignore_auth": True, "user": context.get("user")}
        self.cache = {}

    def get(self, org_id):
        if not org_id:
            return None
        if org_id not in self.cache:
            try:
                self.cache[org_id] = tk.get_action("organization_show")(
                    dict(self.context),
                    {
                        "id": org_id,
                        "include_datasets": False,
                        "include_users": False,
                        "include_groups": False,
                        "include_followers": False,
                    },
                )
            except tk.ObjectNotFound:
                self.cache[org_id] = None
        return self.cache[org_id]


def catalogue_publisher(context) -> dict | None:
    """The métropole's organisation: the configured one, or the first of kind métropole."""
    ctx = {"ignore_auth": True, "user": context.get("user")}
    name = tk.config.get("ckanext.metropole.dcat.publisher")
    if name:
        try:
            return tk.get_action("organization_show")(dict(ctx), {"id": name, "include_datasets": False})
        except tk.ObjectNotFound:
            log.warning("ckanext.metropole.dcat.publisher: no organisation %s", name)
    limit = 25
    for offset in range(0, 2500, limit):
        orgs = tk.get_action("organization_list")(
            dict(ctx),
            {
                "all_fields": True,
                "include_extras": True,
                "limit": limit,
                "offset": offset,
                "sort": "name asc",
            },
        )
        for org in orgs:
            if org.get("kind") == "metropole":
                return org
        if len(orgs) < limit:
            return None
    return None


def catalogue_dict(context, orgs: _Organisations | None = None) -> dict:
    """The catalogue; with ``orgs``, on its first page, the data services it lists
    (dcat:service: the portal's records API, then the data service records), each with the
    datasets of the catalogue it serves (services.py)."""
    publisher = catalogue_publisher(context)
    listed = []
    if orgs is not None:
        listed = dcat_records.record_services(orgs)
        for service in listed:
            ids = service.get("served_datasets") or []
            service["catalogue_served"] = (
                _catalogue_ids(context, "id:(" + " OR ".join(f'"{i}"' for i in ids) + ")") if ids else []
            )
        if services.portal_api_public():
            api = services.portal_api(publisher)
            api["catalogue_served"] = _catalogue_ids(context, f"{records.DATASTORE_FIELD}:true")
            listed.insert(0, api)
    return {
        "title": tk.config.get("ckan.site_title"),
        "description": tk.config.get("ckan.site_description") or None,
        "language": dcat_input.settings()["language"],
        "publisher": publisher,
        "metropole_services": listed,
    }


def _prepared(dataset: dict, orgs: _Organisations, api=None) -> dict:
    """A dataset in ckanext-dcat's shapes (dcat_input), its DataStore-loaded resources served
    by the portal API, its series (dcat_records). ``api``: for the dataset's own document, a
    function returning the portal API's dict, which the document describes with the record
    services serving the dataset; on a catalogue page, None (services.py)."""
    prepared = dcat_input.for_dcat(dataset, orgs.get(dataset.get("owner_org")))
    dcat_records.prepare(prepared, dataset, document=api is not None)
    if any(services.is_loaded(r) for r in dataset.get("resources") or []):
        services.mark_loaded(prepared, dataset, api() if api is not None else None)
    return prepared


def _catalogue_ids(context, fq: str) -> list[str]:
    """Ids of the catalogue's datasets matching ``fq``, in the catalogue's order."""
    ids, rows = [], 1000
    for start in range(0, MAX_SERVED, rows):
        found = tk.get_action("package_search")(
            {"ignore_auth": True, "user": context.get("user")},
            {
                "q": "*:*",
                "fq": fq,
                "fq_list": CATALOGUE_FQ,
                "fl": "id",
                "rows": rows,
                "start": start,
                "sort": STABLE_SORT,
            },
        )["results"]
        ids += [d["id"] for d in found]
        if len(found) < rows:
            break
    return ids


def _search(context, data_dict) -> dict:
    page = data_dict.get("page") or 1
    try:
        page = int(page)
    except (TypeError, ValueError):
        raise tk.ValidationError(
            {"page": [tk._("The page number must be a positive whole number.")]}
        ) from None
    if not 1 <= page <= MAX_PAGE:
        raise tk.ValidationError(
            {"page": [tk._("The page number must be between 1 and %(max)s.") % {"max": MAX_PAGE}]}
        )
    rows = _rows()
    # ckanext-dcat's query (same filters and parameters), with our order and exclusion.
    fq_list = list(CATALOGUE_FQ)
    if data_dict.get("modified_since"):
        try:
            since = parse_date(data_dict["modified_since"])
            if since.tzinfo is not None:  # an offset (…+02:00) is turned to UTC, Solr's only zone
                since = since.astimezone(timezone.utc).replace(tzinfo=None)
            since = since.strftime("%Y-%m-%dT%H:%M:%SZ")
        except (ValueError, OverflowError, TypeError):
            raise tk.ValidationError(
                {"modified_since": [tk._("Invalid date: use the ISO 8601 format (YYYY-MM-DD).")]}
            ) from None
        fq_list.append(f"metadata_modified:[{since} TO NOW]")
    return tk.get_action("package_search")(
        context,
        {
            "rows": rows,
            "start": rows * (page - 1),
            "sort": STABLE_SORT,
            "q": data_dict.get("q") or "*:*",
            "fq": data_dict.get("fq"),
            "fq_list": fq_list,
        },
    )


def _rows() -> int:
    return int(tk.config.get("ckanext.dcat.datasets_per_page", DATASETS_PER_PAGE))


def _page_address(data_dict, page: int) -> str:
    """The catalogue's address in the page's format, whoever asked (its route, the API, a
    command): ckanext-dcat's route reads the parameters kept here."""
    endpoint = tk.config.get("ckanext.dcat.catalog_endpoint", DEFAULT_CATALOG_ENDPOINT)
    path = endpoint.replace("{_format}", data_dict.get("format") or "xml")
    params = {
        k: ",".join(data_dict[k]) if isinstance(data_dict[k], list) else data_dict[k]
        for k in PAGE_PARAMS
        if data_dict.get(k)
    }
    return f"{catalog_uri()}{path}?{urlencode({**params, 'page': page})}"


def hydra_paging(query: dict, data_dict) -> dict:
    """Hydra paging, in the keys ckanext-dcat's serializer reads (the function ckanext-dcat
    builds them with is private to its module); the page's parameters come checked by _search."""
    if not query["count"]:
        return {}
    page, rows = int(data_dict.get("page") or 1), _rows()
    last = max(1, math.ceil(query["count"] / rows))
    paging = {
        "count": query["count"],
        "items_per_page": rows,
        "current": _page_address(data_dict, page),
        "first": _page_address(data_dict, 1),
        "last": _page_address(data_dict, last),
    }
    if page > 1:  # beyond the end, the last page precedes
        paging["previous"] = _page_address(data_dict, min(page - 1, last))
    if page * rows < query["count"]:
        paging["next"] = _page_address(data_dict, page + 1)
    return paging


def serialize_catalogue(data_dict, catalog, datasets, pagination) -> str:
    profiles, fmt = data_dict.get("profiles"), data_dict.get("format")
    try:
        return RDFSerializer(profiles=profiles).serialize_catalog(
            catalog, datasets, _format=fmt, pagination_info=pagination
        )
    except Exception:
        log.exception("DCAT catalogue page: serialising failed, finding the dataset at fault")
    kept = []
    for dataset in datasets:
        try:
            RDFSerializer(profiles=profiles).serialize_dataset(dataset, _format=fmt)
            kept.append(dataset)
        except Exception:
            log.exception("DCAT catalogue: dataset %s left out of its page", dataset.get("name"))
    return RDFSerializer(profiles=profiles).serialize_catalog(
        catalog, kept, _format=fmt, pagination_info=pagination
    )


def _catalogue(context, data_dict) -> str:
    query = _search(context, data_dict)
    orgs = _Organisations(context)
    # the services on the first page only (services.py)
    catalog = catalogue_dict(context, orgs if int(data_dict.get("page") or 1) == 1 else None)
    datasets = [_prepared(d, orgs) for d in query["results"]]
    paging = hydra_paging(query, data_dict)
    return serialize_catalogue(data_dict, catalog, datasets, paging)


@tk.chained_action
@tk.side_effect_free
def dcat_catalog_show(up_func, context, data_dict):
    # up_func not called: ckanext-dcat's search and serialisation are replaced (module docstring)
    tk.check_access("dcat_catalog_show", context, data_dict)
    return _catalogue(context, data_dict)


@tk.chained_action
@tk.side_effect_free
def dcat_catalog_search(up_func, context, data_dict):
    # up_func not called: ckanext-dcat's search and serialisation are replaced (module docstring)
    tk.check_access("dcat_catalog_search", context, data_dict)
    return _catalogue(context, data_dict)


@tk.chained_action
@tk.side_effect_free
def dcat_dataset_show(up_func, context, data_dict):
    # up_func not called: it would serialise the dataset as stored, not in ckanext-dcat's shapes
    tk.check_access("dcat_dataset_show", context, data_dict)
    dataset = tk.get_action("package_show")(context, data_dict)
    if dataset.get("type") == "dataservice":
        return dcat_records.service_document(
            dataset,
            _Organisations(context).get(dataset.get("owner_org")),
            MetropoleDCATAPProfile,
            data_dict.get("profiles"),
            data_dict.get("format"),
        )
    prepared = _prepared(
        dataset, _Organisations(context), lambda: services.portal_api(catalogue_publisher(context))
    )
    return RDFSerializer(profiles=data_dict.get("profiles")).serialize_dataset(
        prepared, _format=data_dict.get("format")
    )


def get_actions() -> dict:
    return {
        "dcat_catalog_show": dcat_catalog_show,
        "dcat_catalog_search": dcat_catalog_search,
        "dcat_dataset_show": dcat_dataset_show,
    }


def utf8_charset(response):
    """after_request: RDF documents are UTF-8 and say so."""
    if response.mimetype in RDF_MEDIA_TYPES and "charset" not in (response.headers.get("Content-Type") or ""):
        response.headers["Content-Type"] = f"{response.mimetype}; charset=utf-8"
    return response
