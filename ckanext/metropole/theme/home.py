"""Home page figures: ONE Solr query whatever the number of communes, briefly cached."""

from __future__ import annotations

import json

import ckan.model as model
import ckan.plugins as p
import ckan.plugins.toolkit as tk

from .. import burst
from ..dataset import vocabularies as v
from ..messages import translate


def _harvest_sources() -> int:
    if not p.plugin_loaded("harvest"):  # (its tables come with its plugin)
        return 0
    from ckanext.harvest.model import HarvestSource

    return model.Session.query(HarvestSource).filter(HarvestSource.active.is_(True)).count()


def own_territory(metros: list[dict]) -> dict | None:
    """The portal's own métropole among the territories loaded (partners and neighbouring EPCI
    may be loaded beside it): ``ckanext.metropole.territory`` (its URL name or SIREN), else the
    one loaded first."""
    wanted = (tk.config.get("ckanext.metropole.territory") or "").strip()
    if wanted:
        return next((m for m in metros if wanted in (m["name"], m.get("siren"))), None)
    if len(metros) < 2:
        return metros[0] if metros else None
    first = (
        model.Session.query(model.Group.name)
        .filter(model.Group.name.in_([m["name"] for m in metros]))
        .order_by(model.Group.created, model.Group.name)
        .first()
    )
    return next((m for m in metros if first and m["name"] == first.name), metros[0])


def compute() -> dict:
    result = tk.get_action("package_search")(
        {"ignore_auth": True},
        {
            "q": "*:*",
            "rows": 6,
            "sort": "metadata_modified desc",
            "facet.field": json.dumps(["theme", "organization"]),
            "facet.limit": -1,
            "fq": "+dataset_type:dataset",
        },
    )
    facets = result["search_facets"]
    theme_counts = {i["name"]: i["count"] for i in facets.get("theme", {}).get("items", [])}
    org_counts = {i["name"]: i["count"] for i in facets.get("organization", {}).get("items", [])}
    communes = []
    metros = tk.get_action("metropole_territory_show")({"ignore_auth": True}, {})
    for metro in metros:
        for c in metro["communes"]:
            communes.append({**c, "count": org_counts.get(c["name"], 0)})
    communes.sort(key=lambda c: (-c["count"], v.fold(c["title"])))
    # the figures speak of the métropole's own members, not of every territory loaded
    own = own_territory(metros)
    members = {c["name"] for c in own["communes"]} if own else set()
    return {
        "themes": [
            {
                "id": t["id"],
                "label": t["label"],
                "description": t["description"],
                "count": theme_counts.get(t["id"], 0),
            }
            for t in v.themes()
        ],
        "communes": communes,
        "latest": result["results"],
        "figures": {
            "datasets": result["count"],
            "contributing": sum(1 for c in communes if c["count"] and c["name"] in members),
            "communes": len(members),
            "territory": own["title"] if own else "",
            "sources": _harvest_sources(),
        },
    }


def data() -> dict:
    # Single-flight and cleared by writes in this process (burst.py); its own window so that
    # operators can keep the home page figures longer than the other pages'.
    figures = burst.cached(
        "metropole_home", compute, ttl=tk.config.get("ckanext.metropole.home_cache_seconds") or 0
    )
    # the themes' labels are English msgids: translated for this request, after the shared cache
    return {
        **figures,
        "themes": [
            {**theme, "label": translate(theme["label"]), "description": translate(theme["description"])}
            for theme in figures["themes"]
        ],
    }
