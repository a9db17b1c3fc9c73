"""Endpoints of the previews: the GeoJSON of a table's points (drawn by the map view)."""

from __future__ import annotations

import ckan.plugins.toolkit as tk
import flask

from . import points

blueprint = flask.Blueprint("metropole_previews", __name__)


@blueprint.route("/dataset/<id>/resource/<resource_id>/points.geojson")
def points_geojson(id: str, resource_id: str):
    context = {"user": tk.g.user}
    try:
        collection = points.feature_collection(resource_id, context)
    except tk.NotAuthorized:
        return tk.abort(403, tk._("Not authorized to see this resource"))
    except (tk.ObjectNotFound, tk.ValidationError):
        return tk.abort(404, tk._("Resource not found"))
    response = flask.jsonify(collection)
    response.headers["Content-Type"] = "application/geo+json"
    return response
