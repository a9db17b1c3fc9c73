"""Commune contours (simplified) and bounding boxes, from data/commune_geometries.json.gz.

Served to other capabilities by the public action ``metropole_commune_geometry_show``
(the DCAT catalogue's dct:spatial, the datasets' default extent, the maps)."""

from __future__ import annotations

import gzip
import json
from functools import lru_cache

import ckan.plugins.toolkit as tk
from geomet import wkt

from ..resources import PACKAGE_DIR

DATA = PACKAGE_DIR / "data" / "commune_geometries.json.gz"
MAX_CODES = 500


@lru_cache(maxsize=1)
def _all() -> dict:
    with gzip.open(DATA, "rt", encoding="utf-8") as f:
        return json.load(f)["communes"]


def bbox_wkt(bbox) -> str:
    minx, miny, maxx, maxy = bbox
    return f"POLYGON(({minx} {miny},{maxx} {miny},{maxx} {maxy},{minx} {maxy},{minx} {miny}))"


def for_commune(code: str, contours: bool = True) -> dict:
    """{"bbox": WKT polygon, "geom": WKT contour} of a commune (without "geom" when
    ``contours`` is false), {} when unknown."""
    entry = _all().get(str(code))
    if not entry:
        return {}
    return {"bbox": bbox_wkt(entry[0]), "geom": entry[1]} if contours else {"bbox": bbox_wkt(entry[0])}


def extent(codes) -> dict | None:
    """The GeoJSON bounding box of the communes' contours (a dataset's default extent): the
    polygon shapely's ``mapping(box(...))`` writes, counter-clockwise from (max x, min y)."""
    boxes = [_all()[c][0] for c in codes or [] if c in _all()]
    if not boxes:
        return None
    minx, miny = float(min(b[0] for b in boxes)), float(min(b[1] for b in boxes))
    maxx, maxy = float(max(b[2] for b in boxes)), float(max(b[3] for b in boxes))
    return {
        "type": "Polygon",
        "coordinates": [[[maxx, miny], [maxx, maxy], [minx, maxy], [minx, miny], [maxx, miny]]],
    }


def feature_collection(communes: list[dict]) -> dict:
    """GeoJSON of the given communes ({"code", "name", "url"?}) for a map."""
    features = []
    for commune in communes:
        entry = _all().get(str(commune.get("code")))
        if entry:
            features.append(
                {
                    "type": "Feature",
                    "geometry": wkt.loads(entry[1]),
                    "properties": {k: commune[k] for k in ("code", "name", "url") if commune.get(k)},
                }
            )
    return {"type": "FeatureCollection", "features": features}


@tk.side_effect_free
def commune_geometry_show(context, data_dict):
    """Contours and bounding boxes of communes by INSEE code.

    :param codes: INSEE codes (list or comma-separated string), at most 500
    :param contours: false to leave the contours out (default true)
    :returns: {"communes": {code: {"bbox": WKT, "geom": WKT}} for the codes known,
               "extent": GeoJSON bounding box of them all, or null}
    """
    tk.check_access("metropole_commune_geometry_show", context, data_dict)
    codes = data_dict.get("codes") or []
    if isinstance(codes, str):
        codes = [c.strip() for c in codes.split(",")]
    if not isinstance(codes, list) or not all(isinstance(c, str) for c in codes):
        raise tk.ValidationError({"codes": ["Donnez une liste de codes INSEE."]})
    if len(codes) > MAX_CODES:
        raise tk.ValidationError({"codes": [f"Au plus {MAX_CODES} codes INSEE par appel."]})
    contours = tk.asbool(data_dict.get("contours", True))
    return {"communes": {c: g for c in codes if (g := for_commune(c, contours))}, "extent": extent(codes)}


@tk.auth_allow_anonymous_access
def commune_geometry_show_auth(context, data_dict):
    """Public reference data (Licence Ouverte): anyone may read it."""
    return {"success": True}
