"""One reading of "a list" for every capability: scheming stores list fields as JSON text,
the API and the forms send lists, comma-separated text or one value, harvested portals send
lists, JSON text or one string."""

from __future__ import annotations

import json
import re

import ckan.plugins.toolkit as tk
from ckan.lib.navl.dictization_functions import missing


def as_list(value, split: str | None = None) -> list[str]:
    """The items of ``value`` as stripped, non-empty strings.

    ``None``, ``""``, navl's ``missing`` → ``[]``; a list or tuple → its items; text holding a
    JSON list (``'["a", "b"]'``) → its items; other text → cut on the regular expression
    ``split`` when given (``r"[,;]"``), else one item; any other value → one item.
    """
    if value is None or value is missing:
        return []
    if isinstance(value, str):
        text = value.strip()
        if text.startswith("["):
            try:
                loaded = json.loads(text)
            except ValueError:
                loaded = None
            if isinstance(loaded, list):
                value = loaded
        if isinstance(value, str):
            value = re.split(split, text) if split else [text]
    elif not isinstance(value, (list, tuple)):
        value = [value]
    items = (str(x).strip() for x in value if x is not None and x is not missing)
    return [x for x in items if x]


def dataset_refs(value) -> list[str]:
    """Datasets named in a form field (names, ids or pasted addresses, separated by commas or
    spaces) → their distinct names or ids, in order."""
    refs = []
    for ref in as_list(value, split=r"[,\s]+"):
        ref = ref.rstrip("/")
        if "/dataset/" in ref:  # a pasted dataset address
            ref = ref.split("/dataset/", 1)[1].split("/")[0]
        if ref and ref not in refs:
            refs.append(ref)
    return refs


def dataset_ids(refs: list[str], public_only: bool = False) -> list[str]:
    """The ids of the portal's active datasets named by ``refs`` (dataset_refs), distinct, in
    order; ``public_only``: private ones count as unknown. Raise ``tk.Invalid`` naming the first
    reference that is not such a dataset (a reuse, a data service link datasets this way)."""
    ids = []
    for ref in refs:
        try:
            pkg = tk.get_action("package_show")({"ignore_auth": True}, {"id": ref})
        except tk.ObjectNotFound:
            pkg = None
        if (
            not pkg
            or pkg.get("type") != "dataset"
            or pkg.get("state") != "active"
            or (public_only and pkg.get("private"))
        ):
            raise tk.Invalid(tk._("Unknown dataset on the portal: %(ref)s") % {"ref": ref})
        if pkg["id"] not in ids:
            ids.append(pkg["id"])
    return ids
