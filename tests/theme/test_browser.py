"""In a real browser (Debian's chromium, headless, driven by Playwright): a commune editor
publishes through the French form, a visitor finds the dataset, and the key pages pass an
axe-core audit (no serious or critical violation). Screenshots go to test-artifacts/."""

from __future__ import annotations

import pytest
from ckan.tests import factories, helpers

from ..conftest import (
    ARTIFACTS,
    ckan_server,
    free_port,
    ini_text_with,
    load_territory,
    make_dataset,
    needs_browser,
    serious_axe_violations,
)

PASSWORD = "Motdepasse-2024!"

pytestmark = needs_browser


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """CKAN served by its own process on a free port, on the test database and core."""
    url = f"http://127.0.0.1:{free_port()}"
    ini = tmp_path_factory.mktemp("ini") / "browser.ini"
    ini.write_text(ini_text_with(url, **{"ckanext.metropole.home_cache_seconds": "0"}))
    with ckan_server(ini, url, tmp_path_factory.mktemp("log") / "ckan.log"):
        yield url


@pytest.fixture
def portal(clean_db, clean_index, with_plugins):
    load_territory(groups=True, epci="246300701")
    agent = factories.User(name="agent-royat", password=PASSWORD, email="agent@royat.fr")
    helpers.call_action("organization_member_create", id="royat", username=agent["name"], role="editor")
    royat = helpers.call_action("organization_show", id="royat")
    make_dataset(
        owner_org=royat["id"],
        name="piscine-municipale",
        title="Piscine municipale",
        theme=["sports"],
        harvest_portal="Portail de Royat",
        harvest_landing_page="https://royat.fr/piscine",
        resources=[{"url": "https://royat.fr/piscine.csv", "format": "CSV"}],
    )
    return agent


def logged_in(browser, server, name):
    """A French page of the browser, logged in as user ``name`` (password PASSWORD)."""
    page = browser.new_page(locale="fr-FR")
    page.goto(server + "/user/login")
    page.fill("#field-login", name)
    page.fill("#field-password", PASSWORD)
    page.click("form.form-horizontal button[type=submit], form button.btn-primary")
    page.wait_for_load_state()
    return page


def open_dataset_form(page, url):
    """Open a dataset form once CKAN's JavaScript modules are initialised.

    CKAN initialises its modules only after fetching the page's translations (an XHR that can
    end after the ``load`` event on a busy machine): a title typed before that never reaches the
    URL field that ``slug-preview`` fills, and the form is refused for a missing name.
    """
    page.goto(url)
    page.wait_for_selector(".slug-preview", state="attached")


def _shot(page, name):
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def test_editor_publishes_through_the_french_form_and_a_visitor_finds_it(server, browser, portal):
    page = logged_in(browser, server, "agent-royat")

    open_dataset_form(page, server + "/dataset/new")
    page.fill("#field-title", "Bornes à verre")
    page.select_option("#field-organizations", label="Royat", force=True)  # a select2 widget
    page.select_option("#field-license_id", value="lov2", force=True)
    page.click("button[name=save]")
    page.wait_for_load_state()
    error = page.locator(".error-explanation, .alert-error, .error-block").first
    assert "Choisissez-en au moins un" in page.content()
    assert error.is_visible()
    _shot(page, "01-form-error")

    page.check("input[name=theme][value=environnement]")
    page.select_option("#field-private", value="False", force=True)  # CKAN's form defaults to private
    page.fill("#field-notes", "Points d'apport volontaire du verre.")
    page.click("button[name=save]")
    page.wait_for_url("**/resource/new")
    page.click("#resource-link-button")  # "Lien": a URL rather than an upload
    page.fill("#field-resource-url", "https://royat.fr/verre.csv")
    page.fill("#field-name", "Bornes (CSV)")
    _shot(page, "02-resource-form")
    page.click("button[name=save][value=go-metadata]")
    page.wait_for_load_state()
    assert "/dataset/" in page.url
    _shot(page, "03-dataset-published")

    visitor = browser.new_page(locale="fr-FR")
    visitor.goto(server + "/dataset/?q=verres")
    assert visitor.locator("text=Bornes à verre").first.is_visible()
    _shot(visitor, "04-search-verres")
    assert helpers.call_action("package_show", id="bornes-a-verre")["state"] == "active"


# #25: every main page, signed in (a sysadmin: the form and the moderation queue too) and not,
# at three widths: no horizontal scroll, the menu's items on one line each at 1280 px, no
# serious or critical axe-core finding. One page object per visitor, resized between widths.
WIDTHS = (1280, 768, 360)
PAGES = [
    ("home", "/"),
    ("search", "/dataset/?q=piscine"),
    ("dataset", "/dataset/piscine-municipale"),
    ("resource", None),  # the dataset's first resource, found below
    ("commune", "/organization/royat"),
    ("communes", "/communes"),
    ("participation", "/participation"),
    ("common", "/jeux-communs"),
    ("reuses", "/reutilisations/"),
    ("accessibility", "/accessibilite"),
]
SIGNED_IN_PAGES = [("moderation", "/moderation"), ("form", "/dataset/new")]

# the menu's links whose text takes more than one line (padding aside)
WRAPPED_MENU_ITEMS = """[...document.querySelectorAll('.masthead .navbar-nav > li > a')]
    .filter(a => a.offsetParent !== null)
    .filter(a => {
        const s = getComputedStyle(a);
        const padding = parseFloat(s.paddingTop) + parseFloat(s.paddingBottom);
        const inner = a.getBoundingClientRect().height - padding;
        return inner > 1.5 * parseFloat(s.lineHeight);
    }).map(a => a.textContent.trim())"""


def _check_widths(page, name, who):
    """Overflow, axe-core and a screenshot at every width, signed in and not; the menu's items
    at 1280 px."""
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, (name, who, width, overflow)
        if width == 1280:
            assert page.evaluate(WRAPPED_MENU_ITEMS) == [], (name, who)
        serious = serious_axe_violations(page)
        assert serious == [], (name, who, width, serious)
        _shot(page, f"page-{name}-{who}-{width}")


def test_main_pages_fit_every_width_and_pass_axe(server, browser, portal):
    admin = factories.Sysadmin(name="admin-portail", password=PASSWORD, email="admin@metropole.fr")
    helpers.call_action(
        "package_patch",
        {"user": admin["name"]},
        id="piscine-municipale",
        resources=[{"url": "http://127.0.0.1:5000/piscine.geojson", "format": "GeoJSON", "name": "Bassins"}],
    )
    dataset = helpers.call_action("package_show", id="piscine-municipale")
    pages = [
        (n, p or f"/dataset/piscine-municipale/resource/{dataset['resources'][0]['id']}") for n, p in PAGES
    ]
    visitors = {
        "anonyme": browser.new_page(locale="fr-FR"),
        "connecte": logged_in(browser, server, "admin-portail"),
    }
    for who, page in visitors.items():
        for name, path in pages + (SIGNED_IN_PAGES if who == "connecte" else []):
            page.set_viewport_size({"width": 1280, "height": 900})
            response = page.goto(server + path)
            assert response.status == 200, (name, who, response.status)
            assert page.evaluate("document.documentElement.lang") == "fr"
            _check_widths(page, name, who)
