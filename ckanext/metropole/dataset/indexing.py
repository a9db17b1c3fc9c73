"""What the dataset capability adds to search: indexed fields, French facets and labels."""

from __future__ import annotations

import datetime as dt
from collections import OrderedDict

from ckan.plugins.toolkit import _

from ..lists import as_list
from ..messages import translate
from . import vocabularies as v
from .communes_field import territory_communes


def facets() -> OrderedDict:
    """The search facets and their titles, in the language of the request (IFacets is asked
    while a search page is built)."""
    return OrderedDict(
        [
            ("theme", _("Theme")),
            ("communes", _("Commune")),
            ("organization", _("Organization")),
            ("license_id", _("License")),
            ("res_format", _("Format")),
            ("tags", _("Keywords")),
        ]
    )


def _solr_date(value) -> str | None:
    try:
        return dt.date.fromisoformat(str(value)[:10]).isoformat() + "T00:00:00Z"
    except ValueError:
        return None


def before_index(pkg_dict: dict) -> dict:
    """Typed fields of our Solr schema (dataset/solr.py) from the stored values."""
    pkg_dict["theme"] = as_list(pkg_dict.get("theme"))
    pkg_dict["communes"] = as_list(pkg_dict.get("communes"))
    pkg_dict["conforms_to"] = as_list(pkg_dict.get("res_extras_conforms_to"))
    for key in ("temporal_start", "temporal_end"):
        date = _solr_date(pkg_dict.get(key)) if pkg_dict.get(key) else None
        if date:
            pkg_dict[key] = date
        else:
            pkg_dict.pop(key, None)
    return pkg_dict


def label_facets(search_results: dict) -> dict:
    """Display names for the theme, commune and frequency facet items, in the request's
    language (the vocabularies' labels are English msgids)."""
    facets = search_results.get("search_facets") or {}
    labels = {"theme": v.theme_labels(), "frequency": v.frequencies()}
    if "communes" in facets:
        labels["communes"] = {code: f"{name}" for code, name in territory_communes().items()}
    for field, mapping in labels.items():
        for item in (facets.get(field) or {}).get("items", []):
            label = mapping.get(item["name"])
            # outside a request (a CLI, a job): the portal's language
            item["display_name"] = (
                (label if field == "communes" else translate(label)) if label else item["name"]
            )
    return search_results
