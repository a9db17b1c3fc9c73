"""/participation: which communes publish, against their open-data obligation."""
from __future__ import annotations

import csv
import io

from flask import Blueprint, Response

import ckan.plugins.toolkit as tk
from ckan.lib import search

from ..communes import views as communes_views
from ..communes.reference import OPEN_DATA_THRESHOLD

blueprint = Blueprint("metropole_participation", __name__)


def rows() -> list[dict]:
    """One faceted Solr query (communes.views.publication_stats) for every commune, and one
    for the average metadata quality of each (action metropole_quality_show)."""
    out = []
    qualities = tk.get_action("metropole_quality_show")({}, {"organizations": True})["organizations"]
    for terr in communes_views.territories():
        for c in terr["communes"]:
            quality = qualities.get(c["name"], {})
            out.append({**c, "territory": terr["title"], "quality": quality.get("average"),
                        "missing": c["open_data_obligation"] and not c["count"]})
    return out


@blueprint.route("/participation")
def index():
    try:
        data, error = rows(), None
    except search.SearchError:
        data, error = [], tk._("Search is unavailable for a moment: please try again shortly.")
    biggest = max([r["count"] for r in data] or [0]) or 1
    return tk.render("participation/index.html", {
        "rows": data, "search_error": error, "threshold": OPEN_DATA_THRESHOLD, "biggest": biggest,
        "obliged": sum(1 for r in data if r["open_data_obligation"]),
        "missing": sum(1 for r in data if r["missing"]),
        "contributing": sum(1 for r in data if r["count"])})


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
    writer.writerow(["code_insee", "commune", "territoire", "population", "obligation_ouverture",
                     "jeux_de_donnees", "derniere_publication", "qualite_metadonnees_sur_405"])
    for r in rows():
        writer.writerow([spreadsheet_safe(v) for v in (
            r["insee_code"], r["title"], r["territory"], r["population"] or "",
            "oui" if r["open_data_obligation"] else "non", r["count"], (r["last"] or "")[:10],
            "" if r["quality"] is None else r["quality"])])
    return Response("\ufeff" + buffer.getvalue(), mimetype="text/csv; charset=utf-8",
                    headers={"Content-Disposition": "attachment; filename=participation.csv"})
