"""The map of a table with coordinates: its rows as GeoJSON points (WGS 84).

Coordinate columns come under many names (``latitude``/``longitude`` in national schemas,
``Ylat``/``Xlong`` in the parking schema, ``lat``/``lon``, Opendatasoft's ``geo_point_2d``
"lat, lon"); a pair is taken only when its values are plausible degrees, so that projected
coordinates (Lambert 93 ``x``/``y`` in metres) are not drawn in the sea.
"""

from __future__ import annotations

import re

import ckan.plugins.toolkit as tk

from . import tabular

LAT = re.compile(r"^(lat|latitude|y_?lat|lat_?y|ylat|coord_?y|y_wgs84|wgs84_y|y)$", re.I)
LON = re.compile(r"^(lon|lng|long|longitude|x_?long|long_?x|xlong|coord_?x|x_wgs84|wgs84_x|x)$", re.I)
POINT = re.compile(
    r"^(geo_?point(_2d)?|geopoint|coordonnees|coordonnées|coordinates|geo_?loc.*|position)$", re.I
)
PAIR = re.compile(r"^\s*\[?\s*([+-]?\d+(?:\.\d+)?)\s*[,;]\s*([+-]?\d+(?:\.\d+)?)\s*\]?\s*$")


def _plausible(lats, lons) -> bool:
    pairs = [(a, o) for a, o in zip(lats, lons, strict=True) if a is not None and o is not None]
    return (
        bool(pairs)
        and all(-90 <= a <= 90 and -180 <= o <= 180 for a, o in pairs)
        and len(pairs) >= 0.8 * len(lats)
    )


def find_columns(fields: list[str], records: list[dict]) -> dict | None:
    """{"lat": f, "lon": f} or {"point": f} for the table, or None."""
    for lat in (f for f in fields if LAT.match(f)):
        for lon in (f for f in fields if LON.match(f)):
            values = [r for r in records if r.get(lat) not in (None, "")]
            if _plausible(
                [tabular.to_number(r.get(lat)) for r in values],
                [tabular.to_number(r.get(lon)) for r in values],
            ):
                return {"lat": lat, "lon": lon}
    for point in (f for f in fields if POINT.match(f)):
        parsed = [PAIR.match(str(r.get(point) or "")) for r in records if r.get(point) not in (None, "")]
        if (
            parsed
            and all(parsed)
            and _plausible([float(m[1]) for m in parsed], [float(m[2]) for m in parsed])
        ):
            return {"point": point}
    return None


def coordinates(record: dict, columns: dict) -> tuple[float, float] | None:
    if "point" in columns:
        m = PAIR.match(str(record.get(columns["point"]) or ""))
        lat, lon = (float(m[1]), float(m[2])) if m else (None, None)
    else:
        lat, lon = (
            tabular.to_number(record.get(columns["lat"])),
            tabular.to_number(record.get(columns["lon"])),
        )
    if lat is None or lon is None or not (-90 <= lat <= 90 and -180 <= lon <= 180):
        return None
    return lat, lon


def feature_collection(resource_id: str, context: dict | None = None) -> dict:
    limit = tk.config.get("ckanext.metropole.previews.map_max_points")
    table = tabular.read(resource_id, limit, context)
    columns = find_columns(table["fields"], table["records"]) or {}
    features = []
    for record in table["records"] if columns else []:
        point = coordinates(record, columns)
        if point:
            properties = {k: v for k, v in record.items() if k != "_id"}
            features.append(
                {
                    "type": "Feature",
                    "geometry": {"type": "Point", "coordinates": [point[1], point[0]]},
                    "properties": properties,
                }
            )
    return {"type": "FeatureCollection", "features": features}


def can_view(resource: dict) -> bool:
    table = tabular.sample(resource)
    return bool(table) and find_columns(table["fields"], table["records"]) is not None
