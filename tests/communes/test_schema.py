"""The organisation schema through the Action API: French errors, derived obligation."""

from __future__ import annotations

import ckan.plugins.toolkit as tk
import pytest
from ckan.tests import factories, helpers


def _errors(**data):
    with pytest.raises(tk.ValidationError) as e:
        helpers.call_action("organization_create", context={"user": factories.Sysadmin()["name"]}, **data)
    return e.value.error_dict


@pytest.fixture
def metropole():
    return helpers.call_action(
        "organization_create",
        context={"user": factories.Sysadmin()["name"]},
        name="clermont-auvergne-metropole",
        title="Clermont Auvergne Métropole",
        kind="metropole",
        siren="246300701",
        population=302259,
    )


@pytest.mark.usefixtures("clean_db", "with_plugins", "with_request_context")  # French from the catalogue
class TestOrganisationSchema:
    def test_commune_round_trips_with_typed_fields(self, metropole):
        sysadmin = factories.Sysadmin()
        org = helpers.call_action(
            "organization_create",
            context={"user": sysadmin["name"]},
            name="clermont-ferrand",
            title="Clermont-Ferrand",
            kind="commune",
            insee_code="63113",
            siren="216 301 135",
            population="146351",
            postal_codes=["63000", "63100", "63000"],
            member_of=metropole["name"],
            website="https://clermont-ferrand.fr",
            email="opendata@ville-clermont.fr",
            open_data_obligation=False,
        )
        shown = helpers.call_action("organization_show", id=org["id"])
        assert shown["kind"] == "commune"
        assert shown["insee_code"] == "63113"
        assert shown["siren"] == "216301135"
        assert shown["population"] == 146351
        assert shown["postal_codes"] == ["63000", "63100"]
        assert shown["member_of"] == "clermont-auvergne-metropole"
        # derived from the population, whatever was sent
        assert shown["open_data_obligation"] is True
        helpers.call_action(
            "organization_patch",
            context={"user": sysadmin["name"]},
            id=org["id"],
            population=2000,
            insee_code="63113",
        )
        assert helpers.call_action("organization_show", id=org["id"])["open_data_obligation"] is False

    @pytest.mark.parametrize(
        ("data", "field", "message"),
        [
            ({"insee_code": "99999"}, "insee_code", "aucune commune du référentiel"),
            ({"insee_code": "6311"}, "insee_code", "5 caractères attendus"),
            ({"insee_code": ""}, "insee_code", "obligatoire pour une commune"),
            ({"siren": "216301136"}, "siren", "clé de contrôle"),
            ({"siren": "12345"}, "siren", "9 chiffres attendus"),
            ({"population": "beaucoup"}, "population", "entier attendu"),
            ({"population": "-3"}, "population", "négative"),
            ({"population": 10**30}, "population", "plausible"),
            ({"postal_codes": ["6300"]}, "postal_codes", "code postal"),
            ({"member_of": "nulle-part"}, "member_of", "n'existe pas"),
            # CKAN's and scheming's own messages, in French from the catalogues
            ({"email": "pas-un-courriel"}, "email", "Le courriel pas-un-courriel n'est pas au bon format"),
            ({"kind": "village"}, "kind", "La valeur doit être l'une de : metropole, commune, partner"),
        ],
    )
    def test_bad_input_is_refused_on_the_field_and_nothing_saved(self, data, field, message):
        base = {"name": "commune-test", "title": "Commune test", "kind": "commune", "insee_code": "63113"}
        errors = _errors(**{**base, **data})
        assert field in errors
        assert message in " ".join(errors[field])
        assert helpers.call_action("organization_list") == []

    def test_insee_only_for_communes_and_unique(self, metropole):
        errors = _errors(name="partenaire", title="SMTC", kind="partner", insee_code="63113")
        assert "Seule une commune" in errors["insee_code"][0]
        helpers.call_action(
            "organization_create",
            context={"user": factories.Sysadmin()["name"]},
            name="clermont-ferrand",
            title="Clermont-Ferrand",
            kind="commune",
            insee_code="63113",
        )
        errors = _errors(name="doublon", title="Doublon", kind="commune", insee_code="63113")
        assert "déjà celui de l'organisation « clermont-ferrand »" in errors["insee_code"][0]

    def test_member_of_must_be_a_metropole(self, metropole):
        helpers.call_action(
            "organization_create",
            context={"user": factories.Sysadmin()["name"]},
            name="aubiere",
            title="Aubière",
            kind="commune",
            insee_code="63014",
        )
        errors = _errors(
            name="cebazat", title="Cébazat", kind="commune", insee_code="63063", member_of="aubiere"
        )
        assert "n'est pas une métropole" in errors["member_of"][0]

    def test_former_commune_code_names_its_successor(self, ref):
        former, current = next(iter(ref.former.items()))
        errors = _errors(name="ancienne", title="Ancienne", kind="commune", insee_code=former)
        assert ref.communes[current].name in errors["insee_code"][0]


@pytest.mark.usefixtures("clean_db", "with_plugins")
def test_api_answers_409_with_french_message(app):
    sysadmin = factories.SysadminWithToken()
    response = app.post(
        "/api/3/action/organization_create",
        json={
            "name": "x-commune",
            "title": "X",
            "kind": "commune",
            "insee_code": "00000",
            "email": "pas-un-courriel",
        },
        headers={"Authorization": sysadmin["token"]},
        status=409,
    )
    error = response.json["error"]
    assert "aucune commune du référentiel" in error["insee_code"][0]
    # CKAN's own message, in the portal's language too
    assert "n'est pas au bon format" in error["email"][0]
