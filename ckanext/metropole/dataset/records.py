"""Data services and dataset series as records (schemas/dataservice.yaml,
schemas/dataset_series.yaml): their validators, what Solr indexes of them, their pages'
helpers.

A data service names the datasets it serves, a series its members in order; both are stored
as JSON lists of dataset ids and indexed in CKAN's multi-valued ``vocab_*`` Solr fields, so
that the services serving a dataset and the series holding it are one query each.
"""

from __future__ import annotations

import json

import ckan.plugins.toolkit as tk

from ..lists import as_list, dataset_ids, dataset_refs
from . import openapi

SERVICE_TYPE = "dataservice"
SERIES_TYPE = "dataset_series"
RECORD_TYPES = (SERVICE_TYPE, SERIES_TYPE)
SERVED_FIELD = "vocab_served_datasets"
MEMBERS_FIELD = "vocab_series_members"
DATASTORE_FIELD = "metropole_datastore"
MAX_LINKS = 200


def _dataset_ids(value) -> list[str]:
    refs = dataset_refs(value)
    if len(refs) > MAX_LINKS:
        raise tk.Invalid(tk._("At most %(max)s datasets.") % {"max": MAX_LINKS})
    return dataset_ids(refs)


def served_datasets(value, context):
    """Datasets of the portal (names, ids or addresses) → their ids, as JSON."""
    return json.dumps(_dataset_ids(value))


def series_members(value, context):
    """The members of a series, in order (the oldest first) → their ids, as JSON."""
    ids = _dataset_ids(value)
    if not ids:
        raise tk.Invalid(tk._("Name at least one dataset of the series."))
    return json.dumps(ids)


def get_validators() -> dict:
    return {
        "metropole_served_datasets": served_datasets,
        "metropole_series_members": series_members,
        "metropole_openapi_description": openapi.endpoint_description,
    }


def index_fields(pkg_dict: dict) -> dict:
    """before_dataset_index: the datasets a service serves, the members of a series."""
    if pkg_dict.get("type") == SERVICE_TYPE:
        pkg_dict[SERVED_FIELD] = as_list(pkg_dict.get("served_datasets"))
    elif pkg_dict.get("type") == SERIES_TYPE:
        pkg_dict[MEMBERS_FIELD] = as_list(pkg_dict.get("series_members"))
    # served by the portal's records API (CKAN indexes no resource's datastore_active)
    try:
        resources = json.loads(pkg_dict.get("validated_data_dict") or "{}").get("resources") or []
    except ValueError:
        resources = []
    if any(tk.asbool(r.get("datastore_active")) for r in resources if isinstance(r, dict)):
        pkg_dict[DATASTORE_FIELD] = "true"
    return pkg_dict


def datasets_only_by_default(search_params: dict) -> dict:
    """package_search (the re-users' API, counts, feeds) lists data, not services nor series,
    unless the query names a type (``fq=dataset_type:dataservice``; the catalogue names the
    types it lists). Written in fq_list: metropole_reuses reads fq for its own type."""
    asked = " ".join([search_params.get("fq") or "", *(search_params.get("fq_list") or [])])
    if "dataset_type:" not in asked:
        search_params["fq_list"] = [
            *(search_params.get("fq_list") or []),
            *(f"-dataset_type:{t}" for t in RECORD_TYPES),
        ]
    return search_params


def _search(fq: str, rows: int = MAX_LINKS, sort: str = "metadata_created asc") -> list[dict]:
    return tk.get_action("package_search")(
        {"ignore_auth": True}, {"fq": fq, "rows": rows, "sort": sort, "include_private": False}
    )["results"]


def services_of(dataset_id: str) -> list[dict]:
    """The public data services serving a dataset."""
    return _search(f'+dataset_type:{SERVICE_TYPE} +{SERVED_FIELD}:"{dataset_id}"')


def all_services(rows: int = MAX_LINKS) -> list[dict]:
    return _search(f"+dataset_type:{SERVICE_TYPE}", rows)


def series_of(dataset_id: str) -> list[dict]:
    """The public series holding a dataset, each with the dataset's place in it:
    ``{"series": ..., "position": n (from 1), "count": N, "previous": dict|None, "next": ...}``."""
    found = []
    for series in _search(f'+dataset_type:{SERIES_TYPE} +{MEMBERS_FIELD}:"{dataset_id}"'):
        members = as_list(series.get("series_members"))
        if dataset_id not in members:
            continue
        i = members.index(dataset_id)
        found.append(
            {
                "series": series,
                "position": i + 1,
                "count": len(members),
                "previous": _brief(members[i - 1]) if i > 0 else None,
                "next": _brief(members[i + 1]) if i + 1 < len(members) else None,
            }
        )
    return found


def _brief(dataset_id: str) -> dict | None:
    try:
        pkg = tk.get_action("package_show")({"ignore_auth": True}, {"id": dataset_id})
    except tk.ObjectNotFound:
        return None
    if pkg.get("private") or pkg.get("state") != "active":
        return None
    title = pkg.get("title") or pkg["name"]
    return {"id": pkg["id"], "name": pkg["name"], "title": title, "notes": pkg.get("notes") or title}


def members_of(series: dict) -> list[dict]:
    """Template helper: the public members of a series, in order."""
    return [b for b in (_brief(i) for i in as_list(series.get("series_members"))) if b]


def datasets_of(service: dict) -> list[dict]:
    """Template helper: the public datasets a service serves."""
    return [b for b in (_brief(i) for i in as_list(service.get("served_datasets"))) if b]
