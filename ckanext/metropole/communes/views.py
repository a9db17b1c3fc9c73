"""Commune pages: ``/communes`` (all communes at a glance) and the commune identity shown
on each commune organisation's page."""
from __future__ import annotations

import json

from flask import Blueprint

import ckan.plugins.toolkit as tk
from ckan.lib import search

from . import territory
from .reference import OPEN_DATA_THRESHOLD

blueprint = Blueprint("metropole_communes", __name__)


def publication_stats() -> dict[str, dict]:
    """Public datasets per organisation and the date of the latest one, in ONE Solr query
    (a JSON terms facet with a max() sub-facet), whatever the number of communes."""
    conn = search.make_connection(decode_dates=False)
    fq = [f'+site_id:"{tk.config.get("ckan.site_id")}"', "+state:active", "+capacity:public",
          "+dataset_type:dataset"]
    facet = {"orgs": {"type": "terms", "field": "organization", "limit": -1, "mincount": 1,
                      "facet": {"last": "max(metadata_modified)"}}}
    try:
        result = conn.search(q="*:*", fq=fq, rows=0, **{"json.facet": json.dumps(facet)})
    except Exception as e:  # pysolr raises its own errors; the page says it rather than 500
        raise search.SearchError(str(e))
    buckets = (result.raw_response.get("facets", {}).get("orgs") or {}).get("buckets", [])
    return {b["val"]: {"count": b["count"], "last": b.get("last")} for b in buckets}


def territories() -> list[dict]:
    stats = publication_stats()
    out = []
    for metro, communes in territory.by_metropole():
        for c in communes:
            c.update(stats.get(c["name"], {"count": 0, "last": None}))
        out.append({"name": metro.name, "title": metro.title, "communes": communes,
                    "datasets": stats.get(metro.name, {}).get("count", 0),
                    "contributing": sum(1 for c in communes if c["count"])})
    return out


@blueprint.route("/communes")
def index():
    try:
        data = territories()
        error = None
    except search.SearchError:
        data, error = [], "La recherche est momentanément indisponible : réessayez dans quelques instants."
    return tk.render("communes/index.html", {"territories": data, "search_error": error,
                                             "threshold": OPEN_DATA_THRESHOLD})


def format_population(value) -> str:
    if value in (None, ""):
        return "—"
    return f"{int(value):,}".replace(",", "\u202f")


def communes_geojson(communes) -> str:
    """JSON of the contours of communes (rows with insee_code/title/name) for a map."""
    from . import geometry

    features = geometry.feature_collection([
        {"code": c.get("insee_code"), "name": c.get("title"),
         "url": tk.url_for("organization.read", id=c["name"]) if c.get("name") else None}
        for c in communes or [] if c.get("insee_code")])
    return json.dumps(features, separators=(",", ":")) if features["features"] else ""


def get_helpers() -> dict:
    return {"metropole_format_population": format_population, "metropole_communes_geojson": communes_geojson}
