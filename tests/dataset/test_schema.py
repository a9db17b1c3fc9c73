"""The dataset schema through the Action API: round trip, defaults, French errors."""

from __future__ import annotations

import ckan.plugins.toolkit as tk
import pytest
from ckan.tests import factories, helpers

from .conftest import full_dataset

pytestmark = pytest.mark.usefixtures("clean_db", "clean_index", "with_plugins", "territory")


def test_full_dataset_round_trips(create):
    created = create(**full_dataset())
    shown = helpers.call_action("package_show", id=created["id"])
    assert shown["theme"] == ["equipements", "sante"]  # in the vocabulary's order (scheming's preset)
    assert shown["communes"] == ["63113", "63014"]
    assert shown["license_id"] == "lov2"
    assert shown["license_title"] == "Licence Ouverte / Open Licence version 2.0"
    assert shown["frequency"] == "MONTHLY"
    assert (shown["temporal_start"], shown["temporal_end"]) == ("2020-01-01", "2024-12-31")
    assert shown["contact"] == [{"name": "Service SIG", "email": "sig@ville-clermont.fr"}]
    assert sorted(tag["name"] for tag in shown["tags"]) == ["santé", "secours"]
    csv, geojson = shown["resources"]
    assert (csv["format"], csv["conforms_to"]) == ("CSV", "atlasante/schema-dae")
    assert geojson["format"] == "GeoJSON"
    # and a patch keeps everything else
    patched = helpers.call_action(
        "package_patch", context={"user": factories.Sysadmin()["name"]}, id=created["id"], frequency="ANNUAL"
    )
    assert patched["frequency"] == "ANNUAL" and patched["communes"] == ["63113", "63014"]


def test_communes_default_to_the_owner(create):
    commune = create(**full_dataset(name="commune-seule", communes=[]))
    assert commune["communes"] == ["63113"]
    metro = create(
        **full_dataset(name="toute-la-metropole", owner_org="clermont-auvergne-metropole", communes=None)
    )
    assert len(metro["communes"]) == 21 and "63345" in metro["communes"]


def test_licences_are_the_decree_ones_first_with_french_titles():
    licenses = helpers.call_action("license_list")
    assert [lic["id"] for lic in licenses][:2] == ["lov2", "odc-odbl"]
    assert {lic["id"] for lic in licenses} == {
        "lov2",
        "odc-odbl",
        "fr-lo",
        "cc-by",
        "cc-by-sa",
        "cc-zero",
        "odc-by",
        "odc-pddl",
        "other-open",
        "notspecified",
    }
    assert next(lic for lic in licenses if lic["id"] == "notspecified")["title"] == "Licence non spécifiée"


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"theme": ["sport"]}, "theme", "Choix inattendu : « sport »"),
        ({"theme": []}, "theme", "Choisissez-en au moins un"),
        ({"license_id": "cc-by-nc"}, "license_id", "Licence inconnue : « cc-by-nc »"),
        ({"license_id": ""}, "license_id", "Choisissez une licence"),
        ({"frequency": "SOMETIMES"}, "frequency", "Fréquence inconnue : « SOMETIMES »"),
        ({"communes": ["75056"]}, "communes", "hors du territoire du portail : 75056"),
        ({"temporal_start": "2024-01-01", "temporal_end": "2020-01-01"}, "temporal_end", "précède son début"),
        ({"temporal_start": "32/13/2020"}, "temporal_start", "n'est pas une date"),
        (
            {"contact": [{"name": "SIG", "email": "pas-un-courriel"}]},
            "contact",
            "pas-un-courriel n'est pas au bon format",
        ),
        ({"notes": "x" * 5_000_000}, "notes", "trop longue"),
        (
            {"resources": [{"url": "http://example.org/a.csv", "conforms_to": "n'importe quoi"}]},
            "resources",
            "ni un schéma",
        ),
    ],
)
@pytest.mark.usefixtures("with_request_context")  # messages from the catalogue, in the portal's language
def test_bad_input_is_a_french_error_on_the_field_and_nothing_saved(create, overrides, field, message):
    with pytest.raises(tk.ValidationError) as e:
        create(**full_dataset(**overrides))
    assert message in str(e.value.error_dict[field])
    assert helpers.call_action("package_search", q="*:*")["count"] == 0
    assert helpers.call_action("package_list") == []


def test_api_answers_409_never_500_for_a_5_mb_description(app):
    user = factories.SysadminWithToken()
    response = app.post(
        "/api/3/action/package_create",
        json=full_dataset(notes="é" * 5_000_000),
        headers={"Authorization": user["token"]},
        status=409,
    )
    assert "trop longue" in response.json["error"]["notes"][0]
    assert helpers.call_action("package_list") == []


@pytest.mark.ckan_config("ckanext.metropole.limits.description_chars", "2000")
@pytest.mark.usefixtures("with_request_context")
def test_the_description_limit_is_the_operators_setting(create):
    """The schema's validator reads the declared limit (metropole_security), not a constant."""
    assert create(**full_dataset(notes="é" * 2_000))["notes"] == "é" * 2_000
    with pytest.raises(tk.ValidationError) as e:
        create(**full_dataset(name="trop-long", notes="é" * 2_001))
    assert "2\u202f000" in " ".join(e.value.error_dict["notes"])  # the maximum, as configured


def test_french_dates_are_accepted_and_stored_iso(create):
    created = create(**full_dataset(temporal_start="01/02/2021", temporal_end="31/12/2021"))
    assert (created["temporal_start"], created["temporal_end"]) == ("2021-02-01", "2021-12-31")
