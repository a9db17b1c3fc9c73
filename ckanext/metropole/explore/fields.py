"""A DataStore table seen as an Opendatasoft dataset: its fields' names, labels and types."""

from __future__ import annotations

import re

from unidecode import unidecode

from .odsql import Field, quote

# DataStore column types -> ODS field types (client's ODS_DATASET_FIELD_TYPE)
TYPES = {
    "text": "text",
    "int": "int",
    "int4": "int",
    "int8": "int",
    "int2": "int",
    "bigint": "int",
    "integer": "int",
    "numeric": "double",
    "float8": "double",
    "float4": "double",
    "date": "date",
    "timestamp": "datetime",
    "timestamptz": "datetime",
    "bool": "boolean",
    "json": "json_blob",
}
LATITUDE = {"lat", "latitude", "y_lat", "geo_lat"}
LONGITUDE = {"lon", "lng", "long", "longitude", "x_lon", "geo_lon"}
GEO_POINT = "geo_point_2d"


def normalise(label: str) -> str:
    """A column's name as Opendatasoft names fields: lowercase ASCII letters, digits and ``_``
    ("Nom de la commune" -> nom_de_la_commune, "Année" -> annee)."""
    name = re.sub(r"[^a-z0-9]+", "_", unidecode(label).lower()).strip("_")
    return name or "field"


def table_fields(datastore_fields: list[dict]) -> dict[str, Field]:
    """The fields of a table (``datastore_search``'s ``fields``), by normalised name, plus a
    ``geo_point_2d`` when a latitude and a longitude column are there."""
    fields: dict[str, Field] = {}
    for column in datastore_fields:
        if column["id"] == "_id" or column["id"].startswith("_"):
            continue
        name, n = normalise(column["id"]), 2
        while name in fields:  # two columns with one normalised name: the second gets _2
            name, n = f"{normalise(column['id'])}_{n}", n + 1
        info = column.get("info") or {}
        label = info.get("label") or column["id"]
        kind = TYPES.get(column.get("type", "text"), "text")
        fields[name] = Field(name, label, kind, quote(column["id"]))
    latitude = next((f for n, f in fields.items() if n in LATITUDE and f.type in ("double", "int")), None)
    longitude = next((f for n, f in fields.items() if n in LONGITUDE and f.type in ("double", "int")), None)
    if latitude and longitude and GEO_POINT not in fields:
        lat, lon = latitude.sql, longitude.sql
        fields[GEO_POINT] = Field(
            GEO_POINT,
            "Geo Point",
            GEO_POINT,
            f"CASE WHEN {lat} IS NULL OR {lon} IS NULL THEN NULL "
            f"ELSE json_build_object('lon', {lon}, 'lat', {lat}) END",
            f"CASE WHEN {lat} IS NULL OR {lon} IS NULL THEN NULL ELSE {lat}::text || ', ' || {lon}::text END",
        )
    return fields
