"""/participation: which communes publish, against their open-data obligation."""

from __future__ import annotations

import csv
import io

import ckan.plugins.toolkit as tk
from ckan.lib import search
from flask import Blueprint, Response

blueprint = Blueprint("metropole_participation", __name__)


@blueprint.route("/participation")
def index():
    try:
        figures, error = tk.get_action("metropole_participation_show")({}, {}), None
    except search.SearchError:
        figures, error = None, tk._("Search is unavailable for a moment: please try again shortly.")
    rows = figures["communes"] if figures else []
    totals = (
        figures["totals"]
        if figures
        else {"obliged": 0, "missing": 0, "contributing": 0, "waiting": None, "hvd": 0, "hvd_lacking": 0}
    )
    return tk.render(
        "participation/index.html",
        {
            "rows": rows,
            "search_error": error,
            "biggest": max([r["datasets"] for r in rows] or [0]) or 1,
            "threshold": figures["open_data_threshold"] if figures else None,
            "review": bool(figures and figures["review"]),
            **totals,
        },
    )


# A cell starting with one of these is a formula for Excel/LibreOffice: a commune titled
# "=HYPERLINK(…)" ran in the spreadsheet of whoever opened the file (OWASP "CSV injection").
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(value):
    """Text cells that would start a formula are prefixed with a quote; numbers stay numbers."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


@blueprint.route("/participation.csv")
def csv_download():
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";")
    writer.writerow(
        [
            "code_insee",
            "commune",
            "territoire",
            "population",
            "obligation_ouverture",
            "jeux_de_donnees",
            "derniere_publication",
            "qualite_metadonnees_sur_405",
            "en_attente_de_relecture",
            "donnees_forte_valeur",
            "donnees_forte_valeur_incompletes",
        ]
    )
    for r in tk.get_action("metropole_participation_show")({}, {})["communes"]:
        writer.writerow(
            [
                spreadsheet_safe(v)
                for v in (
                    r["insee_code"],
                    r["title"],
                    r["territory"],
                    r["population"] or "",
                    "oui" if r["open_data_obligation"] else "non",
                    r["datasets"],
                    (r["last_modified"] or "")[:10],
                    "" if r["quality"] is None else r["quality"],
                    "" if r["waiting"] is None else r["waiting"],
                    r["hvd_datasets"],
                    r["hvd_lacking"],
                )
            ]
        )
    return Response(
        "\ufeff" + buffer.getvalue(),
        mimetype="text/csv; charset=utf-8",
        headers={"Content-Disposition": "attachment; filename=participation.csv"},
    )
