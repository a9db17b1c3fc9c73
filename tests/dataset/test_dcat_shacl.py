"""The official DCAT-AP 3.0.1 SHACL shapes (SEMICeu; shacl/SOURCES.md), run with pyshacl on
every page of the catalogue and every dataset document, in the three serialisations, for a
catalogue holding the awkward cases (catalogue_cases.py)."""

from __future__ import annotations

import re
from collections import Counter
from functools import lru_cache
from pathlib import Path

import ckan.plugins.toolkit as tk
import pytest
from ckan.tests import helpers
from pyshacl import validate
from rdflib import Graph, URIRef
from rdflib.namespace import RDF, SH

from . import catalogue_cases as cases

pytestmark = pytest.mark.usefixtures("clean_db", "clean_index", "with_plugins", "territory")

SHAPES_DIR = Path(__file__).parent / "shacl"
HYDRA = "http://www.w3.org/ns/hydra/core#"
FORMATS = [("ttl", "turtle"), ("rdf", "xml"), ("jsonld", "json-ld")]


@lru_cache(maxsize=1)
def shapes() -> Graph:
    """DCAT-AP 3.0.1's "Base" shapes (cardinalities, datatypes, node kinds) and its range shapes
    (the class of each object: themes skos:Concept, publishers foaf:Agent, frequencies
    dct:Frequency, formats dct:MediaTypeOrExtent...) — the validator's "Base" and "Ranges" cases."""
    graph = Graph().parse(SHAPES_DIR / "dcat-ap-SHACL.ttl", format="turtle")
    graph.parse(SHAPES_DIR / "ranges.ttl", format="turtle")
    # ranges.ttl lists property shapes it does not define (its generator kept every property of
    # a class and wrote out only those with a range); pyshacl refuses a sh:property that names
    # no shape, so those empty references are dropped here — the shipped file stays unchanged.
    for node, prop in list(graph.subject_objects(SH.property)):
        if graph.value(prop, SH.path) is None:
            graph.remove((node, SH.property, prop))
    return graph


def violations(data: Graph) -> list[str]:
    _conforms, report, _ = validate(
        data, shacl_graph=shapes(), inference="none", advanced=False, allow_warnings=True
    )
    found = []
    for result in report.subjects(RDF.type, SH.ValidationResult):
        if report.value(result, SH.resultSeverity) != SH.Violation:
            continue
        found.append(
            f"{report.value(result, SH.resultPath)} on {report.value(result, SH.focusNode)}: "
            f"{report.value(result, SH.resultMessage)} [{report.value(result, SH.value)}]"
        )
    return found


def _catalogue_pages(app, ext, fmt) -> Graph:
    """Every page of /catalog.<ext>, following Hydra's next page like a harvester."""
    whole, url, seen = Graph(), f"/catalog.{ext}", 0
    while url and seen < 20:
        page = Graph().parse(data=cases.get(app, url).body, format=fmt)
        whole += page
        seen += 1
        nxt = [
            o
            for s in page.subjects(RDF.type, URIRef(HYDRA + "PagedCollection"))
            for o in page.objects(s, URIRef(HYDRA + "next"))
        ]
        url = str(nxt[0]).replace("http://127.0.0.1:5000", "") if nxt else None
    assert seen >= 2, "the catalogue should span several pages"
    return whole


@pytest.mark.ckan_config("ckanext.dcat.datasets_per_page", "2")
def test_catalogue_and_datasets_meet_dcat_ap_3(app, create):
    names = cases.build(create) + cases.build_hidden(create)
    found = []
    for ext, fmt in FORMATS:
        found += [f"{ext}: {v}" for v in violations(_catalogue_pages(app, ext, fmt))]
        datasets = Graph()
        for name in names:
            datasets += Graph().parse(data=cases.get(app, f"/dataset/{name}.{ext}").body, format=fmt)
        found += [f"{ext}: {v}" for v in violations(datasets)]
    summary = Counter(v.split(" on ")[0] + " | " + v.split(": ", 2)[2][:80] for v in found)
    assert not found, f"{len(found)} violations:\n" + "\n".join(
        f"{n} × {k}" for k, n in summary.most_common()
    )
    # what a resource states in a usable form is published, the rest left out
    free = Graph().parse(data=cases.get(app, "/dataset/aubiere-champs-libres.ttl").body, format="turtle")
    spdx, planned = (
        "http://spdx.org/rdf/terms#",
        "http://publications.europa.eu/resource/authority/planned-availability/",
    )
    assert sorted(int(o) for o in free.objects(None, URIRef("http://www.w3.org/ns/dcat#byteSize"))) == [2048]
    assert sorted(
        (str(free.value(c, URIRef(spdx + "algorithm"))), str(free.value(c, URIRef(spdx + "checksumValue"))))
        for c in free.subjects(RDF.type, URIRef(spdx + "Checksum"))
    ) == [(spdx + "checksumAlgorithm_sha1", "c0ffee"), (spdx + "checksumAlgorithm_sha256", "ab" * 32)]
    assert sorted(str(o) for o in free.objects(None, URIRef("http://data.europa.eu/r5r/availability"))) == [
        planned + "STABLE",
        planned + "TEMPORARY",
    ]
    assert "Tous droits" not in free.serialize(format="turtle")


def test_range_shapes_catch_untyped_objects():
    """The range shapes bite: a theme, a publisher and a frequency given as bare IRIs (no
    skos:Concept, foaf:Agent, dct:Frequency class) are violations; typed, they are not."""
    from rdflib import Literal
    from rdflib.namespace import DCAT, DCTERMS, FOAF, SKOS

    data = Graph()
    dataset, theme = (
        URIRef("http://example.org/d"),
        URIRef("http://publications.europa.eu/resource/authority/data-theme/GOVE"),
    )
    publisher = URIRef("http://example.org/org")
    frequency = URIRef("http://publications.europa.eu/resource/authority/frequency/ANNUAL")
    data.add((dataset, RDF.type, DCAT.Dataset))
    data.add((dataset, DCTERMS.title, Literal("Budget", lang="fr")))
    data.add((dataset, DCTERMS.description, Literal("Budget voté.", lang="fr")))
    data.add((dataset, DCAT.theme, theme))
    data.add((dataset, DCTERMS.publisher, publisher))
    data.add((dataset, DCTERMS.accrualPeriodicity, frequency))
    paths = {v.split(" on ")[0] for v in violations(data)}
    assert {str(DCAT.theme), str(DCTERMS.publisher), str(DCTERMS.accrualPeriodicity)} <= paths
    data.add((theme, RDF.type, SKOS.Concept))
    data.add((theme, SKOS.prefLabel, Literal("Gouvernement et secteur public", lang="fr")))
    data.add((publisher, RDF.type, FOAF.Agent))
    data.add((publisher, FOAF.name, Literal("Aubière")))
    data.add((frequency, RDF.type, DCTERMS.Frequency))
    assert violations(data) == []


@pytest.mark.parametrize(
    "query",
    [
        "page=abc",
        "page=0",
        "page=-1",
        "page=1.5",
        "page=999999999",
        "modified_since=pas-une-date",
        "modified_since=2023-13-45",
    ],
)
def test_catalogue_odd_paging_is_refused_in_french_never_500(app, query):
    """A refused parameter answers ckanext-dcat's 409 (CKAN's code for a validation error)
    with our French message; never a 500."""
    for ext in ("ttl", "rdf", "jsonld"):
        response = app.get(f"/catalog.{ext}?{query}")
        assert response.status_code == 409, (ext, query, response.status_code)
        assert re.search(r"Le numéro de page doit|Date invalide", response.body), response.body[:300]


@pytest.mark.parametrize(
    "query",
    ["page=99", "page=", "modified_since=", "page=1&page=2", "modified_since=2023-05-04T10:00:00%2B02:00"],
)
def test_catalogue_empty_or_far_pages_answer(app, query):
    for ext, fmt in FORMATS:
        response = app.get(f"/catalog.{ext}?{query}")
        assert response.status_code == 200, (ext, query)
        if query == "page=99":  # beyond the end: an empty page, still a valid catalogue
            assert violations(Graph().parse(data=response.body, format=fmt)) == [], ext


@pytest.mark.parametrize("query", ["q=(((", "q=titre:[a", "fq=metadata_modified:[", "q=%00"])
def test_catalogue_broken_search_syntax_is_never_a_500(app, query):
    for ext in ("ttl", "rdf", "jsonld"):
        assert app.get(f"/catalog.{ext}?{query}").status_code in (200, 400, 409), (ext, query)


def test_catalogue_without_metropole_organisation_is_published_by_the_portal(app, sysadmin):
    """Before the territory is loaded (or with partners only) DCAT-AP still wants a catalogue
    publisher: the portal answers for its catalogue."""
    from rdflib.namespace import DCTERMS, FOAF

    helpers.call_action(
        "organization_delete", context={"user": sysadmin["name"]}, id="clermont-auvergne-metropole"
    )
    for ext, fmt in FORMATS:
        graph = Graph().parse(data=cases.get(app, f"/catalog.{ext}").body, format=fmt)
        assert violations(graph) == [], ext
        publisher = graph.value(URIRef("http://127.0.0.1:5000"), DCTERMS.publisher)
        assert str(publisher) == "http://127.0.0.1:5000/about"
        assert str(graph.value(publisher, FOAF.name)) == tk.config.get("ckan.site_title")
