"""Reading a DataStore table to draw it: which columns hold numbers, labels, coordinates.

xloader loads every column as text (its fast COPY path guesses no types), so the type of a
column is judged from its values: French decimals ("12,5"), spaces as thousands separators.
"""

from __future__ import annotations

import re

import ckan.plugins.toolkit as tk

# Column names that hold codes or positions, not quantities to chart.
CODE_NAME = re.compile(
    r"(^|_)(id|code|insee|siret|siren|cp|postal|tel|phone|x|y|lat|lon|lng|long|"
    r"latitude|longitude|xlong|ylat|geo.*|coord.*)($|_)|^_id$|^id_|_id$",
    re.I,
)
TIME_NAME = re.compile(r"ann[ée]e|year|date|mois|month|jour|day|periode|période|trimestre", re.I)
NUMBER = re.compile(r"^[+-]?\d{1,3}(?:[ \u00a0\u202f]?\d{3})*(?:[.,]\d+)?$|^[+-]?\d+(?:[.,]\d+)?$")


def to_number(value) -> float | None:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    if not isinstance(value, str):
        return None
    text = value.strip()
    if not NUMBER.match(text):
        return None
    text = re.sub(r"[ \u00a0\u202f]", "", text).replace(",", ".")
    try:
        return float(text)
    except ValueError:
        return None


def read(resource_id: str, limit: int, context: dict | None = None) -> dict:
    """Fields (without _id) and up to ``limit`` records, through datastore_search (its auth)."""
    result = tk.get_action("datastore_search")(
        dict(context or {}), {"resource_id": resource_id, "limit": limit}
    )
    fields = [f["id"] for f in result["fields"] if f["id"] != "_id"]
    return {
        "fields": fields,
        "records": result["records"],
        "total": result.get("total", len(result["records"])),
    }


def numeric_fields(fields: list[str], records: list[dict]) -> list[str]:
    """Columns where (nearly) every non-empty value is a number."""
    found = []
    for field in fields:
        values = [r.get(field) for r in records if r.get(field) not in (None, "")]
        if values and sum(to_number(v) is not None for v in values) >= 0.95 * len(values):
            found.append(field)
    return found


def sample(resource: dict, rows: int = 200) -> dict | None:
    """The first rows of a resource's table (to decide which views fit), or None."""
    if not resource.get("datastore_active"):
        return None
    try:
        return read(resource["id"], rows, {"ignore_auth": True})
    except (tk.ObjectNotFound, tk.ValidationError):
        return None
