"""A commune agent publishes through the French web form (dataset, then resource)."""

from __future__ import annotations

import re
from html import unescape

import pytest
from ckan.tests import factories, helpers

pytestmark = pytest.mark.usefixtures("clean_db", "clean_index", "with_plugins", "territory")


def _csrf(html):
    return re.search(r'name="_csrf_token" value="([^"]+)"', html).group(1)


@pytest.fixture
def agent():
    user = factories.UserWithToken()
    helpers.call_action("organization_member_create", id="royat", username=user["name"], role="editor")
    return {"Authorization": user["token"]}


def _form(app, headers):
    html = unescape(app.get("/dataset/new", headers=headers).body)
    return html, _csrf(html)


def test_form_is_french_with_controlled_choices(app, agent):
    html, _ = _form(app, agent)
    assert 'name="_ckan_phase" value="dataset_new_1"' in html  # the two-stage form
    for label in (
        "Titre",
        "Thèmes",
        "Mots-clés",
        "Communes couvertes",
        "Licence",
        "Fréquence de mise à jour",
        "Période couverte — début",
        "Point de contact",
        "Tourisme et patrimoine",
        "Mensuelle",
        "Licence Ouverte / Open Licence version 2.0",
        "Royat (63308)",
    ):
        assert label in html, label
    assert html.index("Licence Ouverte / Open Licence version 2.0") < html.index("Open Database License")
    # #25 item 6: the declared default licence is preselected, the communes are typed to search
    assert re.search(r'<option value="lov2"\s+selected', html)
    assert re.search(r'<select multiple[^>]*id="field-communes"[^>]*data-module="autocomplete"', html, re.S)


@pytest.mark.ckan_config("ckanext.metropole.default_license", "odc-odbl")
def test_the_default_licence_is_the_portals_declared_one(app, agent):
    html, _ = _form(app, agent)
    assert re.search(r'<option value="odc-odbl"\s+selected', html)


def test_missing_theme_is_a_french_error_and_nothing_is_saved(app, agent):
    _, token = _form(app, agent)
    response = app.post(
        "/dataset/new",
        headers=agent,
        data={
            "_csrf_token": token,
            "title": "Bornes à verre",
            "name": "bornes-a-verre",
            "owner_org": "royat",
            "license_id": "lov2",
            "save": "continue",
        },
    )
    body = unescape(response.body)
    assert response.status_code == 200
    assert "Choisissez-en au moins un" in body
    assert 'value="Bornes à verre"' in body
    assert helpers.call_action("package_list") == []


def test_publish_dataset_then_resource(app, agent):
    _, token = _form(app, agent)
    response = app.post(
        "/dataset/new",
        headers=agent,
        follow_redirects=False,
        data={
            "_csrf_token": token,
            "title": "Bornes à verre",
            "name": "bornes-a-verre",
            "owner_org": "royat",
            "notes": "Points d'apport volontaire du verre",
            "theme": ["environnement", "equipements"],
            "tag_string": "verre,recyclage",
            "license_id": "lov2",
            "frequency": "ANNUAL",
            "temporal_start": "2023-01-01",
            "temporal_end": "",
            "contact-0-name": "Services techniques",
            "contact-0-email": "technique@royat.fr",
            "_ckan_phase": "dataset_new_1",
            "save": "continue",
        },
    )
    assert response.status_code == 302
    assert "/dataset/bornes-a-verre/resource/new" in response.headers["Location"]
    draft = helpers.call_action("package_show", id="bornes-a-verre")
    assert draft["state"] == "draft"

    html = unescape(app.get("/dataset/bornes-a-verre/resource/new", headers=agent).body)
    assert "Conforme au schéma" in html and "Délibérations (SCDL)" in html
    response = app.post(
        "/dataset/bornes-a-verre/resource/new",
        headers=agent,
        follow_redirects=False,
        data={
            "_csrf_token": _csrf(html),
            "id": "",
            "url": "https://royat.fr/verre.csv",
            "name": "Bornes (CSV)",
            "format": "csv",
            "conforms_to": "",
            "save": "go-metadata",
        },
    )
    assert response.status_code == 302
    published = helpers.call_action("package_show", id="bornes-a-verre")
    assert published["state"] == "active"
    assert published["theme"] == ["environnement", "equipements"]
    assert published["communes"] == ["63308"]
    assert published["contact"] == [{"name": "Services techniques", "email": "technique@royat.fr"}]
    assert published["resources"][0]["format"] == "CSV"
    assert sorted(g["name"] for g in published["groups"]) == ["environnement", "equipements"]
    page = unescape(app.get("/dataset/bornes-a-verre").body)
    assert "Environnement" in page and "Licence Ouverte" in page
    assert helpers.call_action("package_search", q="verres")["count"] == 1
