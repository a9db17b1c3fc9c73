"""POST twins of ckanext-harvest's routes that only answered GET while changing state.

``/harvest/<source>/job/<id>/abort`` is GET-only in ckanext-harvest: once GET is refused
(csrf.py) the stop button posts here, with the CSRF token, to the same view.
``/harvest/delete/<id>``'s POST reaches CKAN's dataset delete of the ``harvest`` type, which
CSRF protects but which knows nothing of ckanext-harvest's ``?clear=true``: "delete and
clear" posts to a twin of its own (the source form's button, templates/source/).
"""

from __future__ import annotations

import ckan.plugins.toolkit as tk
from ckanext.harvest import utils as harvest_utils
from flask import Blueprint

blueprint = Blueprint("metropole_security", __name__)


@blueprint.route("/harvest/<source>/job/<id>/abort", methods=["POST"])
def harvest_job_abort(source, id):
    return harvest_utils.job_abort_view(source, id)


@blueprint.route("/harvest/delete-and-clear/<id>", methods=["POST"])
def harvest_delete_and_clear(id):
    """ckanext-harvest's delete view with ``clear``: the source and its datasets and jobs."""
    try:
        tk.get_action("harvest_source_delete")(
            {"user": tk.current_user.name if tk.current_user else "", "clear_source": True}, {"id": id}
        )
    except tk.ObjectNotFound:
        return tk.abort(404, tk._("Harvest source not found"))
    except tk.NotAuthorized:
        return tk.abort(403)
    tk.h.flash_success(tk._("Harvesting source successfully cleared"))
    return tk.redirect_to("harvest.search")
