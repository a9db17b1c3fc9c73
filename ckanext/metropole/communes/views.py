"""Commune pages: ``/communes`` (all communes at a glance) and the commune identity shown
on each commune organisation's page."""

from __future__ import annotations

import json

import ckan.plugins.toolkit as tk
from ckan.lib import search
from flask import Blueprint

from .. import burst
from .reference import OPEN_DATA_THRESHOLD

blueprint = Blueprint("metropole_communes", __name__)


def territories() -> list[dict]:
    out = []
    for metro in tk.get_action("metropole_territory_show")({}, {"include_datasets": True}):
        out.append({**metro, "contributing": sum(1 for c in metro["communes"] if c["datasets"])})
    return out


@blueprint.route("/communes")
def index():
    try:
        data = territories()
        error = None
    except search.SearchError:
        data, error = [], tk._("Search is unavailable for a moment: please try again shortly.")
    return tk.render(
        "communes/index.html", {"territories": data, "search_error": error, "threshold": OPEN_DATA_THRESHOLD}
    )


def format_population(value) -> str:
    if value in (None, ""):
        return "—"
    return f"{int(value):,}".replace(",", "\u202f")


def communes_geojson(communes) -> str:
    """JSON of the contours of communes (rows with insee_code/title/name) for a map.

    The same for every visitor of a language (~80 ms for the MEL's 95 contours, on the home
    page and /communes): kept for the burst window (burst.py), keyed by the communes and by
    the URL prefix of the request (language)."""
    rows = tuple((c.get("insee_code"), c.get("title"), c.get("name")) for c in communes or [])
    prefix = tk.url_for("organization.read", id="_")
    return burst.cached(("communes_geojson", prefix, rows), lambda: _communes_geojson(communes))


def _communes_geojson(communes) -> str:
    from . import geometry

    features = geometry.feature_collection(
        [
            {
                "code": c.get("insee_code"),
                "name": c.get("title"),
                "url": tk.url_for("organization.read", id=c["name"]) if c.get("name") else None,
            }
            for c in communes or []
            if c.get("insee_code")
        ]
    )
    return json.dumps(features, separators=(",", ":")) if features["features"] else ""


def open_data_threshold() -> int:
    return OPEN_DATA_THRESHOLD


def get_helpers() -> dict:
    return {
        "metropole_format_population": format_population,
        "metropole_communes_geojson": communes_geojson,
        "metropole_open_data_threshold": open_data_threshold,
    }
