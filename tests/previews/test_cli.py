"""``ckan metropole previews demo``: its content read from previews/demo/content.yaml, its
output in the portal's language, loaded once."""

from __future__ import annotations

import pytest
from ckan.cli.cli import ckan
from ckan.tests import helpers

from ..conftest import load_territory


@pytest.mark.usefixtures("clean_db", "clean_index", "with_plugins", "with_extended_cli")
def test_previews_demo_loads_once_and_speaks_french(cli):
    load_territory(epci="246300701")
    first = cli.invoke(ckan, ["metropole", "previews", "demo"])
    assert first.exit_code == 0, first.output
    assert "parkings-clermont-places-libres : tableau, carte et graphique" in first.output
    assert "toilettes-publiques-royat : carte GeoJSON" in first.output
    assert "carte-des-parkings-en-temps-reel : réutilisation publiée" in first.output
    parkings = helpers.call_action("package_show", id="parkings-clermont-places-libres")
    assert parkings["title"] == "Parkings de Clermont-Ferrand : places libres"
    assert parkings["resources"][0]["name"] == "Places libres par parking"
    toilets = helpers.call_action("package_show", id="toilettes-publiques-royat")
    assert toilets["organization"]["name"] == "royat" and toilets["resources"][0]["format"] == "GeoJSON"
    again = cli.invoke(ckan, ["metropole", "previews", "demo"])
    assert again.exit_code == 0, again.output
    assert "tableau" not in again.output and "réutilisation" not in again.output
