"""Data services in the DCAT catalogue (#26): the portal's records API (the DataStore's
datastore_search) declared once by the catalogue, serving the datasets that have a loaded
resource, those resources' distributions reaching it; judged by the DCAT-AP 3.0.1 shapes."""

from __future__ import annotations

from pathlib import Path

import ckan.plugins.toolkit as tk
import pytest
from ckan.tests import helpers
from rdflib import Graph, URIRef
from rdflib.namespace import DCAT, DCTERMS, FOAF, RDF

from . import catalogue_cases as cases
from . import udata_reader as udata
from .conftest import full_dataset
from .test_dcat_shacl import FORMATS, violations

pytestmark = pytest.mark.usefixtures("clean_db", "clean_index", "with_plugins", "territory")

# data.gouv.fr's harvester refuses loopback addresses, and the portal declares its records API
# only under a public address (services.py): the portal is served under a public name (a
# reserved .example one: nothing is fetched from it), as in production
PUBLIC = SITE = "https://data.metropole.example"
API = URIRef(SITE + "/api/3/action/datastore_search")


def _load(resource_id):
    helpers.call_action(
        "datastore_create",
        resource_id=resource_id,
        force=True,
        fields=[{"id": "nom", "type": "text"}],
        records=[{"nom": "Mairie"}],
    )


@pytest.mark.ckan_config("ckan.site_url", SITE)
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
            # the first page lists the service, describes it whole and names every dataset it
            # serves; the others do not repeat it (a harvester meets it once)
            first_page = url == f"/catalog.{ext}"
            assert ((URIRef(SITE), DCAT.service, API) in page) == first_page, (ext, url)
            assert first_page or (None, DCAT.endpointURL, None) not in page
            whole += page
            nxt = next(page.objects(None, URIRef("http://www.w3.org/ns/hydra/core#next")), None)
            url = str(nxt).replace(SITE, "") if nxt else None
        assert violations(whole) == [], ext
        assert set(whole.subjects(RDF.type, DCAT.DataService)) == {API}
        assert whole.value(API, DCAT.endpointURL) == API
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


def _budget(create, year):
    return create(
        **full_dataset(
            name=f"aubiere-budget-primitif-{year}",
            title=f"Budget primitif {year} — Aubière",
            owner_org="aubiere",
            communes=["63014"],
            theme=["finances"],
            frequency="ANNUAL",
        )
    )


@pytest.mark.ckan_config("ckan.site_url", PUBLIC)
@pytest.mark.ckan_config("ckanext.dcat.datasets_per_page", "2")
def test_service_and_series_records_in_pages_and_catalogue(app, create, sysadmin):
    """#26: a data service record (its page, listed by dcat:service, serving a dataset) and a
    series of three budgets in order (its page lists the years, each member links to it and to
    its neighbours; dcat:DatasetSeries, dcat:inSeries, first/last/prev/next), 0 violations."""
    years = [_budget(create, y) for y in (2022, 2023, 2024)]
    bus = create(**full_dataset(name="arrets-bus", title="Arrêts de bus"))
    service = create(
        type="dataservice",
        name="api-bus-temps-reel",
        title="Bus en temps réel (GTFS-RT)",
        notes="Positions des bus toutes les 30 secondes.",
        owner_org="clermont-auvergne-metropole",
        endpoint_url="https://api.example.org/gtfs-rt",
        endpoint_description="https://api.example.org/openapi.json",
        documentation="https://api.example.org/docs",
        license_id="lov2",
        served_datasets="arrets-bus",
        contact=[{"name": "Service mobilité", "email": "mobilite@example.org"}],
        hvd_category=["c_4ac557e7"],
    )
    series = create(
        type="dataset_series",
        name="aubiere-budget-primitif",
        title="Budget primitif — Aubière",
        notes="Le budget primitif voté chaque année.",
        owner_org="aubiere",
        series_members=", ".join(d["name"] for d in years),
    )
    assert series["series_members"] == [d["id"] for d in years]
    with pytest.raises(tk.ValidationError, match=r"Unknown dataset on the portal: n-existe-pas"):
        create(
            type="dataset_series",
            name="s2",
            title="S",
            notes="S",
            owner_org="aubiere",
            series_members="n-existe-pas",
        )

    # default package_search lists data only; each type is searchable by its type
    found = helpers.call_action("package_search", q="*:*", rows=50)["results"]
    assert {d["type"] for d in found} == {"dataset"}
    assert [
        d["name"]
        for d in helpers.call_action("package_search", fq="dataset_type:dataservice", q="temps réel")[
            "results"
        ]
    ] == [service["name"]]

    # pages, in French
    page = cases.get(app, "/dataset_series/aubiere-budget-primitif").body
    assert [y for y in ("2022", "2023", "2024") if f"Budget primitif {y}" in page] == ["2022", "2023", "2024"]
    assert page.index("Budget primitif 2022") < page.index("Budget primitif 2023") < page.index("2024 —")
    member = cases.get(app, "/dataset/aubiere-budget-primitif-2023").body
    assert "/dataset_series/aubiere-budget-primitif" in member and "2 sur 3" in member
    assert 'rel="prev" href="/dataset/aubiere-budget-primitif-2022"' in member
    assert 'rel="next" href="/dataset/aubiere-budget-primitif-2024"' in member
    service_page = cases.get(app, "/dataservice/api-bus-temps-reel").body
    assert "https://api.example.org/gtfs-rt" in service_page and "/dataset/arrets-bus" in service_page
    assert "/dataservice/api-bus-temps-reel" in cases.get(app, "/dataset/arrets-bus").body

    public_api = URIRef(PUBLIC + "/api/3/action/datastore_search")
    svc, ser = URIRef(f"{PUBLIC}/dataservice/{service['id']}"), URIRef(f"{PUBLIC}/dataset/{series['id']}")
    uri = {d["name"]: URIRef(f"{PUBLIC}/dataset/{d['id']}") for d in [*years, bus]}
    for ext, fmt in FORMATS:
        whole, url = Graph(), f"/catalog.{ext}"
        while url:
            page = Graph().parse(data=cases.get(app, url).body, format=fmt)
            if url == f"/catalog.{ext}":
                assert {public_api, svc} == set(page.objects(URIRef(PUBLIC), DCAT.service))
            whole += page
            nxt = next(page.objects(None, URIRef("http://www.w3.org/ns/hydra/core#next")), None)
            url = str(nxt).replace(PUBLIC, "") if nxt else None
        assert violations(whole) == [], ext
        assert set(whole.subjects(RDF.type, DCAT.DataService)) == {public_api, svc}
        assert svc not in set(whole.objects(URIRef(PUBLIC), DCAT.dataset))
        assert set(whole.objects(svc, DCAT.servesDataset)) == {uri["arrets-bus"]}
        assert str(whole.value(svc, DCAT.endpointURL)) == "https://api.example.org/gtfs-rt"
        # an HVD service: its category and the regulation (DCAT-AP HVD)
        r5r = "http://data.europa.eu/r5r/"
        assert str(whole.value(svc, URIRef(r5r + "hvdCategory"))).endswith("c_4ac557e7")
        assert whole.value(svc, URIRef(r5r + "applicableLegislation")) is not None
        assert (ser, RDF.type, DCAT.DatasetSeries) in whole and ser in set(
            whole.objects(URIRef(PUBLIC), DCAT.dataset)
        )
        first, mid, last = (uri[d["name"]] for d in years)
        assert (whole.value(ser, DCAT.first), whole.value(ser, DCAT.last)) == (first, last)
        assert set(whole.subjects(DCAT.inSeries, ser)) == {first, mid, last}
        assert (whole.value(mid, DCAT.prev), whole.value(mid, DCAT.next)) == (first, last)
        assert whole.value(first, DCAT.prev) is None

    # the service's own document
    doc = Graph().parse(data=cases.get(app, f"/dataset/{service['name']}.ttl").body, format="turtle")
    assert violations(doc) == []
    assert set(doc.objects(svc, DCAT.servesDataset)) == {uri["arrets-bus"]}
    series_doc = Graph().parse(data=cases.get(app, f"/dataset/{series['name']}.ttl").body, format="turtle")
    assert violations(series_doc) == []
    assert (ser, RDF.type, DCAT.DatasetSeries) in series_doc

    # data.gouv.fr's harvester (udata_reader.py) reads the service as a data service serving its
    # dataset, the portal's API too (no distribution names it here), the series as a dataset
    job = None
    for job in udata.walk(app, "/catalog.ttl", site_url=PUBLIC):  # noqa: B007
        pass
    assert [(i.kind, i.identifier, i.error) for i in job.items if i.status != "done"] == []
    read = job.by_identifier("dataservice")
    assert set(read) == {service["id"], str(public_api)}
    assert read[service["id"]].datasets == [bus["id"]]
    assert read[service["id"]].base_api_url == "https://api.example.org/gtfs-rt"
    assert read[service["id"]].license == "lov2"
    assert set(job.by_identifier()) == {d["id"] for d in [*years, bus, series]}


@pytest.mark.ckan_config("ckanext.metropole.dataservice.read_openapi", "true")
def test_openapi_endpoint_description_is_read_checked_and_published(app, create, monkeypatch):
    """An OpenAPI document (the OpenAPI Initiative's petstore example, fixtures/SOURCES.md) is
    read by openapi-spec-validator: valid, its version is the service's dct:conformsTo; invalid,
    the record is refused with the validator's first error; not OpenAPI (a WMS capabilities
    document), it is kept as a plain description. The remote documents are handed over in
    place of the network (openapi.fetch)."""
    from ckanext.metropole.dataset import openapi

    petstore = (Path(__file__).parent / "fixtures" / "openapi-petstore.yaml").read_text()
    documents = {
        "https://api.example.org/openapi.yaml": petstore,
        "https://api.example.org/broken.yaml": petstore.replace("  version: 1.0.0\n", ""),
        "https://wms.example.org/?SERVICE=WMS&REQUEST=GetCapabilities": "<WMS_Capabilities/>",
    }
    monkeypatch.setattr(openapi, "fetch", documents.get)

    def service(name, description):
        return create(
            type="dataservice",
            name=name,
            title="API",
            notes="Une API.",
            owner_org="clermont-auvergne-metropole",
            endpoint_url="https://api.example.org/",
            endpoint_description=description,
            license_id="lov2",
        )

    read = service("api-petstore", "https://api.example.org/openapi.yaml")
    assert read["endpoint_standard"] == "https://spec.openapis.org/oas/v3.0.0"
    doc = Graph().parse(data=cases.get(app, "/dataset/api-petstore.ttl").body, format="turtle")
    assert violations(doc) == []
    ref = next(doc.subjects(RDF.type, DCAT.DataService))
    assert str(doc.value(ref, DCTERMS.conformsTo)) == "https://spec.openapis.org/oas/v3.0.0"
    with pytest.raises(tk.ValidationError, match=r"OpenAPI document is not valid \(info: 'version'"):
        service("api-cassee", "https://api.example.org/broken.yaml")
    wms = service("wms-plan", "https://wms.example.org/?SERVICE=WMS&REQUEST=GetCapabilities")
    assert not wms.get("endpoint_standard")
