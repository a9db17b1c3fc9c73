"""Reference fields (kind, insee_code, siren, population, postal_codes, member_of) come from
the official data: only the territory load (and sysadmins, the operators correcting it)
change them; an organisation's admin gets a French refusal on the field, through the API
and the form, and the form shows them read-only. SIREN and INSEE codes stay unique."""

from __future__ import annotations

import json
from html import unescape

import ckan.plugins.toolkit as tk
import pytest
from ckan.tests import factories, helpers

from ckanext.metropole.communes import territory as t
from ckanext.metropole.communes.logic.action import TERRITORY_LOAD

from ..security.conftest import browser, user_with_password  # noqa: F401 (fixture)
from .conftest import CLERMONT

REFUSED = "vient du référentiel officiel"
FIELDS = ["kind", "insee_code", "siren", "population", "postal_codes", "member_of"]


@pytest.fixture
def world(load_territory):
    load_territory(t.from_epci(CLERMONT))
    helpers.call_action(
        "organization_create",
        context={"user": factories.Sysadmin()["name"]},
        name="autre-metropole",
        title="Autre métropole",
        kind="metropole",
    )
    admin = user_with_password()
    helpers.call_action("organization_member_create", id="aubiere", username=admin["name"], role="admin")
    return {
        "admin": admin,
        "token": factories.APIToken(user=admin["name"])["token"],
        "aubiere": helpers.call_action("organization_show", id="aubiere"),
        "durtol": helpers.call_action("organization_show", id="durtol"),
    }


def _changes(w) -> dict:
    other = w["durtol"]
    return {
        "kind": "partner",
        "insee_code": other["insee_code"],
        "siren": other["siren"],
        "population": 12,
        "postal_codes": ["75001"],
        "member_of": "autre-metropole",
    }


def _reference(org: dict) -> dict:
    return {k: org[k] for k in FIELDS}


@pytest.mark.usefixtures("clean_db", "clean_index", "with_plugins")
class TestOrganisationAdmin:
    def test_the_api_refuses_each_reference_field_in_french_and_keeps_it(self, app, world):
        before = _reference(world["aubiere"])
        wrong = []
        for action in ("organization_patch", "organization_update"):
            for field, value in _changes(world).items():
                data = {"id": "aubiere", field: value}
                if action == "organization_update":
                    data.update(name="aubiere", title="Aubière")
                response = app.post(
                    f"/api/3/action/{action}", json=data, headers={"Authorization": world["token"]}
                )
                if response.status_code != 409 or REFUSED not in " ".join(
                    response.json["error"].get(field, [])
                ):
                    wrong.append((action, field, response.status_code, response.body[:300]))
        assert wrong == []
        assert _reference(helpers.call_action("organization_show", id="aubiere")) == before

    def test_unchanged_or_left_out_reference_values_let_the_admin_edit_the_rest(self, app, world):
        before = _reference(world["aubiere"])
        same = {
            **before,
            "population": str(before["population"]),
            "postal_codes": " ".join(before["postal_codes"]),
        }
        for data in (
            {"id": "aubiere", "description": "Notre commune", **same},
            {"id": "aubiere", "name": "aubiere", "title": "Aubière", "description": "Sans les champs"},
        ):
            action = "organization_update" if "name" in data else "organization_patch"
            response = app.post(
                f"/api/3/action/{action}", json=data, headers={"Authorization": world["token"]}
            )
            assert response.status_code == 200, response.body[:500]
        shown = helpers.call_action("organization_show", id="aubiere")
        assert shown["description"] == "Sans les champs"
        assert _reference(shown) == before

    def test_the_form_shows_them_read_only_and_refuses_a_change(self, app, world, browser):
        client = browser(world["admin"])
        page = unescape(client.get("/organization/edit/aubiere").body)
        for field in FIELDS:
            tag = page[page.index(f'id="field-{field}"') - 300 : page.index(f'id="field-{field}"') + 300]
            assert "readonly" in tag, field
        assert "seul le chargement du territoire la modifie" in page
        form = {
            "name": "aubiere",
            "title": "Aubière",
            "description": "Édité par la commune",
            **{
                k: (" ".join(v) if isinstance(v, list) else str(v))
                for k, v in _reference(world["aubiere"]).items()
            },
        }
        url = "/organization/edit/aubiere"
        response = client.post(url, data={**form, "population": "12", "_csrf_token": client.csrf(url)})
        assert REFUSED in unescape(response.body)
        assert (
            helpers.call_action("organization_show", id="aubiere")["population"]
            == world["aubiere"]["population"]
        )
        response = client.post(url, data={**form, "_csrf_token": client.csrf(url)}, follow_redirects=False)
        assert response.status_code == 302, unescape(response.body)[:2000]
        shown = helpers.call_action("organization_show", id="aubiere")
        assert shown["description"] == "Édité par la commune"
        assert _reference(shown) == _reference(world["aubiere"])


@pytest.mark.usefixtures("clean_db", "clean_index", "with_plugins")
class TestWhoMayWriteThem:
    def test_a_sysadmin_corrects_them_and_the_next_load_restores_the_reference(self, app, world):
        token = factories.APIToken(user=factories.Sysadmin()["name"])["token"]
        response = app.post(
            "/api/3/action/organization_patch",
            json={"id": "aubiere", "population": 12},
            headers={"Authorization": token},
        )
        assert response.status_code == 200, response.body[:300]
        assert helpers.call_action("organization_show", id="aubiere")["population"] == 12
        helpers.call_action("metropole_territory_load", epci=CLERMONT)
        assert (
            helpers.call_action("organization_show", id="aubiere")["population"]
            == world["aubiere"]["population"]
        )

    def test_the_territory_load_flag_lets_a_write_through_for_its_caller(self, world):
        context = {"user": world["admin"]["name"], "ignore_auth": False}
        with pytest.raises(tk.ValidationError):
            tk.get_action("organization_patch")(dict(context), {"id": "aubiere", "population": 13})
        tk.get_action("organization_patch")(
            {**context, TERRITORY_LOAD: True}, {"id": "aubiere", "population": 13}
        )
        assert helpers.call_action("organization_show", id="aubiere")["population"] == 13

    @pytest.mark.parametrize("field", ["siren", "insee_code"])
    def test_siren_and_insee_codes_are_unique(self, app, world, field):
        token = factories.APIToken(user=factories.Sysadmin()["name"])["token"]
        taken = world["durtol"][field]
        response = app.post(
            "/api/3/action/organization_patch",
            json={"id": "aubiere", field: taken},
            headers={"Authorization": token},
        )
        assert response.status_code == 409
        assert "déjà celui de l'organisation « durtol »" in json.dumps(
            response.json["error"], ensure_ascii=False
        )
        assert helpers.call_action("organization_show", id="aubiere")[field] == world["aubiere"][field]
