"""Views made by default where they fit once the table is loaded (a real worker): the records
table, a map of GeoJSON files and of tables with coordinates, a chart of tables with numbers;
the records API block in French; an agent's datastore_upsert shown by the table view."""

from __future__ import annotations

import html
import re

import requests
from ckan.tests import helpers

from .conftest import FIXTURES, api, resource_page, run_jobs, upload


def _views(resource):
    return {v["view_type"]: v for v in helpers.call_action("resource_view_list", id=resource["id"])}


def test_default_views_fit_each_resource(portal):
    parkings = upload(portal, "parkings.csv", (FIXTURES / "parkings.csv").read_bytes(), "CSV")
    fountains = upload(portal, "fontaines.csv", (FIXTURES / "fontaines.csv").read_bytes(), "CSV")
    toilets = upload(portal, "toilettes.geojson", (FIXTURES / "toilettes.geojson").read_bytes(), "GeoJSON")
    projected = upload(
        portal,
        "lambert93.csv",
        b"nom,x,y,places\nJaude,706500,6519500,620\nDelille,707300,6519800,340\n",
        "CSV",
    )
    run_jobs(portal)

    assert set(_views(parkings)) == {"datatables_view", "metropole_points_view", "metropole_chart_view"}
    assert set(_views(fountains)) == {"datatables_view", "metropole_points_view"}  # no quantity to chart
    assert set(_views(toilets)) == {"geojson_view"}
    # metres (Lambert 93) are not degrees: no map, but a chart of "places"
    assert set(_views(projected)) == {"datatables_view", "metropole_chart_view"}

    # the map of a table reads its points as GeoJSON (lon, lat), with the row as properties
    points = requests.get(
        f"{portal['url']}/dataset/{parkings['package_id']}/resource/{parkings['id']}/points.geojson",
        timeout=30,
    ).json()
    jaude = next(f for f in points["features"] if f["properties"]["nom_park"] == "JAUDE")
    assert jaude["geometry"] == {"type": "Point", "coordinates": [3.0825, 45.7772]}
    assert len(points["features"]) == 4
    fountain_points = requests.get(
        f"{portal['url']}/dataset/{fountains['package_id']}/resource/{fountains['id']}/points.geojson",
        timeout=30,
    ).json()
    assert sorted(f["geometry"]["coordinates"][1] for f in fountain_points["features"]) == [
        45.76512,
        45.77721,
        45.7799,
    ]

    # the map view is geoview's Leaflet map fed with that GeoJSON; tiles from the configured server
    view = _views(parkings)["metropole_points_view"]
    page = requests.get(
        f"{portal['url']}/dataset/{parkings['package_id']}/resource/{parkings['id']}/view/{view['id']}",
        timeout=30,
    ).text
    assert "geojsonpreview" in page and f"/resource/{parkings['id']}/points.geojson" in page
    assert "127.0.0.1:9/tiles" in html.unescape(page)

    # the chart: places by car park, largest first, drawn on the server
    page = html.unescape(resource_page(portal, parkings, view=_views(parkings)["metropole_chart_view"]))
    assert "nb_places par nom_park" in page
    bars = re.findall(r"<title>([^<]+) : ([^<]+)</title>", page)
    assert bars[:4] == [("JAUDE", "620"), ("DELILLE", "340"), ("REPUBLIQUE", "325"), ("ROYAT THERMES", "120")]


def test_chart_by_year_and_chosen_columns(portal):
    rows = "Année;Dépenses (€);Recettes (€)\n2021;1 250,5;900\n2023;1 410;1 000\n2022;1 300;950\n"
    budget = upload(portal, "budget.csv", rows.encode(), "CSV")
    run_jobs(portal)
    view = _views(budget)["metropole_chart_view"]
    page = html.unescape(resource_page(portal, budget, view=view))
    # time goes left to right (here top to bottom), French numbers read as numbers
    assert re.findall(r"<title>([^<]+) : ([^<]+)</title>", page) == [
        ("2021", "1\u202f250,5"),
        ("2022", "1\u202f300"),
        ("2023", "1\u202f410"),
    ]
    # an editor picks another column in the view's settings
    api(
        portal,
        "resource_view_update",
        id=view["id"],
        resource_id=budget["id"],
        title=view["title"],
        view_type="metropole_chart_view",
        value_field="Recettes (€)",
    )
    page = html.unescape(resource_page(portal, budget, view=view))
    assert ("2023", "1\u202f000") in re.findall(r"<title>([^<]+) : ([^<]+)</title>", page)


def test_records_api_block_and_agent_upsert_shown_by_the_table(portal):
    parkings = upload(portal, "parkings.csv", (FIXTURES / "parkings.csv").read_bytes(), "CSV")
    # the "parking availability every 5 minutes" case: a table the agent feeds through the API
    live = api(
        portal,
        "datastore_create",
        resource={
            "package_id": portal["dataset"]["id"],
            "name": "Places libres en temps réel",
            "format": "CSV",
        },
        fields=[
            {"id": "id_park", "type": "text"},
            {"id": "places_libres", "type": "int"},
            {"id": "mise_a_jour", "type": "timestamp"},
        ],
        primary_key=["id_park"],
        records=[{"id_park": "63113-P-001", "places_libres": 12, "mise_a_jour": "2026-05-04T08:00:00"}],
    )
    run_jobs(portal)
    rid = live["resource_id"]
    for free, when in ((40, "2026-05-04T08:05:00"), (38, "2026-05-04T08:10:00")):
        api(
            portal,
            "datastore_upsert",
            resource_id=rid,
            method="upsert",
            force=True,
            records=[
                {"id_park": "63113-P-001", "places_libres": free, "mise_a_jour": when},
                {"id_park": "63113-P-002", "places_libres": free + 100, "mise_a_jour": when},
            ],
        )
    rows = helpers.call_action("datastore_search", resource_id=rid, sort="id_park")["records"]
    assert [(r["id_park"], r["places_libres"]) for r in rows] == [("63113-P-001", 38), ("63113-P-002", 138)]

    # a visitor cannot write
    anonymous = requests.post(
        f"{portal['url']}/api/3/action/datastore_upsert",
        timeout=30,
        json={
            "resource_id": rid,
            "method": "upsert",
            "force": True,
            "records": [{"id_park": "63113-P-001", "places_libres": 0}],
        },
    )
    assert anonymous.status_code == 403

    # the table view shows the upserted rows (its own endpoint, as its JavaScript calls it)
    resource = helpers.call_action("resource_show", id=rid)
    view = _views(resource)["datatables_view"]
    session = requests.Session()
    page = session.get(f"{portal['url']}/dataset/{resource['package_id']}/resource/{rid}", timeout=30).text
    csrf = re.search(r'<meta name="_csrf_token" content="([^"]+)"', page)[1]
    table = session.post(
        f"{portal['url']}/datatables/ajax/{view['id']}",
        headers={"X-CSRFToken": csrf},
        timeout=30,
        data={
            "draw": "1",
            "search[value]": "",
            "start": "0",
            "length": "10",
            "order[0][column]": "1",
            "order[0][dir]": "asc",
        },
    ).json()
    assert table["recordsTotal"] == 2
    assert [(row["id_park"], row["places_libres"]) for row in table["data"]] == [
        ("63113-P-001", "38"),
        ("63113-P-002", "138"),
    ]

    # "Utiliser l'API": French, this resource's calls, copyable, and they answer
    raw = resource_page(portal, parkings)
    page = html.unescape(raw)
    assert "Utiliser l’API" in page and "Copier" in page
    search_url = html.unescape(
        re.search(r'value="([^"]*datastore_search\?resource_id=' + parkings["id"] + r'[^"]*)"', raw)[1]
    )
    answer = requests.get(search_url, timeout=30).json()
    assert search_url.startswith(portal["url"]) and answer["success"] and answer["result"]["total"] == 4
    sql_url = html.unescape(re.search(r'value="([^"]*datastore_search_sql\?sql=[^"]*)"', raw)[1])
    answer = requests.get(sql_url, timeout=30).json()
    assert answer.get("success") is True and isinstance(answer["result"], dict), (sql_url, answer)
    assert len(answer["result"]["records"]) == 4
    assert "datastore_upsert" in page and parkings["id"] in page
