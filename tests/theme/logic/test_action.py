"""metropole_participation_show through the Action API: public figures of /participation."""

from __future__ import annotations

import pytest
from ckan.tests import factories, helpers

from ...conftest import load_territory, make_dataset

pytestmark = pytest.mark.usefixtures("clean_db", "clean_index", "with_plugins")


def test_anonymous_reads_the_participation_figures(app):
    load_territory(epci="246300701")
    make_dataset(owner_org=helpers.call_action("organization_show", id="clermont-ferrand")["id"])
    make_dataset(owner_org=helpers.call_action("organization_show", id="royat")["id"], private=True)
    result = app.get("/api/3/action/metropole_participation_show").json["result"]
    assert result["open_data_threshold"] == 3500
    by_code = {c["insee_code"]: c for c in result["communes"]}
    assert len(by_code) == 21
    assert by_code["63113"]["datasets"] == 1 and by_code["63113"]["missing"] is False
    assert by_code["63113"]["territory"] == "Clermont Auvergne Métropole"
    royat = by_code["63308"]  # a private dataset does not count
    assert royat["datasets"] == 0
    assert royat["missing"] is royat["open_data_obligation"]
    obliged = sum(1 for c in result["communes"] if c["open_data_obligation"])
    assert result["totals"] == {
        "communes": 21,
        "obliged": obliged,
        "contributing": 1,
        "missing": obliged - 1,
        "waiting": None,
        "hvd": 0,  # no dataset marked high-value (tests/dataset/test_hvd.py counts them)
        "hvd_lacking": 0,
    }
    assert result["review"] is False  # test.ini: publication review off


def test_commune_editor_reads_the_same_figures(app):
    load_territory(epci="246300701")
    user = factories.UserWithToken()
    helpers.call_action("organization_member_create", id="royat", username=user["name"], role="editor")
    anonymous = app.get("/api/3/action/metropole_participation_show").json["result"]
    editor = app.get(
        "/api/3/action/metropole_participation_show", headers={"Authorization": user["token"]}
    ).json["result"]
    assert editor == anonymous
