"""In a real browser (Debian's chromium, Playwright) with a real worker: a CSV uploaded by
an agent through the French form becomes a table and a chart; a GeoJSON becomes a map; a
reuse appears on its dataset's page. axe-core audits the pages; screenshots in test-artifacts/."""

from __future__ import annotations

import base64

from ckan.tests import helpers

from ..conftest import ARTIFACTS, needs_browser, serious_axe_violations
from .conftest import FIXTURES, run_jobs, upload

# a 1×1 transparent PNG answers the map's tile requests: no tile server is reached
BLANK_TILE = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII="
)

pytestmark = needs_browser


def _page(browser):
    page = browser.new_page(locale="fr-FR", viewport={"width": 1280, "height": 900})
    page.route(
        "**/tiles/**", lambda route: route.fulfill(status=200, content_type="image/png", body=BLANK_TILE)
    )
    return page


def _shot(page, name):
    page.screenshot(path=str(ARTIFACTS / f"previews-{name}.png"), full_page=True)


def test_csv_upload_becomes_a_table_and_a_chart_geojson_a_map_and_a_reuse_shows(portal, browser):
    url = portal["url"]
    page = _page(browser)
    page.goto(url + "/user/login")
    page.fill("#field-login", "agent-royat")
    page.fill("#field-password", "Motdepasse-2024!")
    page.click("form.form-horizontal button[type=submit], form button.btn-primary")
    page.wait_for_load_state()

    # the agent uploads the CSV through the resource form
    page.goto(f"{url}/dataset/{portal['dataset']['name']}/resource/new")
    page.set_input_files("#field-resource-upload", str(FIXTURES / "parkings.csv"))
    page.fill("#field-name", "Parkings (CSV)")
    page.click("button[name=save][value=go-metadata], button[name=save]")
    page.wait_for_load_state()
    geojson = upload(portal, "toilettes.geojson", (FIXTURES / "toilettes.geojson").read_bytes(), "GeoJSON")
    run_jobs(portal)
    resource = next(
        r
        for r in helpers.call_action("package_show", id=portal["dataset"]["id"])["resources"]
        if r["name"] == "Parkings (CSV)"
    )
    assert resource["datastore_active"]

    # a visitor sees the table (DataTables reads the DataStore), then the chart
    visitor = _page(browser)
    visitor.goto(f"{url}/dataset/{portal['dataset']['name']}/resource/{resource['id']}")
    frame = visitor.frame_locator("iframe").first
    frame.locator("text=JAUDE").first.wait_for(timeout=30000)
    assert frame.locator("text=ROYAT THERMES").first.is_visible()
    assert visitor.locator("text=Utiliser l’API").is_visible()
    _shot(visitor, "01-table")
    assert serious_axe_violations(visitor) == []
    visitor.click("a.view-item-metropole_chart_view, a:has-text('Graphique')")
    visitor.wait_for_load_state()
    bars = visitor.locator("svg.metropole-chart-svg rect")
    assert bars.count() == 4
    assert visitor.locator("svg.metropole-chart-svg text", has_text="JAUDE").is_visible()
    _shot(visitor, "02-chart")
    assert serious_axe_violations(visitor) == []

    # the GeoJSON on Leaflet's map, markers for its two points
    visitor.goto(f"{url}/dataset/{portal['dataset']['name']}/resource/{geojson['id']}")
    map_frame = visitor.frame_locator("iframe").first
    map_frame.locator(".leaflet-marker-icon").first.wait_for(timeout=30000)
    assert map_frame.locator(".leaflet-marker-icon").count() == 2
    _shot(visitor, "03-geojson-map")

    # the table's points on the map too
    visitor.goto(f"{url}/dataset/{portal['dataset']['name']}/resource/{resource['id']}")
    visitor.click("a.view-item-metropole_points_view, a:has-text('Carte')")
    visitor.wait_for_load_state()
    points_frame = visitor.frame_locator("iframe").first
    points_frame.locator(".leaflet-marker-icon").first.wait_for(timeout=30000)
    assert points_frame.locator(".leaflet-marker-icon").count() == 4
    _shot(visitor, "04-table-map")

    # a published reuse on its dataset's page
    sysadmin = {"user": "xloader-bot", "ignore_auth": True}
    orgs = helpers.call_action("organization_list", all_fields=True, include_extras=True)
    assert any(o.get("kind") == "metropole" for o in orgs)
    reuse = helpers.call_action(
        "metropole_reuse_submit",
        context=sysadmin,
        title="Carte des parkings",
        notes="Les places libres sur une carte.",
        url="https://exemple.fr/carte",
        reuse_type="visualization",
        datasets=portal["dataset"]["name"],
    )
    helpers.call_action("metropole_reuse_publish", context=sysadmin, id=reuse["id"])
    visitor.goto(f"{url}/dataset/{portal['dataset']['name']}")
    section = visitor.locator("section.metropole-dataset-reuses")
    assert section.locator("text=Carte des parkings").is_visible()
    assert section.locator("text=Visualisation").is_visible()
    _shot(visitor, "05-reuse-on-dataset")
    assert serious_axe_violations(visitor) == []
