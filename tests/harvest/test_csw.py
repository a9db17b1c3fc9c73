"""CSW (GeoNetwork), the fifth protocol: detected from GetCapabilities, paged by startPosition,
ISO 19139 records read by ckanext-spatial. Shapes: fixtures/SOURCES.md."""

from __future__ import annotations

import pytest
from ckan.tests import factories

from ckanext.metropole.harvest import mapping
from ckanext.metropole.harvest.protocols import csw

from .conftest import assert_landed, harvested, package
from .portal_server import FIXTURES

CSW = "/geonetwork/srv/fre/csw"
XML = "application/xml"


@pytest.fixture
def catalogue(portal, monkeypatch):
    monkeypatch.setattr(csw, "PAGE", 1)  # one record a page: the listing spans two pages
    portal.add(CSW, fixture="csw/capabilities.xml", content_type=XML, query={"request": "GetCapabilities"})
    portal.add(
        CSW,
        fixture="csw/records_1.xml",
        content_type=XML,
        query={"request": "GetRecords", "startPosition": 1},
    )
    portal.add(
        CSW,
        fixture="csw/records_2.xml",
        content_type=XML,
        query={"request": "GetRecords", "startPosition": 2},
    )
    return portal


def test_geonetwork_catalogue_lands_every_record(catalogue, make_source, harvest, app):
    source = make_source(catalogue.url + CSW, owner="cebazat")  # protocol detected
    result = harvest(source)
    assert result["gather_errors"] == [], result["gather_errors"]
    assert result["stats"]["added"] == 2 and result["stats"]["errored"] == 0
    cadastre = package("cebazat-955c3e47-411e-4969-b61b-3556d1b9f879")
    assert cadastre["title"] == "Cadastre 2018 en Bretagne"
    assert cadastre["frequency"] == "ANNUAL"  # MD_MaintenanceFrequencyCode "annually"
    assert "urbanisme" in cadastre["theme"]  # planningCadastre / cadastre keywords
    assert "http://www.cadastre.gouv.fr" in [r["url"] for r in cadastre["resources"]]
    assert cadastre["notes"].startswith("Le plan du cadastre")
    # ISO 19115 dates of the citation: publication (else creation) -> dct:issued, revision -> dct:modified
    assert (cadastre["issued"], cadastre["modified"]) == (
        "",
        "2018-09-01",
    )  # GéoBretagne gives a revision only
    bornes = package("cebazat-b2f6c1a4-3d0e-4c6e-9a51-7f1e2d3c4b5a")
    assert (bornes["issued"], bornes["modified"]) == ("2016-05-12", "2018-09-01")
    assert any("licence inconnue" in w for w in result["warnings"])  # "Usage libre sous réserve…"
    assert_landed(
        app,
        source,
        result,
        "cebazat",
        ["Cadastre 2018 en Bretagne", "Bornes de recharge pour véhicules électriques"],
    )
    requests = [r for r in catalogue.requests if "GetRecords" in r]
    assert any("startPosition=2" in r for r in requests) and all("outputSchema=http" in r for r in requests)
    assert harvest(source)["stats"]["not modified"] == 2


def test_csw_exception_is_reported_and_loses_nothing(catalogue, make_source, harvest):
    source = make_source(catalogue.url + CSW, owner="cebazat", config='{"protocol": "csw"}')
    harvest(source)
    catalogue.add(
        CSW,
        '<?xml version="1.0"?><ows:ExceptionReport xmlns:ows="http://www.opengis.net/ows" '
        'version="1.2.0"><ows:Exception exceptionCode="NoApplicableCode"><ows:ExceptionText>'
        "Index en maintenance</ows:ExceptionText></ows:Exception></ows:ExceptionReport>",
        content_type=XML,
        query={"request": "GetRecords", "startPosition": 2},
    )
    result = harvest(source)
    assert any(
        "a répondu par une erreur" in e and "rien n'a été modifié" in e for e in result["gather_errors"]
    )
    assert len(harvested("cebazat")) == 2


def test_a_record_without_identifier_is_refused_alone_and_withdraws_nothing(
    catalogue, make_source, harvest, app
):
    """gmd:fileIdentifier is optional in ISO 19139: a record that drops it cannot be followed
    from run to run. It is one refused dataset (a job error, in French); the other records
    are still read, and nothing is withdrawn (it may be a dataset harvested before)."""
    source = make_source(catalogue.url + CSW, owner="cebazat", config='{"protocol": "csw"}')
    assert harvest(source)["stats"]["added"] == 2
    xml = (FIXTURES / "csw/records_2.xml").read_text()
    start, end = (
        xml.index("<gmd:fileIdentifier>"),
        xml.index("</gmd:fileIdentifier>") + len("</gmd:fileIdentifier>"),
    )
    catalogue.add(
        CSW, xml[:start] + xml[end:], content_type=XML, query={"request": "GetRecords", "startPosition": 2}
    )
    result = harvest(source)
    assert result["gather_errors"] == []
    assert result["stats"]["errored"] == 1 and result["stats"]["deleted"] == 0
    assert result["stats"]["not modified"] == 1
    assert any(
        "Fiche ISO sans identifiant" in e and "Bornes de recharge" in e for e in result["object_errors"]
    )
    assert any("n'a (n'ont) pu être lu(s)" in w and "aucun jeu n'est retiré" in w for w in result["warnings"])
    assert len(harvested("cebazat")) == 2  # nothing withdrawn
    # the operator reads both on the job page, in French
    sysadmin = factories.SysadminWithToken()
    page = app.get(
        f"/harvest/{source['name']}/job/{result['job'].id}", headers={"Authorization": sysadmin["token"]}
    ).body
    assert "Fiche ISO sans identifiant" in page and "pu être lu(s)" in page


def test_a_dcat_blank_node_dataset_is_named_by_its_landing_page():
    from ckanext.metropole.harvest.protocols import dcat

    # ckanext-dcat's reading of a blank-node dcat:Dataset without dct:identifier: uri "" in extras
    remote = dcat.to_remote(
        {"title": "Arbres", "url": "https://www.cebazat.fr/arbres", "extras": [{"key": "uri", "value": ""}]}
    )
    assert remote.remote_id == "https://www.cebazat.fr/arbres"


@pytest.mark.parametrize(
    "constraint",
    [
        # INSPIRE technical guidelines 2.0: the licence as a gmx:Anchor in otherConstraints
        '<gmd:otherConstraints><gmx:Anchor xlink:href="https://www.etalab.gouv.fr/licence-ouverte-open-licence">'
        "Licence Ouverte 2.0</gmx:Anchor></gmd:otherConstraints>",
        # a GeoNetwork conversion of French records (BRGM): useLimitation of MD_LegalConstraints
        '<gmd:useLimitation><gmx:Anchor xlink:href="http://www.data.gouv.fr/Licence-Ouverte-Open-Licence">'
        "Licence Ouverte Etalab</gmx:Anchor></gmd:useLimitation>",
        # the Géoplateforme (IGN) and geo-ide records of udata's CSW tests (SOURCES.md)
        '<gmd:otherConstraints><gmx:Anchor xlink:href="https://www.etalab.gouv.fr/wp-content/uploads/2018/11/'
        'open-licence.pdf">Licence Ouverte / Open License (compatible ODC-BY, CC-BY 2.0)</gmx:Anchor>'
        "</gmd:otherConstraints>",
        "<gmd:useLimitation><gco:CharacterString>"
        "Licence Ouverte 1.0 http://www.data.gouv.fr/Licence-Ouverte-Open-Licence."
        "</gco:CharacterString></gmd:useLimitation>",
    ],
    ids=["otherConstraints-anchor", "useLimitation-anchor", "geoplateforme", "geo-ide-text"],
)
def test_iso_licence_given_as_an_anchor(constraint):
    """ckanext-spatial's ISO reader only reads gco:CharacterString constraints: the licence
    French GeoNetworks give as a link is read from the record too."""
    from lxml import etree

    xml = (FIXTURES / "csw/records_2.xml").read_text()
    start = xml.index("<gmd:otherConstraints>")
    end = xml.index("</gmd:otherConstraints>") + len("</gmd:otherConstraints>")
    xml = xml[:start] + constraint + xml[end:]
    record = etree.fromstring(
        xml[xml.index("<gmd:MD_Metadata ") : xml.index("</gmd:MD_Metadata>") + 18].encode()
    )
    remote = csw.to_remote(record, "https://geo.example.fr/csw")
    assert mapping.map_license(remote.license, "notspecified")[0] in ("lov2", "fr-lo")
