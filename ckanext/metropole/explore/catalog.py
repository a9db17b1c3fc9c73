"""The catalogue of the Explore API: CKAN datasets with DataStore tables as ODS datasets.

A dataset's id is its CKAN name; its records are those of its first DataStore-loaded resource
(in the dataset's order). ``{name}:{resource_id}`` addresses another of its tables.
"""

from __future__ import annotations

import re

import ckan.plugins.toolkit as tk

from . import fields as table_fields
from .dates import date_value
from .odsql import ODSQLError, field_name, parse, unquote_string
from .query import page

# ODS metadata (metas.default) a catalogue query may filter on -> the Solr field CKAN indexes
SOLR_FIELDS = {
    "dataset_id": "name",
    "title": "title_string",
    "keyword": "tags",
    "theme": "theme",
    "publisher": "organization",
    "license": "license_id",
    "modified": "metadata_modified",
}
SOLR_SPECIAL = re.compile(r'([+\-&|!(){}\[\]^"~*?:\\/\s])')
SOLR_SORT = {"title": "title_string", "modified": "metadata_modified", "dataset_id": "name"}


def resolve(context: dict, dataset_id: str) -> tuple[dict, dict | None]:
    """(dataset, its DataStore resource or None); NotFound when the caller may not read it
    (package_show's rule, the one datastore_search applies)."""
    name, _, resource_id = dataset_id.partition(":")
    dataset = tk.get_action("package_show")(dict(context), {"id": name})
    tables = [r for r in dataset.get("resources", []) if r.get("datastore_active")]
    if resource_id:
        tables = [r for r in tables if r["id"] == resource_id]
        if not tables:
            raise tk.ObjectNotFound()
    return dataset, (tables[0] if tables else None)


def locate(context: dict, dataset_id: str) -> str:
    """The id of the dataset's DataStore table, once the caller may read it (datastore_search's
    rule); NotFound otherwise. Reads the model, not package_show: a records query pays for no
    dataset dictionary."""
    from ckan import model

    name, _, resource_id = dataset_id.partition(":")
    dataset = model.Package.get(name)
    if dataset is None or dataset.state != "active":
        raise tk.ObjectNotFound()
    tables = [r.id for r in dataset.resources if tk.asbool((r.extras or {}).get("datastore_active"))]
    if resource_id:
        tables = [r for r in tables if r == resource_id]
    if not tables:
        raise ODSQLError(f"The dataset {dataset_id} has no records (no DataStore table)")
    tk.check_access("datastore_search", dict(context), {"resource_id": tables[0]})
    return tables[0]


def table(context: dict, resource: dict | None, with_count: bool = False) -> tuple[dict, int]:
    """The fields of the resource's table (datastore_search checks the caller's access) and its
    number of records."""
    if resource is None:
        return {}, 0
    result = tk.get_action("datastore_search")(
        dict(context), {"resource_id": resource["id"], "limit": 0, "include_total": with_count}
    )
    return table_fields.table_fields(result["fields"]), result.get("total", 0)


def describe(context: dict, dataset: dict, resource: dict | None) -> dict:
    """A dataset in the shape of ODS's catalog/datasets/{dataset_id}."""
    fields, count = table(context, resource, with_count=True)
    organization = dataset.get("organization") or {}
    features = ["analyze"] if resource else []
    if "geo_point_2d" in fields:
        features.append("geo")
    return {
        "visibility": "restricted" if dataset.get("private") else "domain",
        "dataset_id": dataset["name"],
        "dataset_uid": dataset["id"],
        "has_records": bool(count),
        "features": features,
        "attachments": [],
        "alternative_exports": [],
        "data_visible": True,
        "fields": [f.describe() for f in fields.values()],
        "metas": {
            "default": {
                "title": dataset.get("title"),
                "description": dataset.get("notes"),
                "theme": _as_list(dataset.get("theme")),
                "keyword": [t["name"] for t in dataset.get("tags", [])],
                "license": dataset.get("license_title"),
                "license_url": dataset.get("license_url"),
                "language": "fr",
                "timezone": None,
                "modified": dataset.get("modified") or dataset.get("metadata_modified"),
                "data_processed": resource.get("last_modified") if resource else None,
                "metadata_processed": dataset.get("metadata_modified"),
                "publisher": organization.get("title"),
                "references": dataset.get("url") or None,
                "records_count": count,
                "territory": _as_list(dataset.get("communes")),
            },
            "dcat": {
                "accrualperiodicity": dataset.get("frequency"),
                "issued": dataset.get("issued"),
                "contact_name": (dataset.get("contact") or [{}])[0].get("name")
                if isinstance(dataset.get("contact"), list)
                else None,
            },
        },
    }


def _as_list(value) -> list:
    if not value:
        return []
    return value if isinstance(value, list) else [value]


def search(context: dict, args) -> dict:
    """catalog/datasets: datasets with a DataStore table, through package_search (the
    caller's own visibility: private datasets only for their members)."""
    limit, offset = page(args)
    limit = 100 if limit == -1 else limit
    fq = ["+dataset_type:dataset"]
    q = []
    if args.get("where"):
        q.append(_solr(parse("where", args["where"]).children[0]))
    for name, sign in [("refine", "+"), ("exclude", "-")]:
        for value in args.getlist(name):
            key, sep, wanted = value.partition(":")
            if not sep or key not in SOLR_FIELDS:
                raise ODSQLError(f"Unknown field: {key} (in {name})")
            if key == "publisher":
                wanted = _organisation_name(wanted)
            fq.append(f'{sign}{SOLR_FIELDS[key]}:"{_escape(wanted)}"')
    result = tk.get_action("package_search")(
        dict(context),
        {
            "q": " AND ".join(q) or "*:*",
            "fq": " ".join(fq),
            "rows": limit,
            "start": offset,
            "sort": _sort(args.get("order_by")),
            "include_private": True,
        },
    )
    datasets = []
    for dataset in result["results"]:
        resource = next((r for r in dataset.get("resources", []) if r.get("datastore_active")), None)
        try:
            datasets.append(describe(context, dataset, resource))
        except (tk.ObjectNotFound, tk.NotAuthorized):
            datasets.append(describe(context, dataset, None))
    if args.get("select"):
        datasets = [_select(d, args["select"]) for d in datasets]
    return {"total_count": result["count"], "results": datasets}


def _organisation_name(publisher: str) -> str:
    """The organisation a publisher is (ODS shows its title, Solr indexes its name)."""
    from ckan import model

    found = (
        model.Session.query(model.Group.name)
        .filter(model.Group.is_organization.is_(True), model.Group.state == "active")
        .filter(model.Group.title.ilike(publisher.replace("\\", "").replace("%", "").replace("_", "\\_")))
        .first()
    )
    return found[0] if found else publisher


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"')


def _solr(node) -> str:
    """A catalogue where clause as a Solr query on the indexed metadata."""
    kind = node.data
    if kind in ("or_", "and_"):
        joiner = " OR " if kind == "or_" else " AND "
        return "(" + joiner.join(_solr(c) for c in node.children) + ")"
    if kind == "not_":
        return f"(*:* -{_solr(node.children[0])})"
    if kind == "string":
        return f'text:"{_escape(unquote_string(node.children[0]))}"'
    if kind == "call" and str(node.children[0]).lower() == "search":
        args = [a for a in node.children[1:] if a is not None]
        if args and args[-1].data == "string":
            return f'text:"{_escape(unquote_string(args[-1].children[0]))}"'
    if kind in ("compare", "compare_colon", "like") and node.children[0].data == "field":
        name = field_name(node.children[0].children[0])
        if name not in SOLR_FIELDS:
            raise ODSQLError(f"Unknown field: {name} (in where on the catalogue)")
        right = node.children[-1]
        operator = "=" if kind != "compare" else str(node.children[1])
        if right.data == "string" and operator == "=":
            value = _escape(unquote_string(right.children[0]))
            if kind == "like":  # a wildcard term: every character of Solr's syntax escaped
                term = SOLR_SPECIAL.sub(r"\\\1", unquote_string(right.children[0]))
                return f"{SOLR_FIELDS[name]}:*{term}*"
            return f'{SOLR_FIELDS[name]}:"{value}"'
        if right.data in ("number", "date") and operator in ("<", "<=", ">", ">="):
            value = str(right.children[0])
            if right.data == "date":
                try:  # a checked date, not the caller's text
                    value = date_value(value)[:10] + "T00:00:00Z"
                except ValueError as e:
                    raise ODSQLError(str(e)) from None
            bound = f"[{value} TO *]" if operator.startswith(">") else f"[* TO {value}]"
            return f"{SOLR_FIELDS[name]}:{bound}"
    raise ODSQLError('Unsupported where on the catalogue: use text, search() or field = "value"')


def _sort(order_by: str | None) -> str:
    if not order_by:
        return "metadata_modified desc"
    terms = []
    for item in parse("order_by", order_by).children:
        node, direction = item.children[0], "asc"
        if node.data == "neg":
            node, direction = node.children[0], "desc"
        if len(item.children) > 1:
            direction = str(item.children[1]).lower()
        name = field_name(node.children[0]) if node.data == "field" else ""
        if name not in SOLR_SORT:
            raise ODSQLError(f"Unknown field: {name or 'expression'} (in order_by on the catalogue)")
        terms.append(f"{SOLR_SORT[name]} {direction}")
    return ", ".join(terms)


def _select(dataset: dict, select: str) -> dict:
    """select on the catalogue: dataset_id and the default metadata named."""
    names = [n.strip() for n in select.split(",") if n.strip()]
    default = dataset["metas"]["default"]
    out = {}
    for name in names:
        if name == "*":
            return dataset
        if name in dataset:
            out[name] = dataset[name]
        elif name in default:
            out[name] = default[name]
        else:
            raise ODSQLError(f"Unknown field: {name} (in select on the catalogue)")
    return out
