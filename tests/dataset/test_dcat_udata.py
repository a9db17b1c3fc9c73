"""data.gouv.fr reads the catalogue whole: its harvester's behaviour (udata_reader.py, written
from udata's code) walking /catalog.<ext> page by page."""

from __future__ import annotations

from collections import Counter

import pytest
from ckan.tests import helpers

from . import catalogue_cases as cases
from . import udata_reader as udata
from .conftest import full_dataset

pytestmark = pytest.mark.usefixtures("clean_db", "clean_index", "with_plugins", "territory")


def _read_all(app, ext="ttl"):
    job = None
    for job in udata.walk(app, f"/catalog.{ext}", ext):  # noqa: B007 - drains the walk, keeps its last job
        pass
    return job


@pytest.mark.ckan_config("ckanext.dcat.datasets_per_page", "2")
def test_every_dataset_is_read_whole_with_its_licence(app, create):
    names = cases.build(create)
    hidden = cases.build_hidden(create)  # odd formats, a URL-less resource, free fields, odd dates
    ids = {n: helpers.call_action("package_show", id=n)["id"] for n in names + hidden}
    for ext in ("ttl", "rdf", "jsonld"):
        job = _read_all(app, ext)
        assert job.pages >= 2
        # charset on every page: without it udata decodes text/turtle as Latin-1
        assert all("charset=utf-8" in ct.replace(" ", "").lower() for ct in job.content_types), (
            job.content_types
        )
        assert [(i.identifier, i.status, i.error) for i in job.items if i.status != "done"] == []
        read = job.by_identifier()
        # harvested from data.gouv.fr: not offered back to it
        assert ids["gerzat-deliberations"] not in read
        assert set(read) == {ids[n] for n in names + hidden if n != "gerzat-deliberations"}
        licences = {n: read[ids[n]].license for n in names if ids[n] in read}
        assert licences == {
            "defibrillateurs-clermont": "lov2",
            "aubiere-arbres-remarquables": "odc-odbl",
            "cournon-d-auvergne-liens-casses": "other-open",
            "metropole-budget": "notspecified",
        }
        assert read[ids["defibrillateurs-clermont"]].title == "Défibrillateurs automatisés externes"
        # the dataset with broken links is kept; none of its broken links is published
        assert read[ids["cournon-d-auvergne-liens-casses"]].resource_urls == []
        assert len(read[ids["aubiere-arbres-remarquables"]].resource_urls) == 5
        assert len(read[ids["aubiere-formats-en-vrac"]].resource_urls) == 5  # the sixth has no URL yet
        assert read[ids["gerzat-dates-bizarres"]].license == "notspecified"  # an id nobody knows
        assert all(i.issued and i.modified for i in read.values())
        # a harvested dataset carries its source's dates of publication and change, not our harvest's
        assert read[ids["aubiere-arbres-remarquables"]].modified.startswith("2023-05-04")
        assert read[ids["aubiere-arbres-remarquables"]].issued.startswith("2019-06-01")
        assert not read[ids["metropole-budget"]].issued.startswith("2019-06-01")  # ours: its creation
        # every dataset covers communes: data.gouv.fr keeps their geometry as spatial coverage
        assert all(i.geometries for i in read.values())
        assert len(read[ids["metropole-budget"]].geometries) >= 21


@pytest.mark.ckan_config("ckanext.dcat.datasets_per_page", "2")
def test_paging_does_not_move_while_the_catalogue_changes(app, create, sysadmin):
    names = [
        create(**full_dataset(name=f"jeu-{i}", title=f"Jeu {i}", resources=[]))["name"] for i in range(5)
    ]
    ids = {helpers.call_action("package_show", id=n)["id"] for n in names}
    walker = udata.walk(app, "/catalog.ttl")
    job = next(walker)
    # between two pages: datasets of every page are edited (a harvest run, an agent) and
    # one is added, as happens while data.gouv.fr walks a live catalogue
    for name in (names[0], names[4], names[2]):
        cases.update(sysadmin, id=name, notes=f"Mise à jour de {name}")
    ids.add(create(**full_dataset(name="jeu-nouveau", resources=[]))["id"])
    for job in walker:  # noqa: B007 - drains the walk, keeps its last job
        pass
    counts = Counter(i.identifier for i in job.items)
    assert {k: n for k, n in counts.items() if n > 1} == {}
    assert set(counts) == ids
    assert all(i.status == "done" for i in job.items)


def test_one_bad_url_never_takes_a_page_down(app, create):
    """#15 item 10: a resource or landing page that is not a valid IRI, in one dataset."""
    good = create(
        **full_dataset(name="jeu-sain", resources=[{"url": "https://example.org/a.csv", "format": "CSV"}])
    )
    bad = create(
        **full_dataset(name="jeu-casse", resources=[{"url": "https://example.org/b.csv", "format": "CSV"}])
    )
    cases._force(
        bad["name"], resource_urls=['http://exa mple.org/"><x>\n'], landing_page="javascript:alert(1)"
    )
    for ext in ("ttl", "rdf", "jsonld"):
        for url in (f"/catalog.{ext}", f"/dataset/{bad['name']}.{ext}", f"/dataset/{good['name']}.{ext}"):
            assert app.get(url).status_code == 200, url
        read = _read_all(app, ext).by_identifier()
        assert set(read) == {good["id"], bad["id"]}
        assert read[good["id"]].resource_urls == ["https://example.org/a.csv"]


# data.gouv.fr's harvester refuses loopback addresses (udata_accepts_url), so the catalogue of
# a test portal on 127.0.0.1 could never be harvested as it is: this test serves it under a
# public-looking ckan.site_url (a reserved .example name: nothing is fetched from it), as a
# portal in production is, and the reader requests its pages from the test app.
PUBLIC_SITE_URL = "https://data.metropole.example"


@pytest.mark.ckan_config("ckan.site_url", PUBLIC_SITE_URL)
def test_the_portals_own_files_are_distributions_of_its_catalogue(app, create):
    """#25 item 1: an uploaded file is served from the portal's own address; it is a
    distribution whatever that address (loopback included) and data.gouv.fr reads it."""
    resources = [{"url": "dae.csv", "url_type": "upload", "format": "CSV", "name": "Liste"}]
    dataset = create(**full_dataset(resources=resources))
    shown = helpers.call_action("package_show", id=dataset["id"])
    own_url = shown["resources"][0]["url"]
    assert own_url.startswith(f"{PUBLIC_SITE_URL}/dataset/"), own_url
    job = None
    for job in udata.walk(app, "/catalog.ttl", site_url=PUBLIC_SITE_URL):  # noqa: B007
        pass
    read = job.by_identifier()[dataset["id"]]
    assert read.resource_urls == [own_url]
    assert read.license == "lov2"


@pytest.mark.ckan_config("ckan.site_url", "http://127.0.0.1:5000")
def test_a_loopback_portal_still_publishes_its_own_files(app, create):
    from ckanext.metropole.dataset import quality

    resources = [{"url": "dae.csv", "url_type": "upload", "format": "CSV", "name": "Liste"}]
    dataset = create(**full_dataset(resources=resources))
    turtle = app.get(f"/dataset/{dataset['name']}.ttl").get_data(as_text=True)
    assert "dcat:distribution" in turtle
    assert "dcat:downloadURL <http://127.0.0.1:5000/dataset/" in turtle
    shown = helpers.call_action("package_show", id=dataset["id"])
    values = {i["id"]: i for d in quality.measure(shown, None)["dimensions"] for i in d["indicators"]}
    assert values["download_url_valid"]["points"] == values["download_url_valid"]["weight"]
