"""Validation and consolidation jobs on a real CKAN (PostgreSQL, Solr, Redis and an RQ worker)."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import ckan.plugins.toolkit as tk
import pytest
from ckan.lib.uploader import get_resource_uploader
from ckan.tests import factories, helpers

from .conftest import upload

HEADER = "id;nom;insee;adresse;acces_pmr;gratuit;horaires;latitude;longitude"
TOILETS = "metropole/toilettes-publiques"


def toilets_csv(*rows: str) -> bytes:
    return "\n".join([HEADER, *rows]).encode("utf-8")


CLERMONT = toilets_csv(
    "63113-0001;Place de Jaude;63113;Place de Jaude;true;true;;45.7772;3.0819",
    "63113-0002;Jardin Lecoq;63113;;false;true;Mo-Su 08:00-20:00;45.7720;3.0900",
)
AUBIERE_BAD = toilets_csv("63014-0001;Mairie;6301;;oui;true;;45.7510;3.1110")
AUBIERE_FIXED = toilets_csv("63014-0001;Mairie;63014;;true;true;;45.7510;3.1110")
# Beaumont's file repeats a toilet Clermont already published (same identifier): kept once.
BEAUMONT = toilets_csv(
    "63113-0001;Place de Jaude (limite communale);63113;;true;true;;45.7772;3.0819",
    "63032-0001;Place de la Rodade;63032;;true;false;;45.7520;3.0830",
)


def consolidated_rows(name="jeu-commun-toilettes-publiques"):
    dataset = helpers.call_action("package_show", id=name)
    by_format = {r["format"]: r for r in dataset["resources"]}
    with open(
        get_resource_uploader(by_format["CSV"]).get_path(by_format["CSV"]["id"]), encoding="utf-8"
    ) as f:
        rows = list(csv.DictReader(f))
    with open(
        get_resource_uploader(by_format["GeoJSON"]).get_path(by_format["GeoJSON"]["id"]), encoding="utf-8"
    ) as f:
        geojson = json.load(f)
    return dataset, rows, geojson


def status(resource_id):
    return helpers.call_action("metropole_common_validation_show", id=resource_id)


def cell(commune_insee, common_id="toilettes-publiques"):
    matrix = helpers.call_action("metropole_common_datasets_show")
    row = next(r for r in matrix["communes"] if r["insee_code"] == commune_insee)
    return row["cells"][common_id]["status"]


def test_valid_invalid_duplicate_then_fixed(territory, agent, run_jobs, app):
    clermont = upload(
        agent["63113"], territory["63113"], "toilettes-clermont", CLERMONT, "toilettes.csv", TOILETS
    )
    # Declared by the schema's address on this portal (as DCAT's dct:conformsTo gives it).
    aubiere = upload(
        agent["63014"],
        territory["63014"],
        "toilettes-aubiere",
        AUBIERE_BAD,
        "toilettes.csv",
        f"http://127.0.0.1:5000/jeux-communs/schemas/{TOILETS}/schema.json",
    )
    upload(agent["63032"], territory["63032"], "toilettes-beaumont", BEAUMONT, "toilettes.csv", TOILETS)
    assert status(clermont["id"])["status"] == "pending"  # queued, not yet run
    run_jobs()

    assert status(clermont["id"])["status"] == "valid"
    report = status(aubiere["id"])
    assert report["status"] == "invalid"
    assert {(e["row"], e["column"]) for e in report["errors"]} == {(2, "insee"), (2, "acces_pmr")}
    assert all(e["message"] for e in report["errors"])

    dataset, rows, geojson = consolidated_rows()
    assert dataset["organization"]["name"] == "clermont-auvergne-metropole"
    # Communes are read in name order: the first to publish an identifier keeps it.
    assert [(r["id"], r["commune_insee"], r["commune_nom"]) for r in rows] == [
        ("63113-0001", "63032", "Beaumont"),
        ("63032-0001", "63032", "Beaumont"),
        ("63113-0002", "63113", "Clermont-Ferrand"),
    ]
    assert len(geojson["features"]) == 3
    assert {r["conforms_to"] for r in dataset["resources"]} == {TOILETS}
    assert json.loads(dataset["spatial"])["type"] == "Polygon"
    assert "Aubière (63014)" in dataset["notes"] and "fichier avec erreurs" in dataset["notes"]
    assert "Lignes en double écartées : 1**" in dataset["notes"]
    assert "63113-0001 : gardée de Beaumont, écartée de Clermont-Ferrand" in dataset["notes"]
    assert sorted(dataset["communes"]) == ["63032", "63113"]
    assert (cell("63113"), cell("63014"), cell("63032")) == ("valid", "invalid", "valid")
    assert cell("63113", "defibrillateurs") == "missing"

    # The agent of Aubière fixes the file: its row joins the consolidation.
    upload(
        agent["63014"],
        territory["63014"],
        "",
        AUBIERE_FIXED,
        "toilettes.csv",
        TOILETS,
        resource_id=aubiere["id"],
    )
    run_jobs()
    assert status(aubiere["id"])["status"] == "valid"
    _, rows, geojson = consolidated_rows()
    assert sorted(r["id"] for r in rows) == ["63014-0001", "63032-0001", "63113-0001", "63113-0002"]
    assert len(geojson["features"]) == 4

    # Clermont's file turns invalid: its rows leave, and the description says why.
    upload(
        agent["63113"],
        territory["63113"],
        "",
        toilets_csv("63113-0001;Jaude;63113;;true;true;;45.7;abc"),
        "toilettes.csv",
        TOILETS,
        resource_id=clermont["id"],
    )
    run_jobs()
    dataset, rows, _ = consolidated_rows()
    assert sorted((r["id"], r["commune_insee"]) for r in rows) == [
        ("63014-0001", "63014"),
        ("63032-0001", "63032"),
        ("63113-0001", "63032"),
    ]
    assert "Clermont-Ferrand (63113)" in dataset["notes"].split("Fichiers non repris")[1]

    page = app.get(f"/dataset/toilettes-aubiere/resource/{aubiere['id']}")
    assert "Validation par rapport au schéma" in page.body and "Valide" in page.body


def test_bad_inputs_get_french_reports_and_block_nothing(
    territory, agent, run_jobs, app, ckan_config, monkeypatch
):
    monkeypatch.setitem(ckan_config, "ckanext.metropole.common.max_file_mb", 1)
    ok = upload(agent["63113"], territory["63113"], "toilettes-clermont", CLERMONT, "toilettes.csv", TOILETS)
    big = upload(
        agent["63014"],
        territory["63014"],
        "toilettes-aubiere",
        CLERMONT + b"\n" + b"63014-9;x;63014;;true;true;;45;3\n" * 40_000,
        "toilettes.csv",
        TOILETS,
    )
    pdf = upload(
        agent["63032"], territory["63032"], "toilettes-beaumont", b"%PDF-1.7 ...", "toilettes.csv", TOILETS
    )
    unknown = upload(
        agent["63032"],
        territory["63032"],
        "autre-beaumont",
        CLERMONT,
        "autre.csv",
        "https://schemas.example.org/inconnu/schema.json",
    )
    run_jobs()

    assert status(ok["id"])["status"] == "valid"
    too_large = status(big["id"])
    assert too_large["status"] == "error" and too_large["errors"][0]["code"] == "too_large"
    assert status(pdf["id"])["errors"][0]["code"] == "unsupported_format"
    assert status(unknown["id"])["status"] == "unknown_schema"
    _, rows, _ = consolidated_rows()
    assert {r["commune_insee"] for r in rows} == {"63113"}

    page = app.get(f"/dataset/toilettes-aubiere/resource/{big['id']}")
    assert "trop volumineux" in page.body
    page = app.get(f"/dataset/toilettes-beaumont/resource/{pdf['id']}")
    assert "accepté : publiez un fichier CSV, XLSX ou GeoJSON" in page.body
    page = app.get(f"/dataset/autre-beaumont/resource/{unknown['id']}")
    assert "inconnu" in page.body


def test_matrix_page_csv_and_api_agree(territory, agent, run_jobs, app):
    upload(agent["63113"], territory["63113"], "toilettes-clermont", CLERMONT, "toilettes.csv", TOILETS)
    upload(agent["63014"], territory["63014"], "toilettes-aubiere", AUBIERE_BAD, "toilettes.csv", TOILETS)
    run_jobs()
    api = app.get("/api/3/action/metropole_common_datasets_show").json["result"]  # anonymous
    toilets = next(c for c in api["common_datasets"] if c["id"] == "toilettes-publiques")
    assert toilets["counts"] == {"valid": 1, "invalid": 1, "pending": 0, "missing": 1}
    assert api["totals"]["missing"] == 3 * len(api["common_datasets"]) - 2

    page = app.get("/jeux-communs")
    assert page.body.count('data-status="valid"') == 1 and page.body.count('data-status="invalid"') == 1
    assert page.body.count('data-status="missing"') == api["totals"]["missing"]
    # #25 item 4: each state a symbol and its words; the missing ones a dash, their words for AT
    assert '<span aria-hidden="true">✓</span> <span>Valide</span>' in page.body
    assert '<span aria-hidden="true">–</span> <span class="visually-hidden">Manquant</span>' in page.body

    export = app.get("/jeux-communs.csv")
    rows = list(csv.reader(io.StringIO(export.body.lstrip("\ufeff")), delimiter=";"))
    assert rows[0][:2] == ["Commune", "Code INSEE"]
    clermont = next(r for r in rows if r[1] == "63113")
    assert clermont[2 + [c["id"] for c in api["common_datasets"]].index("toilettes-publiques")] == "Valide"

    # A commune withdraws its dataset: its rows leave the consolidation.
    _, rows, _ = consolidated_rows()
    assert {r["commune_insee"] for r in rows} == {"63113"}
    helpers.call_action("package_delete", {"user": agent["63113"]["name"]}, id="toilettes-clermont")
    run_jobs()
    _, rows, _ = consolidated_rows()
    assert rows == []

    one = app.get("/api/3/action/metropole_common_datasets_show?id=toilettes-publiques").json["result"]
    assert one["totals"] == {"valid": 0, "invalid": 1, "pending": 0, "missing": 2}
    bad = app.get("/api/3/action/metropole_common_datasets_show?id=parcs", status=409).json
    assert "inconnu" in json.dumps(bad["error"], ensure_ascii=False)


def test_only_sysadmins_rebuild_and_the_cli_does(territory, agent, run_jobs, cli):
    upload(agent["63113"], territory["63113"], "toilettes-clermont", CLERMONT, "toilettes.csv", TOILETS)
    run_jobs()
    with pytest.raises(tk.NotAuthorized):
        helpers.call_action(
            "metropole_common_consolidate",
            {"user": agent["63113"]["name"], "ignore_auth": False},
            id="toilettes-publiques",
        )
    sysadmin = factories.Sysadmin()
    result = helpers.call_action(
        "metropole_common_consolidate",
        {"user": sysadmin["name"], "ignore_auth": False},
        id="toilettes-publiques",
        background=False,
    )
    assert (
        result["rows"] == 2
        and result["contributors"] == ["63113"]
        and result["missing"] == ["63014", "63032"]
    )

    from ckan.cli.cli import ckan

    out = cli.invoke(ckan, ["metropole", "common", "consolidate", "defibrillateurs"])
    assert out.exit_code == 0, out.output
    assert "defibrillateurs : 0 lignes" in out.output
    assert helpers.call_action("package_show", id="jeu-commun-defibrillateurs")["num_resources"] == 2


def test_remote_files_as_harvested_are_fetched_and_validated(territory, agent, run_jobs):
    """Harvested resources point at the commune's own portal and declare the schema by its
    schema.data.gouv.fr URL (dct:conformsTo): the file is fetched (bounded) and validated."""
    from ..harvest.portal_server import Portal

    portal = Portal()
    try:
        parking = (Path(__file__).parent / "fixtures" / "stationnement-exemple-valide.csv").read_bytes()
        portal.add("/exports/parkings.csv", parking, content_type="text/csv")
        context = {"user": agent["63113"]["name"], "ignore_auth": False}
        dataset = helpers.call_action(
            "package_create",
            context,
            name="clermont-parkings",
            title="Parkings",
            owner_org=territory["63113"]["id"],
            theme=["transports"],
            license_id="lov2",
            resources=[
                {
                    "url": f"{portal.url}/exports/parkings.csv",
                    "format": "CSV",
                    "name": "parkings",
                    "conforms_to": "https://schema.data.gouv.fr/schemas/etalab/schema-stationnement/0.1.5/schema.json",
                },
                {
                    "url": f"{portal.url}/exports/gone.csv",
                    "format": "CSV",
                    "name": "gone",
                    "conforms_to": "etalab/schema-stationnement",
                },
            ],
        )
        run_jobs()
    finally:
        portal.server.shutdown()
    found, gone = dataset["resources"]
    assert status(found["id"])["status"] == "valid"
    report = status(gone["id"])
    assert report["status"] == "error" and report["errors"][0]["code"] == "unreachable"
    assert "HTTP 404" in report["errors"][0]["message"]
    _, rows, geojson = consolidated_rows("jeu-commun-stationnement")
    assert [r["id"] for r in rows] == ["75114-P-001", "75114-P-002"] and len(geojson["features"]) == 2


def test_demo_script_publishes_and_consolidates_two_common_datasets(territory):
    """scripts/demo.d/40-common-datasets.sh as `make run` runs it (no jobs worker needed)."""
    import os
    import subprocess

    from ckanext.metropole.communes import territory as t
    from ckanext.metropole.communes.logic.action import apply_plan

    from ..conftest import ROOT
    from .conftest import METRO

    codes = ["63113", "63014", "63032", "63075", "63124"]
    apply_plan(
        {"ignore_auth": True, "user": ""},
        t.plan(t.from_codes(codes, name=METRO, title="Clermont Auvergne Métropole", siren="246300701")),
    )
    env = {
        **os.environ,
        "CKAN": str(ROOT / ".venv" / "bin" / "ckan"),
        "CKAN_INI": str(ROOT / "test.ini"),
        "CKAN_STORAGE_PATH": tk.config["ckan.storage_path"],
    }
    done = subprocess.run(
        ["bash", str(ROOT / "scripts" / "demo.d" / "40-common-datasets.sh")],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert "Aubière : aubiere-toilettes-publiques — invalid" in done.stdout

    _, toilets, _ = consolidated_rows("jeu-commun-toilettes-publiques")
    assert sorted({r["commune_insee"] for r in toilets}) == ["63075", "63113", "63124"]
    assert len(toilets) == 7
    parking, parks, geojson = consolidated_rows("jeu-commun-stationnement")
    assert sorted(r["id"] for r in parks) == [
        "63032-P-001",
        "63113-P-001",
        "63113-P-002",
        "63113-P-003",
        "63124-P-001",
    ]
    assert len(geojson["features"]) == 5 and "Lignes en double écartées : 1**" in parking["notes"]
    matrix = helpers.call_action("metropole_common_datasets_show")
    counts = {c["id"]: c["counts"] for c in matrix["common_datasets"]}
    assert counts["toilettes-publiques"] == {"valid": 3, "invalid": 1, "pending": 0, "missing": 1}
    assert counts["stationnement"] == {"valid": 3, "invalid": 0, "pending": 0, "missing": 2}
