"""The "Tester la source" step of the harvest source form: its preview, on a page of its own."""

from __future__ import annotations

import ckan.plugins.toolkit as tk
from flask import Blueprint

blueprint = Blueprint("metropole_harvest", __name__)

FIELDS = ("url", "source_type", "config", "owner_org", "id")


@blueprint.route("/harvest/preview", methods=["POST"])
def preview():
    """The form's fields (new or edit) previewed; the form keeps them (the browser's back)."""
    form = tk.request.form
    data = {key: form.get(key) or None for key in FIELDS}
    context = {"user": tk.current_user.name if tk.current_user.is_authenticated else ""}
    extra = {"data": data, "result": None, "errors": {}}
    try:
        extra["result"] = tk.get_action("metropole_harvest_source_preview")(context, data)
    except tk.NotAuthorized:
        return tk.abort(403, tk._("You are not allowed to test a harvest source here."))
    except tk.ObjectNotFound:
        return tk.abort(404, tk._("Harvest source not found"))
    except tk.ValidationError as e:
        extra["errors"] = e.error_dict
    return tk.render("source/preview.html", extra_vars=extra)
