"""The review fields of the dataset schema are written by the review's actions only.

Registered by metropole_dataset, whose schema holds the fields (dataset/validators.py)."""

from __future__ import annotations

import ckan.model as model
import ckan.plugins.toolkit as tk
from ckan.lib.navl.dictization_functions import StopOnError, missing

from . import policy


def review_field(key, data, errors, context):
    """Keep the stored value unless the write is a review transition; ``review_event``
    belongs to the write that made it and is cleared by any other."""
    if context.get(policy.TRANSITION):
        if data.get(key) in (None, missing):
            data[key] = ""
        return
    field = key[-1]
    pkg = context.get("package")
    stored = ""
    if isinstance(pkg, model.Package) and pkg.id == data.get(("id",)) and field != "review_event":
        stored = pkg.extras.get(field) or ""
    given = data.get(key)
    if field == "review_state" and given not in (None, missing, "", stored):
        errors[key].append(
            tk._(
                "The review state changes through the review actions only "
                "(metropole_review_submit, metropole_review_accept, metropole_review_return)."
            )
        )
    if stored:
        data[key] = stored
    else:  # datasets outside review carry no review field at all
        data.pop(key, None)
        raise StopOnError
