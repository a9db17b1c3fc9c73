"""Harvest source addresses: web schemes only, refused on the form's field.

ckanext-harvest stores any text as a source URL ("javascript:", "data:"…), shown as a link
on the source page; our harvester would refuse it only when run.
"""

from __future__ import annotations

import ckan.model as model
import ckan.plugins.toolkit as tk
from ckan.lib.navl.dictization_functions import Invalid

from .validators import safe_url


def _check(data_dict):
    try:
        safe_url(data_dict.get("url"), {})
    except Invalid as e:
        raise tk.ValidationError({"url": [e.error]}) from None


def _is_harvest(data_dict, creating: bool = False) -> bool:
    if data_dict.get("type") == "harvest":
        return True
    if creating and data_dict.get("type"):
        return False  # a new dataset of another type (no lookup: a harvest import creates thousands)
    existing = model.Package.get(data_dict.get("id") or data_dict.get("name") or "")
    return existing is not None and existing.type == "harvest"


def check_create(data_dict):
    if _is_harvest(data_dict, creating=True):
        _check(data_dict)


def check_update(data_dict):
    if "url" in data_dict and _is_harvest(data_dict):
        _check(data_dict)
