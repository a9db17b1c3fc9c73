"""Data services in the DCAT catalogue (#26): the portal's records API (the DataStore's
datastore_search) declared once by the catalogue, serving the datasets that have a loaded
resource, those resources' distributions reaching it; judged by the DCAT-AP 3.0.1 shapes."""

from __future__ import annotations

import pytest
from ckan.tests import helpers
from rdflib import Graph, URIRef
from rdflib.namespace import DCAT, DCTERMS, FOAF, RDF

from . import catalogue_cases as cases
from .conftest import full_dataset
from .test_dcat_shacl import FORMATS, violations

pytestmark = pytest.mark.usefixtures("clean_db", "clean_index", "with_plugins", "territory")

SITE = "http://127.0.0.1:5000"
API = URIRef(SITE + "/api/3/action/datastore_search")


def _load(resource_id):
    helpers.call_action(
        "datastore_create",
        resource_id=resource_id,
        force=True,
        fields=[{"id": "nom", "type": "text"}],
        records=[{"nom": "Mairie"}],
    )


@pytest.mark.ckan_config("ckanext.dcat.datasets_per_page", "2")
def test_portal_api_is_one_service_of_the_catalogue_serving_loaded_datasets(app, create):
    loaded = create(**full_dataset())
    _load(loaded["resources"][0]["id"])
    plain = create(**full_dataset(name="aubiere-sans-api", owner_org="aubiere", communes=["63014"]))
    third = create(**full_dataset(name="gerzat-api", owner_org="gerzat", communes=["63164"]))
    _load(third["resources"][1]["id"])
    uri = {d["name"]: URIRef(f"{SITE}/dataset/{d['id']}") for d in (loaded, plain, third)}

    for ext, fmt in FORMATS:
        whole, url = Graph(), f"/catalog.{ext}"
        while url:
            page = Graph().parse(data=cases.get(app, url).body, format=fmt)
            # every page lists the service and describes it whole (each page is read alone)
            assert (URIRef(SITE), DCAT.service, API) in page, ext
            assert page.value(API, DCAT.endpointURL) == API
            assert violations(page) == [], ext
            whole += page
            nxt = next(page.objects(None, URIRef("http://www.w3.org/ns/hydra/core#next")), None)
            url = str(nxt).replace(SITE, "") if nxt else None
        assert set(whole.subjects(RDF.type, DCAT.DataService)) == {API}
        assert set(whole.objects(API, DCAT.servesDataset)) == {
            uri["defibrillateurs-clermont"],
            uri["gerzat-api"],
        }
        assert str(whole.value(API, DCTERMS.title)).startswith("API des enregistrements")
        assert "datastore_search" in str(whole.value(API, DCAT.endpointDescription))
        assert whole.value(API, FOAF.page) is not None
        assert whole.value(API, DCTERMS.license) is not None
        contact = whole.value(API, DCAT.contactPoint)
        assert contact is not None and whole.value(contact, URIRef("http://www.w3.org/2006/vcard/ns#fn"))
        # the loaded resource's distribution, and only it, reaches the API
        reached = {str(d).rsplit("/", 1)[-1] for d in whole.subjects(DCAT.accessService, API)}
        assert reached == {loaded["resources"][0]["id"], third["resources"][1]["id"]}

    # a dataset's own document names the service, described, serving that dataset
    doc = Graph().parse(data=cases.get(app, f"/dataset/{third['name']}.ttl").body, format="turtle")
    assert violations(doc) == []
    assert set(doc.objects(API, DCAT.servesDataset)) == {uri["gerzat-api"]}
    plain_doc = Graph().parse(data=cases.get(app, f"/dataset/{plain['name']}.ttl").body, format="turtle")
    assert not set(plain_doc.subjects(RDF.type, DCAT.DataService))
