"""What the dataset capability adds to search: indexed fields, French facets and labels."""
from __future__ import annotations

import datetime as dt
import json
from collections import OrderedDict

from . import vocabularies as v
from .communes_field import territory_communes

FACETS = OrderedDict([
    ("theme", "Thème"),
    ("communes", "Commune"),
    ("organization", "Organisation"),
    ("license_id", "Licence"),
    ("res_format", "Format"),
    ("tags", "Mots-clés"),
])


def _list(value) -> list[str]:
    if value in (None, ""):
        return []
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            return [value]
    if isinstance(value, str):
        return [value]
    return [str(x) for x in value if x not in (None, "")]


def _solr_date(value) -> str | None:
    try:
        return dt.date.fromisoformat(str(value)[:10]).isoformat() + "T00:00:00Z"
    except ValueError:
        return None


def before_index(pkg_dict: dict) -> dict:
    """Typed fields of our Solr schema (dataset/solr.py) from the stored values."""
    pkg_dict["theme"] = _list(pkg_dict.get("theme"))
    pkg_dict["communes"] = _list(pkg_dict.get("communes"))
    pkg_dict["conforms_to"] = [x for x in _list(pkg_dict.get("res_extras_conforms_to")) if x]
    for key in ("temporal_start", "temporal_end"):
        date = _solr_date(pkg_dict.get(key)) if pkg_dict.get(key) else None
        if date:
            pkg_dict[key] = date
        else:
            pkg_dict.pop(key, None)
    return pkg_dict


def label_facets(search_results: dict) -> dict:
    """French display names for the theme, commune and frequency facet items."""
    facets = search_results.get("search_facets") or {}
    labels = {"theme": v.theme_labels(), "frequency": v.frequencies()}
    if "communes" in facets:
        labels["communes"] = {code: f"{name}" for code, name in territory_communes().items()}
    for field, mapping in labels.items():
        for item in (facets.get(field) or {}).get("items", []):
            item["display_name"] = mapping.get(item["name"], item["name"])
    return search_results
