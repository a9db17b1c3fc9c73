"""The territory actions through the Action API, as anonymous visitors, commune editors
and sysadmins call them."""

from __future__ import annotations

import pytest
from ckan.tests import factories, helpers

from ...conftest import make_dataset
from ..conftest import CLERMONT

pytestmark = pytest.mark.usefixtures("clean_db", "clean_index", "with_plugins")


def _post(app, action, user=None, status=200, **data):
    headers = {"Authorization": user["token"]} if user else {}
    return app.post(f"/api/3/action/{action}", json=data, headers=headers, status=status).json


@pytest.fixture
def editor():
    """An editor of the commune of Aubière (loaded with the territory)."""
    helpers.call_action("metropole_territory_load", epci=CLERMONT)
    user = factories.UserWithToken()
    helpers.call_action("organization_member_create", id="aubiere", username=user["name"], role="editor")
    return user


class TestTerritoryShow:
    def test_anonymous_reads_the_territory_typed(self, app, editor):
        result = app.get("/api/3/action/metropole_territory_show").json["result"]
        assert [m["name"] for m in result] == ["clermont-auvergne-metropole"]
        metro = result[0]
        assert metro["siren"] == CLERMONT and isinstance(metro["population"], int)
        assert len(metro["communes"]) == 21
        clermont = next(c for c in metro["communes"] if c["insee_code"] == "63113")
        assert clermont["title"] == "Clermont-Ferrand"
        assert isinstance(clermont["population"], int) and clermont["population"] > 100_000
        assert clermont["open_data_obligation"] is True
        assert "63000" in clermont["postal_codes"] and isinstance(clermont["postal_codes"], list)
        assert "datasets" not in clermont  # only asked for

    def test_datasets_per_commune_on_demand(self, app, editor):
        make_dataset(owner_org=helpers.call_action("organization_show", id="royat")["id"])
        result = app.get("/api/3/action/metropole_territory_show", params={"include_datasets": "true"}).json[
            "result"
        ]
        counts = {c["name"]: c["datasets"] for c in result[0]["communes"]}
        assert counts["royat"] == 1 and sum(counts.values()) == 1
        assert result[0]["datasets"] == 0

    def test_unknown_name_is_404_in_french(self, app, editor):
        error = app.get(
            "/api/3/action/metropole_territory_show", params={"name": "nulle-part"}, status=404
        ).json["error"]
        assert "Aucune métropole « nulle-part »" in error["message"]

    def test_empty_portal_is_an_empty_list(self, app):
        assert app.get("/api/3/action/metropole_territory_show").json["result"] == []


class TestTerritoryLoad:
    def test_anonymous_is_refused_and_nothing_written(self, app):
        error = _post(app, "metropole_territory_load", status=403, epci=CLERMONT)["error"]
        assert error["__type"] == "Authorization Error"
        assert helpers.call_action("organization_list") == []

    def test_commune_editor_is_refused_in_french(self, app, editor):
        error = _post(app, "metropole_territory_load", editor, status=403, epci=CLERMONT)["error"]
        assert "administrateur du portail" in error["message"]

    def test_sysadmin_dry_run_writes_nothing(self, app):
        sysadmin = factories.SysadminWithToken()
        result = _post(app, "metropole_territory_load", sysadmin, epci=CLERMONT, dry_run=True)["result"]
        assert result["dry_run"] is True
        assert result["summary"] == {"created": 22, "updated": 0, "unchanged": 0, "reported": 0}
        assert {c["action"] for c in result["changes"]} == {"create"}
        assert helpers.call_action("organization_list") == []

    def test_sysadmin_loads_then_loading_again_changes_nothing(self, app):
        sysadmin = factories.SysadminWithToken()
        first = _post(app, "metropole_territory_load", sysadmin, epci=CLERMONT)["result"]
        assert first["summary"]["created"] == 22
        assert first["territory"] == {
            "name": "clermont-auvergne-metropole",
            "title": "Clermont Auvergne Métropole",
            "source": f"EPCI {CLERMONT}",
            "communes": 21,
        }
        assert len(helpers.call_action("organization_list")) == 22
        again = _post(app, "metropole_territory_load", sysadmin, epci=CLERMONT)["result"]
        assert again["summary"] == {"created": 0, "updated": 0, "unchanged": 22, "reported": 0}

    def test_list_of_codes_as_a_string_or_a_list(self, app):
        sysadmin = factories.SysadminWithToken()
        result = _post(
            app,
            "metropole_territory_load",
            sysadmin,
            communes="69123 69266",
            name="metropole-de-lyon",
            title="Métropole de Lyon",
            siren="200046977",
        )["result"]
        assert result["summary"]["created"] == 3
        result = _post(
            app,
            "metropole_territory_load",
            sysadmin,
            communes=["69123", "69266", "69259"],
            name="metropole-de-lyon",
            title="Métropole de Lyon",
            siren="200046977",
        )["result"]
        assert (result["summary"]["created"], result["summary"]["updated"]) == (1, 1)

    @pytest.mark.parametrize(
        ("data", "message"),
        [
            ({"epci": "999999999"}, "SIREN inconnu : 999999999"),
            ({}, "Donnez soit epci"),
            ({"epci": CLERMONT, "communes": ["63113"]}, "Donnez soit epci"),
            ({"communes": ["631"], "name": "x", "title": "X"}, "Codes INSEE mal formés : 631"),
            ({"communes": ["63113"]}, "demande --name et --title"),
        ],
    )
    def test_bad_input_is_409_in_french_and_writes_nothing(self, app, data, message):
        sysadmin = factories.SysadminWithToken()
        error = _post(app, "metropole_territory_load", sysadmin, status=409, **data)["error"]
        assert message in " ".join(error["territory"])
        assert helpers.call_action("organization_list") == []

    def test_wrong_types_are_409(self, app):
        sysadmin = factories.SysadminWithToken()
        error = _post(app, "metropole_territory_load", sysadmin, status=409, communes=[1, 2])["error"]
        assert "communes" in error
