"""Clearing a harvest source, or deleting it with clear, leaves search consistent with the
database (issue #15, item 4): anonymous package_search, its counts and facets, the
territory's dataset counts and package_show all forget the source's datasets — those a run
had withdrawn and those deleted by hand before the clear included (they are not found by a
search of active datasets, so a clear that only looks there misses them)."""

from __future__ import annotations

import pytest
from ckan.tests import factories, helpers

from .conftest import serve_ods

pytestmark = pytest.mark.usefixtures("small_pages")

ALL = [
    "aubiere-budget-primitif-2024",
    "aubiere-defibrillateurs-roubaix",
    "aubiere-ecoles-maternelles",
    "aubiere-parkings-mel",
    "aubiere-qualite-de-l-eau",
]


def _search(app, headers=None, **params):
    response = app.get(
        "/api/3/action/package_search",
        headers=headers or {},
        query_string={"fq": "organization:aubiere", "rows": 100, **params},
    )
    assert response.status_code == 200, response.body[:300]
    return response.json["result"]


def _territory_count(app) -> int:
    metros = app.get("/api/3/action/metropole_territory_show", query_string={"include_datasets": "true"}).json
    return next(c["datasets"] for m in metros["result"] for c in m["communes"] if c["name"] == "aubiere")


def _clear_by_api(app, source, sysadmin, token):
    response = app.post(
        "/api/3/action/harvest_source_clear", json={"id": source["id"]}, headers={"Authorization": token}
    )
    assert response.status_code == 200, response.body[:500]


def _delete_with_clear(app, source, sysadmin, token):
    # ckanext-harvest clears on delete only when its view puts clear_source in the context
    # (/harvest/delete/<id>?clear=True); the API's harvest_source_delete keeps the datasets
    helpers.call_action(
        "harvest_source_delete", context={"user": sysadmin["name"], "clear_source": True}, id=source["id"]
    )


@pytest.mark.parametrize("remove", [_clear_by_api, _delete_with_clear])
def test_clear_and_delete_leave_search_consistent(app, portal, make_source, harvest, remove):
    serve_ods(portal)
    source = make_source(portal.url)
    harvest(source)
    serve_ods(portal, prefix="removed", pages=2)  # one dataset left the source: withdrawn (deleted)
    assert harvest(source)["stats"]["deleted"] == 1
    sysadmin = factories.Sysadmin()
    helpers.call_action(
        "package_delete", context={"user": sysadmin["name"]}, id="aubiere-ecoles-maternelles"
    )  # one deleted by hand
    assert _search(app)["count"] == 3
    assert _territory_count(app) == 3

    token = factories.APIToken(user=sysadmin["name"])["token"]
    admin = {"Authorization": token}
    remove(app, source, sysadmin, token)

    result = _search(app, **{"facet.field": '["organization"]'})
    assert (result["count"], result["results"]) == (0, [])
    assert "aubiere" not in {
        item["name"] for item in result["search_facets"].get("organization", {}).get("items", [])
    }
    assert _search(app, fq="*:*", q="name:aubiere-*")["count"] == 0
    # not even for a sysadmin asking for private and deleted datasets: nothing stale in Solr
    assert _search(app, headers=admin, include_private="true", include_deleted="true")["count"] == 0
    assert _territory_count(app) == 0
    for name in ALL:
        assert app.get("/api/3/action/package_show", query_string={"id": name}).status_code == 404, name
        assert app.get(f"/dataset/{name}").status_code == 404, name
