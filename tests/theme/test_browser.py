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


PAGES = [
    ("home", "/"),
    ("search", "/dataset/?q=piscine"),
    ("commune", "/organization/royat"),
    ("participation", "/participation"),
    ("communes", "/communes"),
]


@pytest.mark.parametrize(("name", "path"), PAGES)
def test_key_pages_pass_axe(server, browser, portal, name, path):
    page = browser.new_page(locale="fr-FR")
    page.goto(server + path)
    if name == "search":
        page.click("text=Piscine municipale")
        page.wait_for_load_state()
        name = "dataset"
    assert page.evaluate("document.documentElement.lang") == "fr"
    serious = serious_axe_violations(page)
    _shot(page, f"axe-{name}")
    assert serious == [], serious
