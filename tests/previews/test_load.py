"""CSV, TSV and XLSX uploaded by an agent are loaded into the DataStore by xloader in a real
worker; the resource page says in French where the load stands and why it failed."""

from __future__ import annotations

import html
import io

import requests
from ckan.tests import helpers

from .conftest import FIXTURES, MAX_CONTENT_LENGTH, MAX_EXCERPT_LINES, resource_page, run_jobs, upload


def _status(resource):
    return helpers.call_action("xloader_status", resource_id=resource["id"])


def _rows(resource, **kw):
    return helpers.call_action("datastore_search", resource_id=resource["id"], **kw)


def _xlsx(rows, merge=None) -> bytes:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    for row in rows:
        ws.append(row)
    if merge:
        ws.merge_cells(merge)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def test_csv_tsv_and_xlsx_become_tables(portal):
    csv = upload(portal, "parkings.csv", (FIXTURES / "parkings.csv").read_bytes(), "CSV")
    tsv_text = (FIXTURES / "fontaines.csv").read_text().replace(",", "\t")
    tsv = upload(portal, "fontaines.tsv", tsv_text.encode(), "TSV")
    xlsx = upload(
        portal, "budget.xlsx", _xlsx([["Année", "Dépenses (€)"], [2022, 1250.5], [2023, 1410]]), "XLSX"
    )
    # Windows-1252, as spreadsheets save CSV in France: detected, accents kept
    cp1252 = upload(
        portal, "salles.csv", "salle;ville\nThéâtre de l'Œuvre;Clermont-Ferrand\n".encode("cp1252"), "CSV"
    )
    run_jobs(portal)
    for res in (csv, tsv, xlsx, cp1252):
        assert _status(res)["status"] == "complete", _status(res)
    parks = _rows(csv, sort="id_park")
    assert parks["total"] == 4
    assert {r["nom_park"] for r in parks["records"]} == {"REPUBLIQUE", "JAUDE", "DELILLE", "ROYAT THERMES"}
    assert (
        next(r for r in parks["records"] if r["nom_park"] == "JAUDE")["ad_park"]
        == "Place de Jaude, 63000, Clermont-Ferrand"
    )
    assert _rows(tsv)["total"] == 3
    budget = _rows(xlsx)
    assert [f["id"] for f in budget["fields"] if f["id"] != "_id"] == ["Année", "Dépenses (€)"]
    assert budget["total"] == 2
    assert _rows(cp1252)["records"][0]["salle"] == "Théâtre de l'Œuvre"
    page = html.unescape(resource_page(portal, csv, token=portal["token"]))
    assert "Chargé : le tableau, son API et ses vues sont à jour." in page


BROKEN_ROW = (
    "63113-P-003,GAILLARD,63113,3 rue Gaillard, 63000, Clermont-Ferrand,,tous_usagers,,80,0,2,0,0,0,0,0,0,,"
    "24630070100015,3.08,45.78,gratuit,1,2,3,4,8,,,ouvrage,"
)


def _bad_file(case: str, lines: list[str]) -> tuple[str, bytes, str]:
    if case == "broken_line":  # an address with commas, not quoted: two values too many
        return "casse.csv", ("\n".join([*lines[:3], BROKEN_ROW, *lines[3:]]) + "\n").encode(), "CSV"
    if case == "encoding":  # bytes that are text in no encoding
        return "encodage.csv", b"nom;valeur\n" + bytes(range(128, 256)) * 4 + b";1\n", "CSV"
    if case == "merged_header":  # a title merged over the columns, the real header below
        return (
            "fusion.xlsx",
            _xlsx(
                [["Budget 2023", None, None], ["Poste", "Prévu", "Réalisé"], ["Voirie", 10, 9]], merge="A1:C1"
            ),
            "XLSX",
        )
    if case == "repeated_header":
        return "doublon.csv", b"nom,nom,places\nJaude,Delille,3\n", "CSV"
    row = lines[2]  # above the load bound (a 1 GB file is the same case)
    return (
        "gros.csv",
        ("\n".join([lines[0]] + [row] * (MAX_CONTENT_LENGTH // len(row) + 50)) + "\n").encode(),
        "CSV",
    )


EXPECTED = {
    "broken_line": (
        "error",
        "La ligne 4 du fichier contient plus de valeurs que les 30 colonnes de son en-tête",
    ),
    "encoding": ("error", "L’encodage des caractères du fichier n’a pas été reconnu"),
    "merged_header": ("error", "la première ligne doit donner un nom distinct à chaque colonne"),
    "repeated_header": ("error", "la première ligne doit donner un nom distinct à chaque colonne"),
    "too_large": ("complete", "seules ses premières lignes sont affichées"),
}


def test_bad_files_say_why_in_french_and_lose_nothing(portal):
    good = upload(portal, "parkings.csv", (FIXTURES / "parkings.csv").read_bytes(), "CSV")
    lines = (FIXTURES / "parkings.csv").read_text().splitlines()
    files = {case: _bad_file(case, lines) for case in EXPECTED}
    bad = {case: upload(portal, *files[case]) for case in EXPECTED}
    run_jobs(portal)

    for case, (state, french) in EXPECTED.items():
        status = _status(bad[case])
        logs = [log["message"][:200] for log in (status.get("task_info") or {}).get("logs") or []]
        assert status["status"] == state, (case, status["status"], status["error"], logs)
        page = resource_page(portal, bad[case], token=portal["token"])
        assert french in html.unescape(page), case
        assert 'class="alert alert-' in page
    assert _rows(bad["too_large"])["total"] == MAX_EXCERPT_LINES - 1  # the header is one of the lines

    # nothing lost: the other resources, the dataset, the files themselves
    assert _status(good)["status"] == "complete" and _rows(good)["total"] == 4
    dataset = helpers.call_action("package_show", id=portal["dataset"]["id"])
    assert dataset["state"] == "active" and len(dataset["resources"]) == 1 + len(EXPECTED)
    for case, res in bad.items():
        download = requests.get(res["url"], headers={"Authorization": portal["token"]}, timeout=30)
        assert download.status_code == 200 and download.content == files[case][1], case
    # visitors do not see the editors' load status
    assert "metropole-load-status" not in resource_page(portal, bad["encoding"])
