"""DCAT-AP output through ckanext-dcat, with our French profile; parsed with rdflib."""

from __future__ import annotations

import pytest
from ckanext.dcat.profiles.base import DCAT, DCT, FOAF
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF, SKOS

from .conftest import full_dataset

pytestmark = pytest.mark.usefixtures("clean_db", "clean_index", "with_plugins", "territory")

EU = "http://publications.europa.eu/resource/authority/"
HYDRA = "http://www.w3.org/ns/hydra/core#"


def _graph(app, url, fmt):
    response = app.get(url)
    assert response.status_code == 200
    return Graph().parse(data=response.body, format=fmt)


@pytest.mark.parametrize(("ext", "fmt"), [("ttl", "turtle"), ("rdf", "xml"), ("jsonld", "json-ld")])
def test_dataset_carries_the_french_triples(app, create, ext, fmt):
    dataset = create(**full_dataset())
    g = _graph(app, f"/dataset/{dataset['name']}.{ext}", fmt)
    (ref,) = g.subjects(RDF.type, DCAT.Dataset)

    assert set(g.objects(ref, DCAT.theme)) == {URIRef(EU + "data-theme/HEAL"), URIRef(EU + "data-theme/REGI")}
    assert {Literal("Santé", lang="fr"), Literal("Équipements", lang="fr")} <= set(
        g.objects(ref, DCAT.keyword)
    )
    assert set(g.objects(ref, DCT.license)) == {
        URIRef("https://www.etalab.gouv.fr/licence-ouverte-open-licence")
    }
    assert set(g.objects(ref, DCT.accrualPeriodicity)) == {URIRef(EU + "frequency/MONTHLY")}

    (publisher,) = g.objects(ref, DCT.publisher)
    assert (publisher, RDF.type, FOAF.Organization) in g
    assert (publisher, RDF.type, FOAF.Agent) in g
    assert str(g.value(publisher, FOAF.name)) == "Clermont-Ferrand"
    assert g.value(publisher, DCT.identifier) == Literal("216301135")
    assert g.value(publisher, DCT.type) == URIRef("http://purl.org/adms/publishertype/LocalAuthority")

    places = {
        str(g.value(p, DCT.identifier)): str(g.value(p, SKOS.prefLabel)) for p in g.objects(ref, DCT.spatial)
    }
    assert places == {"63113": "Clermont-Ferrand", "63014": "Aubière"}

    distributions = list(g.objects(ref, DCAT.distribution))
    assert len(distributions) == 2
    conforms = {o for d in distributions for o in g.objects(d, DCT.conformsTo)}
    assert conforms == {URIRef("https://schema.data.gouv.fr/schemas/atlasante/schema-dae/latest/schema.json")}
    for distribution in distributions:
        assert g.value(distribution, DCT.license) == URIRef(
            "https://www.etalab.gouv.fr/licence-ouverte-open-licence"
        )


def test_odbl_and_url_conformity(app, create):
    dataset = create(
        **full_dataset(
            license_id="odc-odbl",
            resources=[{"url": "http://example.org/x.csv", "conforms_to": "https://example.org/schema.json"}],
        )
    )
    g = _graph(app, f"/dataset/{dataset['name']}.ttl", "turtle")
    (ref,) = g.subjects(RDF.type, DCAT.Dataset)
    assert g.value(ref, DCT.license) == URIRef("https://opendatacommons.org/licenses/odbl/1-0/")
    (distribution,) = g.objects(ref, DCAT.distribution)
    assert g.value(distribution, DCT.conformsTo) == URIRef("https://example.org/schema.json")


@pytest.mark.ckan_config("ckanext.dcat.datasets_per_page", "2")
def test_catalogue_is_paged_with_hydra(app, create):
    for i in range(3):
        create(**full_dataset(name=f"jeu-{i}", resources=[]))
    first = _graph(app, "/catalog.ttl", "turtle")
    assert len(list(first.subjects(RDF.type, DCAT.Dataset))) == 2
    (view,) = first.subjects(RDF.type, URIRef(HYDRA + "PagedCollection"))
    assert first.value(view, URIRef(HYDRA + "totalItems")).toPython() == 3
    next_page = str(first.value(view, URIRef(HYDRA + "nextPage")))
    assert "page=2" in next_page
    second = _graph(app, "/catalog.ttl?page=2", "turtle")
    assert len(list(second.subjects(RDF.type, DCAT.Dataset))) == 1
