"""One bad record costs one record (issue #24, items 2 to 4): text PostgreSQL refuses, in any
field of any protocol's record, is repaired with a warning; a record that cannot be read is
refused alone; a dataset beyond the declared bounds is trimmed, the limit named; several
datasets under one identifier are said, and the most recently modified is kept."""

from __future__ import annotations

import dataclasses
import json

import pytest

from ckanext.metropole.harvest import bounds
from ckanext.metropole.harvest.mapping import Mapped
from ckanext.metropole.harvest.model import RemoteDataset, RemoteResource
from ckanext.metropole.harvest.pipeline import screening
from ckanext.metropole.harvest.protocols import csw

from .conftest import harvested, package
from .portal_server import FIXTURES

pytestmark = pytest.mark.usefixtures("small_pages")

# what PostgreSQL refuses or cannot encode, and what XML (so Solr's update) forbids
BAD = {
    "nul": "\x00",
    "lone-high-surrogate": "\ud800",  # json.loads('"\\ud800"')
    "lone-low-surrogate": "\udfff",
    "escape-control": "\x1b",
    "noncharacter": "\uffff",
}


def _every_text_field(remote: RemoteDataset, bad: str) -> list[str]:
    """Put ``bad`` in every text of the record, its lists' and resources' included."""
    paths = []
    for f in dataclasses.fields(remote):
        value = getattr(remote, f.name)
        if isinstance(value, str):
            setattr(remote, f.name, f"a{bad}b")
            paths.append(f.name)
        elif f.name == "resources":
            for r in value:
                for rf in dataclasses.fields(r):
                    setattr(r, rf.name, f"https://x.test/{bad}" if rf.name == "url" else f"c{bad}d")
            paths.append(f.name)
        elif isinstance(value, list):
            setattr(remote, f.name, ["e", f"f{bad}g"])
            paths.append(f.name)
    return paths


@pytest.mark.parametrize("bad", list(BAD.values()), ids=list(BAD))
def test_text_that_cannot_be_stored_is_repaired_in_every_field(bad):
    remote = RemoteDataset("id", "t", resources=[RemoteResource("u"), RemoteResource("v")])
    paths = _every_text_field(remote, bad)
    note = screening.clean_remote(remote)
    stored = json.dumps(dataclasses.asdict(remote), ensure_ascii=False)
    stored.encode("utf-8")  # what psycopg2 sends: a surrogate left would raise here
    assert not any(c in stored for c in "\x00\x1b\uffff")
    assert str(note) == (
        "caractères impossibles à enregistrer (NUL, caractère de contrôle ou demi-paire de substitution) "
        "retirés de : " + ", ".join(sorted(paths))
    )
    assert screening.clean_remote(remote) is None  # repaired once and for all


@pytest.mark.usefixtures("with_plugins")  # the limits are declared options
def test_bounds_trim_and_name_the_limit():
    dataset = {
        "title": "T" * 600,
        "notes": "N" * 100_001,
        "tags": [{"name": f"k{n}"} for n in range(201)],
        "resources": [{"url": f"https://x.test/{n}", "name": "R" * 10_001} for n in range(501)],
    }
    mapped = Mapped(dataset)
    bounds.apply(mapped)
    assert len(dataset["title"]) == 500 and len(dataset["notes"]) == 100_000 and dataset["notes"][-1] == "…"
    assert len(dataset["tags"]) == 200 and len(dataset["resources"]) == 500
    assert all(len(r["name"]) == 10_000 for r in dataset["resources"])
    notes = [str(n) for n in mapped.notes]
    assert "201 mots-clés à la source, seuls les 200 premiers sont gardés (limite " in notes[0]
    assert notes[0].endswith("ckanext.metropole.harvest.max_keywords).")
    assert "501 ressources à la source, seules les 500 premières" in notes[1]
    assert (
        "title : 600 caractères à la source, coupé à 500 (limite ckanext.metropole.harvest.max_title_chars)."
        in notes
    )
    assert any(n.startswith("resources[499].name : 10001 caractères") for n in notes)


UDATA = "/api/1/organizations/commune-d-aulnat/datasets/"


def _udata(portal, first: list, second: list):
    portal.add("/api/1/site/", fixture="udata/site.json")
    for n, items in enumerate((first, second), start=1):
        page = json.loads((FIXTURES / f"udata/page_{n}.json").read_text())
        page.update(data=items, total=len(first) + len(second))
        # json.dumps writes "\ud800" for a lone surrogate and "\u0000" for NUL: as a JSON answer would
        portal.add(UDATA, json.dumps(page), query={"page": n, "page_size": 2})


def _items():
    first = json.loads((FIXTURES / "udata/page_1.json").read_text())["data"]
    third = json.loads((FIXTURES / "udata/page_2.json").read_text())["data"][0]
    return first[0], first[1], third


@pytest.mark.ckan_config("ckanext.metropole.harvest.max_keywords", "2")
@pytest.mark.ckan_config("ckanext.metropole.harvest.max_resources", "1")
def test_a_bad_record_costs_one_record(portal, make_source, harvest):
    prenoms, menus, subventions = _items()
    prenoms["title"] += "\x00"
    prenoms["description"] += " \ud800 \x07"
    prenoms["tags"] = ["prenoms\udfff", "etat-civil", "naissances"]  # 3 keywords: one beyond the bound
    prenoms["resources"][0]["url"] += "\x00"
    prenoms["resources"].append(dict(prenoms["resources"][0], url="https://x.test/2.csv"))
    menus["description"] = "<div>" * 3000 + "menus"  # HTML nested beyond what can be read
    _udata(portal, [prenoms, menus], [subventions])
    source = make_source(portal.url, owner="aulnat", config='{"organization": "commune-d-aulnat"}')
    result = harvest(source)
    assert result["gather_errors"] == []
    assert result["stats"]["added"] == 2 and result["stats"]["errored"] == 1
    assert harvested("aulnat") == ["aulnat-prenoms-des-nouveau-nes", "aulnat-subventions-aux-associations"]
    landed = package("aulnat-prenoms-des-nouveau-nes")
    assert landed["title"] == "Prénoms des nouveau-nés" and "\ufffd" in landed["notes"]
    assert sorted(t["name"] for t in landed["tags"]) == ["etat-civil", "prenoms"]
    assert [r["url"] for r in landed["resources"]] == [portal.url + "/files/1.csv"]
    warnings = " ".join(result["warnings"])
    assert "retirés de : keywords, notes, resources, title" in warnings
    assert "3 mots-clés à la source, seuls les 2 premiers sont gardés" in warnings
    assert "2 ressources à la source, seules les 1 premières" in warnings
    assert any(
        "« Menus de la cantine »" in e and "imbriqué trop profondément" in e for e in result["object_errors"]
    )


# A CSW 2.0.2 GetRecords answer in the Dublin Core schema (csw:Record of dc: elements, the
# OGC 07-006r1 default output), as a catalogue ignoring outputSchema=gmd gives it.
DUBLIN_CORE = """<?xml version="1.0" encoding="UTF-8"?>
<csw:GetRecordsResponse xmlns:csw="http://www.opengis.net/cat/csw/2.0.2"
    xmlns:dc="http://purl.org/dc/elements/1.1/" version="2.0.2">
  <csw:SearchStatus timestamp="2026-12-08T00:00:00"/>
  <csw:SearchResults numberOfRecordsMatched="965" numberOfRecordsReturned="2" elementSet="full"
      nextRecord="3">
    <csw:Record><dc:identifier>a1</dc:identifier><dc:title>Cadastre</dc:title></csw:Record>
    <csw:Record><dc:identifier>a2</dc:identifier><dc:title>Bornes</dc:title></csw:Record>
  </csw:SearchResults>
</csw:GetRecordsResponse>"""


def test_csw_characters_that_cannot_be_stored_cost_only_their_record_and_dublin_core_is_said(
    portal, make_source, harvest, monkeypatch
):
    """In XML, a NUL or a surrogate (raw or as a character reference) makes the parser refuse
    the whole page: it is marked, then repaired in the one record that held it."""
    monkeypatch.setattr(csw, "PAGE", 1)
    path, xml = "/geonetwork/srv/fre/csw", "application/xml"
    page = (FIXTURES / "csw/records_1.xml").read_bytes()
    page = page.replace(b"Cadastre 2018 en Bretagne", b"Cadastre&#0; 2018\x01 en &#xD800;Bretagne", 1)
    page = page.replace(b"Le plan du cadastre", b"Le plan\x00 du cadastre&#55296;", 1)
    portal.add(path, fixture="csw/capabilities.xml", content_type=xml, query={"request": "GetCapabilities"})
    portal.add(path, page, content_type=xml, query={"request": "GetRecords", "startPosition": 1})
    portal.add(
        path,
        fixture="csw/records_2.xml",
        content_type=xml,
        query={"request": "GetRecords", "startPosition": 2},
    )
    source = make_source(portal.url + path, owner="cebazat")
    result = harvest(source)
    assert result["gather_errors"] == [] and result["stats"]["added"] == 2, result
    cadastre = package("cebazat-955c3e47-411e-4969-b61b-3556d1b9f879")
    assert cadastre["title"] == "Cadastre\ufffd 2018\ufffd en \ufffdBretagne"
    assert cadastre["notes"].startswith("Le plan\ufffd du cadastre\ufffd")
    assert any("retirés de : notes, title" in w for w in result["warnings"])
    # the same catalogue answering in Dublin Core only (#24 item 6): why none is read, said
    portal.add(path, DUBLIN_CORE, content_type=xml, query={"request": "GetRecords", "startPosition": 1})
    result = harvest(source)
    assert any(
        "par des fiches « Record » (Dublin Core), pas en ISO 19139" in e and "aucune de ses 965 fiches" in e
        for e in result["gather_errors"]
    ), result["gather_errors"]
    assert len(harvested("cebazat")) == 2  # nothing withdrawn


def test_datasets_sharing_an_identifier_are_said_and_the_latest_is_kept(portal, make_source, harvest):
    prenoms, menus, subventions = _items()
    copy = dict(menus, id=prenoms["id"], title="Copie de test", last_modified="2021-01-01T00:00:00+00:00")
    source = make_source(portal.url, owner="aulnat", config='{"organization": "commune-d-aulnat"}')
    # the newer one listed second: it replaces the older one gathered first
    _udata(portal, [copy, subventions], [prenoms])
    result = harvest(source)
    assert result["stats"]["added"] == 2 and result["stats"]["errored"] == 0
    assert package("aulnat-prenoms-des-nouveau-nes")["title"] == "Prénoms des nouveau-nés"
    said = [w for w in result["warnings"] if prenoms["id"] in w]
    assert said == [
        f"La source liste 2 jeux de données sous le même identifiant « {prenoms['id']} » : "
        "« Copie de test »; « Prénoms des nouveau-nés ». Un seul est moissonné, le plus récemment "
        "modifié (à date égale, le premier listé) : « Prénoms des nouveau-nés »."
    ]
    # listed the other way round, the kept one is unchanged: nothing rewritten, still said
    _udata(portal, [prenoms, subventions], [copy])
    result = harvest(source)
    assert result["stats"]["not modified"] == 2 and result["stats"]["updated"] == 0
    assert package("aulnat-prenoms-des-nouveau-nes")["title"] == "Prénoms des nouveau-nés"
    assert any(prenoms["id"] in w and "« Copie de test »" in w for w in result["warnings"])
