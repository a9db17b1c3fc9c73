"""/communes and the commune page: identity, counts and last publication from one search."""

from __future__ import annotations

import re
from html import unescape

import pytest
from ckan.lib import search
from ckan.tests import factories, helpers

from ckanext.metropole.communes import territory as t

from ..conftest import make_dataset
from .conftest import CLERMONT


def _row(html, insee):
    match = re.search(rf'<tr data-insee="{insee}">(.*?)</tr>', html, re.S)
    assert match, insee
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", match.group(1))).strip()


@pytest.fixture
def clermont(load_territory):
    load_territory(t.from_epci(CLERMONT))


@pytest.mark.usefixtures("clean_db", "clean_index", "with_plugins", "clermont")
class TestCommunePages:
    def test_communes_page_lists_every_commune_with_counts_and_obligation(self, app, ref):
        clermont_id = helpers.call_action("organization_show", id="clermont-ferrand")["id"]
        durtol_id = helpers.call_action("organization_show", id="durtol")["id"]
        make_dataset(owner_org=clermont_id, title="Bornes fontaines")
        make_dataset(owner_org=clermont_id, title="Parkings")
        make_dataset(owner_org=durtol_id, title="Délibérations")
        make_dataset(owner_org=durtol_id, title="Brouillon", private=True)

        html = app.get("/communes").body
        assert "Clermont Auvergne Métropole" in html
        assert html.count('<tr data-insee="') == 21
        clermont = _row(html, "63113")
        assert clermont.startswith("Clermont-Ferrand 63113 146")
        assert "Soumise à l'obligation" in clermont
        assert clermont.split("Soumise à l'obligation")[1].split()[0] == "2"
        durtol = _row(html, "63141")
        assert "Non soumise" in durtol
        assert durtol.split("Non soumise")[1].split()[0] == "1"  # the private one is not counted
        aubiere = _row(html, "63014")
        assert aubiere.endswith("0 —")  # no dataset, no last publication
        assert 'href="/organization/clermont-ferrand"' in html

    def test_counts_come_from_one_solr_query(self, monkeypatch):
        make_dataset(owner_org=helpers.call_action("organization_show", id="royat")["id"])
        calls = []
        real = search.make_connection

        def counting(*args, **kwargs):
            conn = real(*args, **kwargs)
            original = conn.search
            conn.search = lambda *a, **k: calls.append(k) or original(*a, **k)
            return conn

        monkeypatch.setattr(search, "make_connection", counting)
        data = helpers.call_action("metropole_territory_show", include_datasets=True)
        assert len(calls) == 1
        counts = {c["name"]: c["datasets"] for c in data[0]["communes"]}
        assert counts["royat"] == 1 and sum(counts.values()) == 1

    def test_last_publication_is_the_latest_dataset_date(self):
        org_id = helpers.call_action("organization_show", id="royat")["id"]
        make_dataset(owner_org=org_id)
        latest = make_dataset(owner_org=org_id)
        royat = next(
            c
            for c in helpers.call_action("metropole_territory_show", include_datasets=True)[0]["communes"]
            if c["name"] == "royat"
        )
        assert royat["datasets"] == 2
        assert royat["last_modified"][:19] == latest["metadata_modified"][:19]

    def test_commune_page_shows_identity_above_datasets(self, app):
        make_dataset(
            owner_org=helpers.call_action("organization_show", id="clermont-ferrand")["id"],
            title="Bornes fontaines",
        )
        html = app.get("/organization/clermont-ferrand").body
        identity = html.index("metropole-identity")
        assert identity < html.index("Bornes fontaines")
        text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html[identity : html.index("Bornes fontaines")]))
        assert "Code INSEE 63113" in text
        assert "SIREN 216301135" in text
        assert "146 351 habitants" in text.replace("\u202f", " ")
        assert "Soumise à l'obligation" in text


def _csrf(html):
    return re.search(r'name="_csrf_token" value="([^"]+)"', html).group(1)


@pytest.mark.usefixtures("clean_db", "with_plugins")
class TestOrganisationForm:
    def test_form_is_french_and_has_no_obligation_input(self, app):
        sysadmin = factories.SysadminWithToken()
        html = unescape(app.get("/organization/new", headers={"Authorization": sysadmin["token"]}).body)
        for label in (
            "Type d'organisation",
            "Code INSEE",
            "SIREN",
            "Population",
            "Codes postaux",
            "Membre de",
            "Courriel de contact",
        ):
            assert label in html
        assert 'name="open_data_obligation"' not in html

    def test_bad_insee_shows_french_error_and_saves_nothing(self, app):
        sysadmin = factories.SysadminWithToken()
        headers = {"Authorization": sysadmin["token"]}
        form = app.get("/organization/new", headers=headers).body
        response = app.post(
            "/organization/new",
            headers=headers,
            data={
                "_csrf_token": _csrf(form),
                "title": "Commune inventée",
                "name": "commune-inventee",
                "kind": "commune",
                "insee_code": "99999",
                "save": "",
            },
        )
        body = unescape(response.body)
        assert response.status_code == 200
        assert "aucune commune du référentiel" in body
        assert 'value="Commune inventée"' in body  # what was typed is kept
        assert helpers.call_action("organization_list") == []


@pytest.mark.usefixtures("clean_db", "with_plugins")
def test_main_navigation_links_to_communes(app):
    html = app.get("/dataset/").body
    assert 'href="/communes"' in html
