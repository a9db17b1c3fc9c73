"""Harvesting an Opendatasoft portal end to end: mapping, incremental runs, safe withdrawal."""

from __future__ import annotations

import ckan.model as model
import pytest

from .conftest import ODS, harvested, package, serve_edited, serve_ods

pytestmark = pytest.mark.usefixtures("small_pages")

ALL = [
    "aubiere-budget-primitif-2024",
    "aubiere-defibrillateurs-roubaix",
    "aubiere-ecoles-maternelles",
    "aubiere-parkings-mel",
    "aubiere-qualite-de-l-eau",
]


@pytest.fixture
def source(portal, make_source):
    serve_ods(portal)
    return make_source(portal.url)


def test_first_run_maps_every_dataset_into_our_schema(source, harvest):
    result = harvest(source)
    assert result["gather_errors"] == []
    assert result["stats"]["added"] == 5
    assert harvested() == ALL

    dae = package("aubiere-defibrillateurs-roubaix")
    assert dae["title"] == "Défibrillateurs automatisés externes"
    assert dae["notes"].startswith("Emplacements des **défibrillateurs** de la ville.")  # Markdown
    assert "<" not in dae["notes"]
    # the theme "Santé", then the keyword "défibrillateur" (plural folded: "defibrillateurs")
    assert dae["theme"] == ["equipements", "sante"]  # in the vocabulary's order (scheming preset)
    assert dae["license_id"] == "lov2"
    assert dae["frequency"] == "MONTHLY"
    assert dae["communes"] == ["63014"]
    assert dae["harvest_portal"] == "Portail de aubiere"
    assert dae["harvest_landing_page"].endswith("/explore/dataset/defibrillateurs-roubaix/")
    assert sorted(t["name"] for t in dae["tags"]) == ["DAE", "défibrillateur", "secours"]
    formats = sorted(r["format"] for r in dae["resources"])
    assert formats == ["CSV", "GeoJSON", "JSON", "PDF", "SHP"]

    assert package("aubiere-ecoles-maternelles")["theme"] == ["education"]
    assert package("aubiere-qualite-de-l-eau")["license_id"] == "odc-odbl"
    assert package("aubiere-qualite-de-l-eau")["theme"] == ["environnement", "sante"]
    assert package("aubiere-parkings-mel")["theme"] == ["transports"]
    budget = package("aubiere-budget-primitif-2024")
    assert budget["license_id"] == "notspecified" and budget["theme"] == ["finances"]
    assert budget["resources"] == []  # no records: no export
    # the unknown licence is reported to the operator, as a warning: the dataset landed
    assert any("licence inconnue « Licence maison de la ville »" in e for e in result["warnings"])
    assert result["object_errors"] == [] and result["stats"]["errored"] == 0


def test_second_run_rewrites_nothing(source, harvest):
    harvest(source)
    before = {p.id: p.metadata_modified for p in model.Session.query(model.Package).filter_by(type="dataset")}
    activities = model.Session.execute("SELECT count(*) FROM activity").scalar()
    result = harvest(source)
    assert result["stats"]["not modified"] == 5
    assert result["stats"]["added"] == result["stats"]["updated"] == 0
    after = {p.id: p.metadata_modified for p in model.Session.query(model.Package).filter_by(type="dataset")}
    assert after == before
    assert model.Session.execute("SELECT count(*) FROM activity").scalar() == activities


def test_changed_dataset_is_updated_in_place(portal, source, harvest):
    harvest(source)
    old_id = package("aubiere-ecoles-maternelles")["id"]
    serve_edited(portal)
    result = harvest(source)
    assert result["stats"]["updated"] == 1 and result["stats"]["not modified"] == 4
    edited = package("aubiere-ecoles-maternelles")
    assert edited["id"] == old_id and edited["title"] == "Écoles maternelles publiques"


def test_vanished_dataset_is_withdrawn_then_restored(portal, source, harvest):
    harvest(source)
    serve_ods(portal, prefix="removed", pages=2)
    result = harvest(source)
    assert result["stats"]["deleted"] == 1
    assert "aubiere-qualite-de-l-eau" in harvested(state="deleted")
    assert "aubiere-qualite-de-l-eau" not in harvested()
    serve_ods(portal)
    result = harvest(source)
    assert result["stats"]["updated"] == 1
    assert package("aubiere-qualite-de-l-eau")["state"] == "active"
    assert harvested() == ALL


def test_publisher_keeps_one_publisher_of_a_shared_portal(portal, make_source, harvest):
    serve_ods(portal)
    source = make_source(portal.url, config='{"publisher": "Ville de Roubaix"}')
    harvest(source)
    assert "aubiere-parkings-mel" not in harvested()
    assert len(harvested()) == 4


@pytest.mark.parametrize(
    ("fault_page", "fault", "status", "message"),
    [
        (2, None, 500, "Erreur HTTP 500"),
        (1, "slow", 200, "Délai dépassé"),
        (1, "truncated", 200, "tronqu"),
        (1, "redirect-loop", 200, "Trop de redirections"),
        (1, "oversized", 200, "trop volumineuse"),
    ],
)
@pytest.mark.ckan_config("ckanext.metropole.harvest.timeout", "1")
@pytest.mark.ckan_config("ckanext.metropole.harvest.max_response_bytes", "1000000")
def test_faults_are_reported_and_lose_nothing(portal, source, harvest, fault_page, fault, status, message):
    harvest(source)
    serve_ods(portal, fault_page=fault_page, fault=fault, status=status)
    result = harvest(source)
    assert any(message in e for e in result["gather_errors"]), result["gather_errors"]
    assert "rien n'a été modifié ni retiré" in result["gather_errors"][0]
    assert harvested() == ALL
    assert result["stats"].get("deleted", 0) == 0


def test_invalid_json_is_reported_and_loses_nothing(portal, source, harvest):
    harvest(source)
    serve_ods(portal)
    portal.add(ODS, '{"total_count": 5, "results": [', query={"limit": 2, "offset": 2})
    result = harvest(source)
    # the answer stops inside its list: said to be cut short
    assert any(
        "La réponse JSON de" in e and "s'arrête au milieu du document" in e for e in result["gather_errors"]
    )
    assert harvested() == ALL


def test_empty_listing_withdraws_nothing(portal, source, harvest):
    harvest(source)
    portal.clear(ODS)
    portal.add(ODS, fixture="opendatasoft/empty.json", query={"limit": 1})
    portal.add(ODS, fixture="opendatasoft/empty.json", query={"limit": 2, "offset": 0})
    result = harvest(source)
    # nothing refused: a warning, not a job error
    assert any("Retrait refusé : 5 jeux sur 5 (100%)" in w for w in result["warnings"])
    assert result["gather_errors"] == [] and result["stats"]["errored"] == 0
    assert harvested() == ALL


def test_withdrawal_ratio_is_configurable(portal, make_source, harvest):
    serve_ods(portal)
    source = make_source(portal.url, config='{"max_withdrawal_ratio": 0.1}')
    harvest(source)
    serve_ods(portal, prefix="removed", pages=2)
    result = harvest(source)
    assert any("au-delà du seuil de 10%" in w for w in result["warnings"]) and result["stats"]["errored"] == 0
    assert harvested() == ALL
