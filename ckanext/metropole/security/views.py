"""POST twins of ckanext-harvest's routes that only answered GET while changing state.

``/harvest/<source>/job/<id>/abort`` is GET-only in ckanext-harvest: once GET is refused
(csrf.py) the stop button posts here, with the CSRF token, to the same view.
(``/harvest/delete/<id>`` needs no twin: its POST already reaches CKAN's dataset delete
of the ``harvest`` type, which CSRF protects.)
"""
from __future__ import annotations

from flask import Blueprint

from ckanext.harvest import utils as harvest_utils

blueprint = Blueprint("metropole_security", __name__)


@blueprint.route("/harvest/<source>/job/<id>/abort", methods=["POST"])
def harvest_job_abort(source, id):
    return harvest_utils.job_abort_view(source, id)
