"""Default views on dataset creation: made where a default view can show the resource, and
nothing read for the resources none can show (each harvested dataset paid that lookup)."""

from __future__ import annotations

import ckan.lib.datapreview as datapreview
import ckan.plugins.toolkit as tk
import pytest
from ckan.tests import factories, helpers

from ..conftest import make_dataset

pytestmark = pytest.mark.usefixtures("clean_db", "with_plugins")


def _view_types(resource_id):
    return {v["view_type"] for v in helpers.call_action("resource_view_list", id=resource_id)}


@pytest.fixture
def org():
    return factories.Organization(kind="commune", insee_code="63308")


@pytest.fixture
def per_resource_lookups(monkeypatch):
    """The resources whose existing views CKAN read (add_views_to_resource), in order."""
    looked_up = []
    real = datapreview.add_views_to_resource

    def spy(context, resource_dict, *args, **kwargs):
        looked_up.append(resource_dict.get("format"))
        return real(context, resource_dict, *args, **kwargs)

    monkeypatch.setattr(datapreview, "add_views_to_resource", spy)
    return looked_up


def test_a_view_is_made_where_one_fits_and_nothing_is_read_where_none_does(org, per_resource_lookups):
    dataset = make_dataset(
        owner_org=org["id"],
        resources=[
            {"url": "http://127.0.0.1:5000/toilettes.geojson", "format": "GeoJSON"},  # geoview: on the site
            {"url": "http://example.org/parkings.csv", "format": "CSV"},
        ],
    )
    geojson, csv = dataset["resources"]
    assert _view_types(geojson["id"]) == {"geojson_view"}
    assert _view_types(csv["id"]) == set()  # not in the DataStore: the table view waits for it
    assert per_resource_lookups == ["GeoJSON", "CSV"]  # one fits: CKAN's own path, for every resource

    del per_resource_lookups[:]
    only_csv = make_dataset(
        owner_org=org["id"],
        resources=[
            {"url": "http://example.org/a.csv", "format": "CSV"},
            {"url": "http://example.org/b", "format": "HTML"},
        ],
    )
    assert [_view_types(r["id"]) for r in only_csv["resources"]] == [set(), set()]
    assert per_resource_lookups == []


def test_the_action_still_checks_its_caller(org):
    dataset = make_dataset(
        owner_org=org["id"], resources=[{"url": "http://example.org/a.csv", "format": "CSV"}]
    )
    with pytest.raises(tk.NotAuthorized):
        helpers.call_action(
            "package_create_default_resource_views",
            context={"user": "", "ignore_auth": False},
            package=dataset,
        )
    with pytest.raises(tk.ValidationError):
        helpers.call_action("package_create_default_resource_views", context={"ignore_auth": True})
    sysadmin = factories.Sysadmin()
    assert (
        helpers.call_action(
            "package_create_default_resource_views", context={"user": sysadmin["name"]}, package=dataset
        )
        == []
    )
