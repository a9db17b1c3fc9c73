"""Territory actions: what the CLI, the pages, the other capabilities and re-users call.

``metropole_territory_show`` (public) reads the métropoles and their communes, typed;
``metropole_territory_load`` (sysadmin) creates or updates them from the official reference
data. Both read the organisations through ``territory`` (one query of the groups and their
extras), the only module that reads organisations directly.
"""

from __future__ import annotations

import json

import ckan.plugins.toolkit as tk
from ckan.lib import search

from ... import burst
from ...writes import as_caller
from .. import territory as t
from ..validators import INSEE_RE, TERRITORY_LOAD
from . import schema


def _publication_stats() -> dict[str, dict]:
    """Public datasets per organisation and the date of the latest one, in ONE Solr query
    (a JSON terms facet with a max() sub-facet), whatever the number of communes."""
    conn = search.make_connection(decode_dates=False)
    fq = [
        f'+site_id:"{tk.config.get("ckan.site_id")}"',
        "+state:active",
        "+capacity:public",
        "+dataset_type:dataset",
    ]
    facet = {
        "orgs": {
            "type": "terms",
            "field": "organization",
            "limit": -1,
            "mincount": 1,
            "facet": {"last": "max(metadata_modified)"},
        }
    }
    try:
        result = conn.search(q="*:*", fq=fq, rows=0, **{"json.facet": json.dumps(facet)})
    except Exception as e:  # pysolr raises its own errors; the API answers 409 "Search error"
        raise search.SearchError(str(e)) from e
    buckets = (result.raw_response.get("facets", {}).get("orgs") or {}).get("buckets", [])
    return {b["val"]: {"count": b["count"], "last": b.get("last")} for b in buckets}


@tk.side_effect_free
def territory_show(context, data_dict):
    """The métropoles of the portal and their member communes.

    :param name: only the métropole of this name (URL name or id)
    :param include_datasets: add, per commune and métropole, the number of public datasets
        (``datasets``) and the date of the latest change (``last_modified``); default False
    :returns: a list of métropoles ``{id, name, title, siren, population, datasets?,
        communes: [{id, name, title, insee_code, siren, population (int or null),
        postal_codes (list), open_data_obligation (bool), datasets?, last_modified?}]}``,
        sorted by title (communes by name)
    """
    tk.check_access("metropole_territory_show", context, data_dict)
    data, errors = tk.navl_validate(data_dict, schema.territory_show_schema(), context)
    if errors:
        raise tk.ValidationError(errors)
    # The answer holds public facts only (organisations, public dataset counts): the same
    # for every caller once the access check above passed, so a burst of /communes, home
    # page or /participation requests reads the organisations and Solr once (burst.py).
    return burst.cached(
        ("metropole_territory_show", data.get("name"), data["include_datasets"]),
        lambda: _read_territories(data.get("name"), data["include_datasets"]),
    )


def _read_territories(name: str | None, include_datasets: bool) -> list[dict]:
    metros = t.by_metropole()
    if name:
        metros = [m for m in metros if name in (m["name"], m["id"])]
        if not metros:
            raise tk.ObjectNotFound(tk._("No métropole named “{name}” on this portal.").format(name=name))
    if include_datasets:
        stats = _publication_stats()
        for metro in metros:
            for row in (metro, *metro["communes"]):
                found = stats.get(row["name"], {})
                row["datasets"] = found.get("count", 0)
                row["last_modified"] = found.get("last")
    return metros


def _territory(data: dict) -> t.Territory:
    if bool(data.get("epci")) == bool(data.get("communes")):
        raise t.TerritoryError(tk._("Give either epci (a SIREN) or communes (a list of INSEE codes)."))
    if data.get("epci"):
        if data.get("siren"):
            raise t.TerritoryError(tk._("siren only goes with communes: with epci, the SIREN is the EPCI's."))
        return t.from_epci(data["epci"], data.get("name"), data.get("title"))
    codes = [code.strip().upper() for code in data["communes"] if code.strip()]
    bad = [code for code in codes if not INSEE_RE.match(code)]
    if bad:
        raise t.TerritoryError(
            tk._("Malformed INSEE codes: {codes} — 5 characters expected, e.g. 01053 or 2A004.").format(
                codes=", ".join(bad[:10])
            )
        )
    return t.from_codes(
        codes, data.get("name"), data.get("title"), data.get("siren"), source=tk._("list of communes")
    )


PROGRESS = "metropole_progress"  # context: wraps the list of changes (a progress bar), for the CLI


def apply_plan(context, the_plan: t.Plan, dry_run: bool = False) -> t.Summary:
    """Write a plan through organization_create / organization_patch as the caller."""
    summary = t.Summary(reported=len(the_plan.reported))
    changes = the_plan.changes()
    if context.get(PROGRESS) and not dry_run:
        changes = context[PROGRESS](list(changes))  # the CLI's progress bar
    for change in changes:
        if not dry_run and change.action != "unchanged":
            # as the caller: every write is authorised and validated as if made through the forms
            write_context = as_caller(context, **{TERRITORY_LOAD: True})
            if change.action == "create":
                tk.get_action("organization_create")(write_context, change.data)
            else:
                tk.get_action("organization_patch")(write_context, {"id": change.org_id, **change.data})
        summary.count(change)
    return summary


def territory_load(context, data_dict):
    """Create or update the métropole organisation and one organisation per member commune.

    Organisations are matched by INSEE code (never by name): loading again updates, never
    duplicates. The whole load is refused, before any write, on an unknown code or a commune
    already in another territory.

    :param epci: SIREN of an EPCI of the official reference data (e.g. 246300701), or
    :param communes: a list of INSEE codes (with ``name`` and ``title``, optional ``siren``)
    :param name: URL name of the métropole organisation (default: from the EPCI's name)
    :param title: title of the métropole organisation (default: the EPCI's name)
    :param dry_run: only say what would change (default False)
    :returns: ``{territory: {name, title, source, communes}, changes: [{action, name,
        changed}], reported: [str], summary: {created, updated, unchanged, reported},
        dry_run}``
    """
    tk.check_access("metropole_territory_load", context, data_dict)
    data, errors = tk.navl_validate(data_dict, schema.territory_load_schema(), context)
    if errors:
        raise tk.ValidationError(errors)
    try:
        terr = _territory(data)
        the_plan = t.plan(terr)
    except t.TerritoryError as e:
        raise tk.ValidationError({"territory": [str(e)]}) from None

    summary = apply_plan(context, the_plan, dry_run=data["dry_run"])
    return {
        "territory": {
            "name": terr.name,
            "title": terr.title,
            "source": terr.source,
            "communes": len(terr.communes),
        },
        "changes": [{"action": c.action, "name": c.name, "changed": c.changed} for c in the_plan.changes()],
        "reported": the_plan.reported,
        "summary": {
            "created": summary.created,
            "updated": summary.updated,
            "unchanged": summary.unchanged,
            "reported": summary.reported,
        },
        "dry_run": data["dry_run"],
    }


def get_actions() -> dict:
    return {"metropole_territory_show": territory_show, "metropole_territory_load": territory_load}
