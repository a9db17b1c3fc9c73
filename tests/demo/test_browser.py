"""The branded demo home page in a real browser (Debian's chromium driven by Playwright):
Clermont Auvergne Métropole's name, wordmark and colours from the development identity keys,
the demo content counted, French and English, no serious axe-core violation. Screenshots go to
test-artifacts/screenshots/."""
from __future__ import annotations

import re

import pytest

from ckan.tests import helpers

from ckanext.metropole.demo import loader

from ..conftest import ARTIFACTS, ROOT, ckan_server, free_port, ini_text_with, needs_browser, serious_axe_violations, load_territory
from .test_loader import small_demo  # noqa: F401  (fixture: three demo datasets and the harvest source)

pytestmark = needs_browser


def _identity() -> dict[str, str]:
    """The demo identity, read from the development configuration template (what `make run` serves)."""
    template = (ROOT / "config" / "development.ini.template").read_text(encoding="utf-8")
    keys = ("ckanext.metropole.name", "ckanext.metropole.logo", "ckanext.metropole.primary_color",
            "ckanext.metropole.secondary_color", "extra_public_paths")
    found = {k: re.search(rf"^{re.escape(k)} = (.+)$", template, re.M).group(1).strip() for k in keys}
    found["extra_public_paths"] = found["extra_public_paths"].replace("@ROOT@", str(ROOT))
    return found


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    url = f"http://127.0.0.1:{free_port()}"
    ini = tmp_path_factory.mktemp("ini") / "demo.ini"
    ini.write_text(ini_text_with(url, **_identity(), **{"ckanext.metropole.home_cache_seconds": "0"}))
    with ckan_server(ini, url, tmp_path_factory.mktemp("log") / "ckan.log"):
        yield url


@pytest.mark.usefixtures("clean_db", "clean_index", "with_plugins")
def test_branded_demo_home_page(server, browser, small_demo):  # noqa: F811
    load_territory(groups=True, epci="246300701")
    loader.load(small_demo)
    identity = _identity()

    page = browser.new_page(locale="fr-FR", viewport={"width": 1280, "height": 900})
    response = page.goto(server + "/")
    assert response.status == 200
    assert identity["ckanext.metropole.name"] in page.title()
    logo = page.locator(f"header img[src$='{identity['ckanext.metropole.logo']}']")
    assert logo.count() == 1
    assert page.evaluate("(img) => img.naturalWidth > 0", logo.element_handle())  # the wordmark is served
    primary = page.evaluate("getComputedStyle(document.documentElement).getPropertyValue('--metropole-primary')")
    assert primary.strip().upper() == identity["ckanext.metropole.primary_color"].upper()
    text = page.inner_text("#content")
    assert "21" in text and "Clermont-Ferrand" in text
    # 3 demo datasets + 6 harvested from Chamalières' Opendatasoft-shaped portal
    assert re.search(r"\b9\s+jeux de données", text), text[:500]
    page.screenshot(path=str(ARTIFACTS / "demo-home-fr.png"), full_page=True)
    assert serious_axe_violations(page) == []

    page.goto(server + "/en/")
    assert "The open data of the" in page.inner_text("#content")
    page.screenshot(path=str(ARTIFACTS / "demo-home-en.png"), full_page=True)
    assert serious_axe_violations(page) == []
