"""CKAN/DKAN, udata and DCAT sources, detected from the portal's root URL."""

from __future__ import annotations

import json

import pytest

from .conftest import assert_landed, harvested, package
from .portal_server import FIXTURES

pytestmark = pytest.mark.usefixtures("small_pages")
SEARCH = "/api/3/action/package_search"


def serve_ckan(portal):
    portal.add("/api/3/action/status_show", fixture="ckan/status_show.json")
    portal.add(SEARCH, fixture="ckan/search_0.json", query={"rows": 2, "start": 0})
    portal.add(SEARCH, fixture="ckan/search_2.json", query={"rows": 2, "start": 2})


def test_ckan_source(portal, make_source, harvest, app):
    serve_ckan(portal)
    source = make_source(portal.url, owner="royat")
    result = harvest(source)
    assert result["gather_errors"] == [] and result["stats"]["added"] == 3
    assert harvested("royat") == ["royat-arbres", "royat-bornes-verre", "royat-deliberations-2024"]
    assert_landed(
        app,
        source,
        result,
        "royat",
        ["Arbres d'alignement", "Bornes à verre", "Délibérations du conseil municipal"],
    )
    bornes = package("royat-bornes-verre")
    assert bornes["license_id"] == "odc-odbl" and bornes["theme"] == ["environnement"]
    assert bornes["communes"] == ["63308"]
    # the source's own dates (metadata_created / metadata_modified), published as dct:issued/modified
    assert (bornes["issued"], bornes["modified"]) == ("2023-11-20", "2024-03-01")
    delib = package("royat-deliberations-2024")
    assert delib["license_id"] == "fr-lo" and delib["theme"] == ["administration"]
    assert delib["resources"][0]["conforms_to"] == "scdl/deliberations"
    assert package("royat-arbres")["frequency"] == "ANNUAL"


def test_ckan_success_false_is_an_error(portal, make_source, harvest):
    serve_ckan(portal)
    source = make_source(portal.url, owner="royat")
    harvest(source)
    portal.add(SEARCH, fixture="ckan/search_error.json", query={"rows": 2, "start": 2})
    result = harvest(source)
    assert any("success:false" in e or "Solr returned an error" in e for e in result["gather_errors"])
    assert len(harvested("royat")) == 3


def test_dkan_quirks(portal, make_source, harvest):
    portal.add("/api/3/action/package_list", fixture="ckan/dkan_package_list.json")
    for name in ("bornes-verre", "deliberations-2024", "arbres"):
        portal.add("/api/3/action/package_show", fixture=f"ckan/dkan_show_{name}.json", query={"id": name})
    result = harvest(make_source(portal.url, owner="royat", config='{"protocol": "ckan"}'))
    assert result["gather_errors"] == [] and result["stats"]["added"] == 3


def test_udata_source(portal, make_source, harvest, app):
    portal.add("/api/1/site/", fixture="udata/site.json")
    path = "/api/1/organizations/commune-d-aulnat/datasets/"
    portal.add(path, fixture="udata/page_1.json", query={"page": 1, "page_size": 2})
    portal.add(path, fixture="udata/page_2.json", query={"page": 2, "page_size": 2})
    source = make_source(portal.url, owner="aulnat", config='{"organization": "commune-d-aulnat"}')
    result = harvest(source)
    assert result["gather_errors"] == [] and result["stats"]["added"] == 3
    names = harvested("aulnat")
    assert names == [
        "aulnat-menus-de-la-cantine",
        "aulnat-prenoms-des-nouveau-nes",
        "aulnat-subventions-aux-associations",
    ]
    assert_landed(app, source, result, "aulnat", [package(n)["title"] for n in names])
    prenoms = package("aulnat-prenoms-des-nouveau-nes")
    assert prenoms["title"] == "Prénoms des nouveau-nés"
    assert prenoms["resources"][0]["conforms_to"] == "scdl/prenoms"
    assert (prenoms["temporal_start"], prenoms["temporal_end"]) == ("2015-01-01", "2023-12-31")
    assert prenoms["frequency"] == "ANNUAL" and prenoms["license_id"] == "lov2"
    assert (prenoms["issued"], prenoms["modified"]) == (
        "2022-05-03",
        "2024-02-10",
    )  # created_at, last_modified
    assert harvest(source)["stats"]["not modified"] == 3


def test_udata_needs_an_organization(portal, make_source, harvest):
    portal.add("/api/1/site/", fixture="udata/site.json")
    result = harvest(make_source(portal.url, owner="aulnat"))
    assert any("indiquez l'organisation" in e for e in result["gather_errors"])


def test_dcat_source_with_hydra_pages(portal, make_source, harvest, app):
    portal.add("/catalog.ttl", fixture="dcat/catalog_1.ttl", content_type="text/turtle")
    portal.add("/catalog.ttl", fixture="dcat/catalog_1.ttl", content_type="text/turtle", query={"page": 1})
    portal.add("/catalog.ttl", fixture="dcat/catalog_2.ttl", content_type="text/turtle", query={"page": 2})
    source = make_source(portal.url + "/catalog.ttl", owner="cebazat")
    result = harvest(source)
    assert result["gather_errors"] == [], result["gather_errors"]
    assert result["stats"]["added"] == 3
    assert harvested("cebazat") == ["cebazat-marches", "cebazat-piscine", "cebazat-velos"]
    titles = sorted(package(n)["title"] for n in harvested("cebazat"))
    assert titles == ["Fréquentation de la piscine municipale", "Marchés de plein air", "Stationnements vélo"]
    assert_landed(app, source, result, "cebazat", titles)
    piscine = next(package(n) for n in harvested("cebazat") if "piscine" in n)
    assert piscine["frequency"] == "DAILY" and piscine["license_id"] == "lov2"
    assert piscine["theme"] == ["sports"]
    assert (piscine["issued"], piscine["modified"]) == (
        "2018-04-02",
        "2024-01-15",
    )  # dct:issued, dct:modified
    velos = next(package(n) for n in harvested("cebazat") if "velos" in n)
    assert velos["resources"][0]["conforms_to"].endswith("schema-stationnement/latest/schema.json")
    assert velos["theme"] == ["transports"]
    # a high-value dataset at the source (DCAT-AP HVD) stays one: its category of the EU table
    assert velos["hvd_category"] == ["http://data.europa.eu/bna/c_4b74ea13"]
    assert velos["applicable_legislation"] == ["http://data.europa.eu/eli/reg_impl/2023/138/oj"]
    assert not piscine.get("hvd_category")


def test_dcat_entity_expansion_is_refused(portal, make_source, harvest):
    portal.add("/catalog.rdf", fixture="dcat/entities.rdf", content_type="application/rdf+xml")
    result = harvest(make_source(portal.url + "/catalog.rdf", owner="cebazat", config='{"protocol": "dcat"}'))
    assert any("DOCTYPE/ENTITY interdite" in e for e in result["gather_errors"])
    assert harvested("cebazat") == []


def test_unknown_portal_says_so(portal, make_source, harvest):
    result = harvest(make_source(portal.url, owner="cebazat"))
    assert any("Aucun protocole reconnu" in e for e in result["gather_errors"])


def test_two_communes_harvesting_the_same_ids_never_collide(portal, make_source, harvest):
    serve_ckan(portal)
    harvest(make_source(portal.url, owner="royat"))
    # (ckanext-harvest refuses two sources with the same URL and config)
    harvest(make_source(portal.url, owner="durtol", config='{"protocol": "ckan"}'))
    assert len(harvested("royat")) == 3 and len(harvested("durtol")) == 3
    assert package("durtol-arbres")["communes"] == ["63141"]
    assert package("royat-arbres")["communes"] == ["63308"]


def test_ckan_unknown_organisation_says_so(portal, make_source, harvest):
    """CKAN answers package_search fq=organization:"…" for an unknown name with count 0 and no
    error (its Action API's envelope, fixtures/ckan): the operator is told, nothing changes."""
    serve_ckan(portal)
    empty = json.loads((FIXTURES / "ckan/search_0.json").read_text())
    empty["result"].update(count=0, results=[])
    portal.add(
        SEARCH, json.dumps(empty), query={"rows": 2, "start": 0, "fq": 'organization:"ville-de-royat"'}
    )
    result = harvest(make_source(portal.url, owner="royat", config='{"organization": "ville-de-royat"}'))
    assert any(
        "Aucun jeu de l'organisation « ville-de-royat » sur ce portail CKAN" in e
        for e in result["gather_errors"]
    ), result["gather_errors"]
    assert harvested("royat") == []
