"""What the dataset page shows beyond CKAN's: its communes' contours on the extent map, and
the first resource's preview embedded (the data one glance away, not one click)."""

from __future__ import annotations

import json
import logging

import ckan.plugins.toolkit as tk
from shapely.geometry import mapping, shape
from shapely.ops import unary_union

from ..communes import geometry

log = logging.getLogger(__name__)

# Beyond this many communes, the map draws their union (the territory's outline) rather than
# each contour: a métropole-wide dataset of the MEL would weigh ~200 KB of coordinates.
MAX_CONTOURS = 30
# resources looked at for a view: the first ones only (a page never lists every view)
PREVIEW_CANDIDATES = 3


def map_extent(pkg: dict) -> str | None:
    """GeoJSON for ckanext-spatial's dataset map: the contours of the communes covered, with
    the dataset's own extent when it says more than their box; else its extent as it is."""
    spatial = pkg.get("spatial") or None
    codes = [c for c in pkg.get("communes") or [] if isinstance(c, str)]
    contours = geometry.feature_collection([{"code": c} for c in codes])
    if not contours["features"]:
        return spatial
    if len(contours["features"]) > MAX_CONTOURS:
        outline = unary_union([shape(f["geometry"]) for f in contours["features"]]).simplify(0.001)
        contours["features"] = [{"type": "Feature", "geometry": mapping(outline), "properties": {}}]
    try:
        own = json.loads(spatial) if spatial else None
    except ValueError:
        own = None
    if own and own != geometry.extent(codes):
        contours["features"].append({"type": "Feature", "geometry": own, "properties": {}})
    return json.dumps(contours)


def first_preview(pkg: dict) -> dict | None:
    """{"resource", "view"}: the first of the first resources that has a view, or None."""
    for resource in (pkg.get("resources") or [])[:PREVIEW_CANDIDATES]:
        try:
            views = tk.get_action("resource_view_list")({}, {"id": resource["id"]})
        except (tk.ObjectNotFound, tk.NotAuthorized):
            continue
        if views:
            return {"resource": resource, "view": views[0]}
    return None
