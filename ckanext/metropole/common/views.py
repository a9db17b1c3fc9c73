"""/jeux-communs: the matrix communes × common datasets, its CSV export, the shipped schemas."""

from __future__ import annotations

import csv
import io

import ckan.plugins.toolkit as tk
from flask import Blueprint, Response, abort, send_file

from . import catalogue, report

blueprint = Blueprint("metropole_common", __name__)


def _matrix() -> dict:
    return tk.get_action("metropole_common_datasets_show")({}, {})


@blueprint.route("/jeux-communs")
def index():
    return tk.render("common/index.html", {"matrix": _matrix()})


@blueprint.route("/jeux-communs.csv")
def export_csv():
    matrix = _matrix()
    out = io.StringIO(newline="")
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    commons = matrix["common_datasets"]
    writer.writerow(
        [tk._("Commune"), tk._("INSEE code")]
        + [c["title"] for c in commons]
        + [tk._("Valid"), tk._("Published with errors"), tk._("Validation pending"), tk._("Missing")]
    )
    for row in matrix["communes"]:
        writer.writerow(
            [row["title"], row["insee_code"]]
            + [row["cells"][c["id"]]["status_label"] for c in commons]
            + [row["counts"][k] for k in ("valid", "invalid", "pending", "missing")]
        )
    # UTF-8 with BOM and ";" so that a spreadsheet opens it in French settings with its accents.
    return Response(
        "\ufeff" + out.getvalue(),
        mimetype="text/csv",
        headers={"Content-Disposition": "attachment; filename=jeux-communs.csv"},
    )


@blueprint.route("/jeux-communs/schemas/<path:schema_id>/schema.json")
def schema(schema_id):
    if schema_id not in {c.schema_id for c in catalogue.common_datasets()}:
        abort(404)
    return send_file(catalogue.SCHEMAS_DIR / schema_id / "schema.json", mimetype="application/json")


def resource_report(resource: dict) -> dict | None:
    """Template helper: the report of a resource page, or None when it names no schema."""
    try:
        return tk.get_action("metropole_common_validation_show")({}, {"id": resource["id"]})
    except (tk.ObjectNotFound, tk.NotAuthorized):
        return None


def get_helpers() -> dict:
    return {"metropole_common_report": resource_report, "metropole_common_status_label": report.status_label}
