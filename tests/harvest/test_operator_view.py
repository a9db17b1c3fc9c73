"""Item 1 of issue #9: harvested datasets belong to their harvest source, as ckanext-harvest sees it.

The harvest plugin indexes harvest_source_id / harvest_object_id / harvest_source_title only if
the harvest object is current and carries the package id when the dataset is indexed.
"""

from __future__ import annotations

import pytest
from ckan.tests import helpers

from .conftest import assert_landed, harvested, package, serve_edited, serve_ods

pytestmark = pytest.mark.usefixtures("small_pages")


def _extras(dataset):
    return {e["key"]: e["value"] for e in dataset.get("extras") or []}


def test_harvested_datasets_are_indexed_with_their_source(portal, make_source, harvest, app):
    serve_ods(portal)
    source = make_source(portal.url)
    result = harvest(source)
    assert result["stats"]["added"] == 5

    found = helpers.call_action("package_search", fq=f'harvest_source_id:"{source["id"]}"', rows=100)
    assert found["count"] == 5

    shown = package("aubiere-defibrillateurs-roubaix")
    fields = {**_extras(shown), **{k: shown[k] for k in shown if k.startswith("harvest_")}}
    assert fields["harvest_source_id"] == source["id"]
    assert fields["harvest_source_title"] == source["title"]
    obj = helpers.call_action("harvest_object_show", id=fields["harvest_object_id"])
    assert obj["guid"] == "defibrillateurs-roubaix" and obj["package_id"] == shown["id"]

    # Opendatasoft: every listed dataset in the commune, found by its source, on the source page
    assert_landed(app, source, result, "aubiere", [package(n)["title"] for n in harvested("aubiere")])
    assert "Défibrillateurs automatisés externes" in app.get(f"/harvest/{source['name']}").body


def test_an_update_reindexes_with_the_new_current_object(portal, make_source, harvest):
    serve_ods(portal)
    source = make_source(portal.url)
    harvest(source)
    first = _extras(package("aubiere-ecoles-maternelles")).get("harvest_object_id")
    serve_edited(portal)
    result = harvest(source)
    assert result["stats"]["updated"] == 1, result
    found = helpers.call_action("package_search", fq=f'harvest_source_id:"{source["id"]}"', rows=100)
    ids = {d["name"]: _extras(d).get("harvest_object_id") for d in found["results"]}
    current = helpers.call_action("harvest_object_show", id=ids["aubiere-ecoles-maternelles"])
    assert current["current"] is True and current["id"] != first
