"""Home, dataset and participation pages, in French, and the Solr cost of the home page."""

from __future__ import annotations

import csv
import io
import json
import re
from html import unescape

import pysolr
import pytest
from ckan.tests import factories, helpers

from ..conftest import load_territory, make_dataset


def _text(html):
    html = re.sub(r"(?s)<(script|style).*?</\1>", "", html)
    return unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)))


@pytest.fixture
def clermont(clean_db, clean_index, with_plugins):
    load_territory(groups=True, epci="246300701")
    org = lambda name: helpers.call_action("organization_show", id=name)["id"]  # noqa: E731
    make_dataset(owner_org=org("royat"), title="Piscine municipale", theme=["sports"])
    make_dataset(owner_org=org("royat"), title="Délibérations", theme=["administration"])
    make_dataset(owner_org=org("clermont-ferrand"), title="Défibrillateurs", theme=["sante", "equipements"])


@pytest.fixture
def solr_requests(monkeypatch):
    calls = []
    real = pysolr.Solr._send_request

    def counting(self, method, path="", *args, **kwargs):
        calls.append(path)
        return real(self, method, path, *args, **kwargs)

    monkeypatch.setattr(pysolr.Solr, "_send_request", counting)
    return calls


@pytest.mark.usefixtures("clermont")
class TestHome:
    def test_home_in_french_with_tiles_communes_latest_and_figures(self, app):
        text = _text(app.get("/").body)
        assert "Rechercher des jeux de données" in text
        assert "Santé 1 jeu de données" in text and "Sports 1 jeu de données" in text
        assert "Transports 0 jeu de données" in text
        assert "Royat 2" in text and "Clermont-Ferrand 1" in text
        assert "2 communes contributrices sur 21" in text
        assert "Mis à jour récemment" in text and "Défibrillateurs" in text
        html = app.get("/").body
        assert '<html lang="fr"' in html
        assert 'href="#content"' in html  # skip link
        # #25 item 3: one menu, short labels; the communes are the portal's organisations
        nav = re.search(r'(?s)<ul class="navbar-nav[^"]*">(.*?)</ul>', html).group(1)
        labels = re.findall(r'<a href="[^"]+">([^<]+)</a>', nav)
        assert labels[:3] == ["Jeux de données", "Communes", "Thèmes"] and labels[-1] == "Participation"
        assert "Organisations" not in labels and "À propos" not in labels
        commune_page = app.get("/organization/royat").body
        assert '<li class="active"><a href="/communes">Communes</a></li>' in commune_page

    @pytest.mark.ckan_config("ckanext.metropole.home_cache_seconds", "0")
    def test_home_costs_a_constant_number_of_solr_queries(self, app, solr_requests, ckan_config, monkeypatch):
        app.get("/")
        with_21 = len([c for c in solr_requests if "select" in c])
        helpers.call_action("metropole_territory_load", epci="200093201")  # + the 95 communes of the MEL
        solr_requests.clear()
        text = _text(app.get("/").body)
        with_116 = len([c for c in solr_requests if "select" in c])
        # #25 item 7: the MEL loaded beside it, the home page still counts the métropole's own
        assert "ses 21 communes membres" in text and "sur 21" in text
        # ours (themes, organisations, latest: one query) + the one CKAN's home view makes
        # + the published reuses of the home page (one query): constant, whatever the territory
        assert with_21 == with_116 <= 3
        # a portal names its own métropole (here by SIREN) when the first loaded is not it
        monkeypatch.setitem(ckan_config, "ckanext.metropole.territory", "200093201")
        assert "ses 95 communes membres" in _text(app.get("/").body)

    @pytest.mark.ckan_config("ckanext.metropole.home_cache_seconds", "60")
    def test_home_figures_are_cached_briefly(self, app, solr_requests):
        app.get("/")
        assert [c for c in solr_requests if "facet.field=theme" in c]
        solr_requests.clear()
        app.get("/")
        assert [c for c in solr_requests if "facet.field=theme" in c] == []

    @pytest.mark.ckan_config("ckanext.metropole.name", "Clermont Auvergne Métropole Open Data")
    @pytest.mark.ckan_config("ckanext.metropole.primary_color", "#5A1A6B")
    @pytest.mark.ckan_config("ckanext.metropole.legal_notice_url", "https://example.org/mentions")
    def test_rebranding_by_configuration_only(self, app):
        html = app.get("/").body
        assert "Clermont Auvergne Métropole Open Data" in html
        assert "--metropole-primary: #5A1A6B" in html
        assert '<a href="https://example.org/mentions">Mentions légales</a>' in html

    def test_english_stays_available(self, app):
        text = _text(app.get("/en/").body)
        assert "Search the datasets" in text and "Themes" in text


@pytest.mark.usefixtures("clermont")
class TestParticipation:
    def test_obliged_communes_without_data_stand_out(self, app, solr_requests):
        html = app.get("/participation").body
        # whatever the number of communes: one faceted query for the counts, one for the
        # average metadata quality (metropole_quality_show), one for the high-value datasets
        selects = [c for c in solr_requests if "select" in c]
        assert len(selects) == 3 and sum("metropole_quality_org" in c for c in selects) == 1
        assert sum("hvd_category" in c for c in selects) == 1
        royat = re.search(r'<tr data-insee="63308" class="([^"]*)">', html).group(1)
        aubiere = re.search(r'<tr data-insee="63014" class="([^"]*)">', html).group(1)
        durtol = re.search(r'<tr data-insee="63141" class="([^"]*)">', html).group(1)
        assert royat == ""  # publishes
        assert aubiere == "metropole-missing"  # 10 000+ inhabitants, nothing published
        assert durtol == ""  # under 3 500: no obligation
        text = _text(html)
        assert "2 communes publient des données" in text
        # each figure with its own plural (French: singular for 0 and 1)
        missing = len(re.findall(r'<tr data-insee="\d+" class="metropole-missing">', html))
        verb = "n'a" if missing <= 1 else "n'ont"
        assert f"{missing} d'entre elles {verb} encore rien publié." in text
        assert "<svg" in html and "Jeux de données publiés par commune" in text

    def test_csv_download(self, app):
        response = app.get("/participation.csv")
        assert response.headers["Content-Type"].startswith("text/csv")
        rows = list(csv.DictReader(io.StringIO(response.body.lstrip("\ufeff")), delimiter=";"))
        assert len(rows) == 21
        royat = next(r for r in rows if r["code_insee"] == "63308")
        assert royat["jeux_de_donnees"] == "2" and royat["obligation_ouverture"] == "oui"
        assert royat["derniere_publication"]

    def test_csv_cells_never_start_a_formula(self, app):
        admin = {"user": factories.Sysadmin()["name"]}
        helpers.call_action(
            "organization_patch",
            context=dict(admin),
            id="aubiere",
            title='=HYPERLINK("http://x.example","clic")',
        )
        helpers.call_action("organization_patch", context=dict(admin), id="royat", title="@SUM(A1)")
        rows = list(
            csv.DictReader(io.StringIO(app.get("/participation.csv").body.lstrip("\ufeff")), delimiter=";")
        )
        titles = {r["code_insee"]: r["commune"] for r in rows}
        assert titles["63014"] == '\'=HYPERLINK("http://x.example","clic")'
        assert titles["63308"] == "'@SUM(A1)"
        assert not any(v.startswith(("=", "+", "-", "@")) for r in rows for v in r.values())


@pytest.mark.usefixtures("clermont")
def test_dataset_page_shows_communes_themes_licence_provenance_and_dcat(app):
    dataset = make_dataset(
        owner_org=helpers.call_action("organization_show", id="aubiere")["id"],
        title="Marchés",
        theme=["economie"],
        communes=["63014", "63308"],
        harvest_portal="Portail d'Aubière",
        harvest_landing_page="https://aubiere.fr/marches",
        # on the portal's own domain: the GeoJSON map view needs no proxy
        resources=[{"url": "http://127.0.0.1:5000/marches.geojson", "format": "GeoJSON", "name": "Marchés"}],
    )
    html = app.get(f"/dataset/{dataset['name']}").body
    text = _text(html)
    # #25 item 5: the empty fields have no row; the communes are drawn as contours (a feature
    # each, not their box); the first resource's view is embedded, titled
    extra = re.search(r'(?s)<section class="additional-info">.*?</section>', html).group(0)
    assert "Fréquence de mise à jour" not in extra and "Période couverte" not in extra
    assert "Point de contact" not in extra and "Communes couvertes" in extra
    extent = json.loads(unescape(re.search(r'data-extent="([^"]+)"', html).group(1)))
    assert extent["type"] == "FeatureCollection" and len(extent["features"]) == 2
    assert all(f["geometry"]["type"] in ("Polygon", "MultiPolygon") for f in extent["features"])
    view = helpers.call_action("resource_view_list", id=dataset["resources"][0]["id"])[0]
    assert re.search(rf'<iframe src="[^"]*/view/{view["id"]}" title="Aperçu de Marchés"', html)
    assert "Aperçu des données : Marchés" in text
    assert "Communes couvertes Aubière (63014), Royat (63308)" in text
    assert "Économie" in text
    assert 'href="https://www.etalab.gouv.fr/licence-ouverte-open-licence" rel="license"' in html
    assert "Moissonné depuis Portail d'Aubière — voir la source" in text
    assert 'href="https://aubiere.fr/marches"' in html
    assert f'href="/dataset/{dataset["name"]}.ttl"' in html
    assert "dataset-map-section" in html  # no extent given: the communes' (communes/test_geometry.py)


@pytest.mark.usefixtures("clermont")
def test_dataset_page_shows_the_spatial_extent_map_when_present(app):
    extent = (
        '{"type": "Polygon", "coordinates": '
        "[[[3.0, 45.7], [3.2, 45.7], [3.2, 45.8], [3.0, 45.8], [3.0, 45.7]]]}"
    )
    dataset = make_dataset(
        owner_org=helpers.call_action("organization_show", id="royat")["id"], spatial=extent
    )
    html = app.get(f"/dataset/{dataset['name']}").body
    assert "dataset-map-section" in html and "45.7" in html
    assert "Étendue géographique" in html  # ckanext-spatial's heading, from our catalogue
    # the base map's credit (an English msgid in the configuration) in the page's language
    assert "les contributeurs d" in html and "OpenStreetMap contributors" not in html
    english = app.get(f"/en/dataset/{dataset['name']}").body
    assert "OpenStreetMap contributors" in english and "les contributeurs d" not in english


def test_french_catalogue_is_compiled(tmp_path):
    from babel.messages.mofile import read_mo
    from babel.messages.pofile import read_po

    from ..conftest import ROOT

    folder = ROOT / "ckanext" / "metropole" / "i18n" / "fr" / "LC_MESSAGES"
    with open(folder / "ckanext-metropole.po", "rb") as f:
        po = {
            m.id if isinstance(m.id, str) else m.id[0]: tuple(m.string)
            if not isinstance(m.string, str)
            else m.string
            for m in read_po(f)
            if m.id
        }
    with open(folder / "ckanext-metropole.mo", "rb") as f:
        mo = {
            m.id if isinstance(m.id, str) else m.id[0]: tuple(m.string)
            if not isinstance(m.string, str)
            else m.string
            for m in read_mo(f)
            if m.id
        }
    assert po == mo, "run `make i18n` after editing the .po"
    assert po["Participation of the communes"] == "Participation des communes"


@pytest.mark.usefixtures("clean_db", "with_plugins")
def test_accessibility_declaration_from_its_data_linked_from_the_footer(app, monkeypatch):
    """#25 item 8: the RGAA model's sections, the state and rate computed from the audit file."""
    from ckanext.metropole.theme import accessibility

    html = app.get("/accessibilite").body
    text = _text(html)
    data = accessibility.declaration()
    met, failed = data["counts"]["C"], data["counts"]["NC"]
    assert f"révèle que {round(100 * met / (met + failed))} % des critères" in text
    for section in (
        "État de conformité",
        "est non conforme avec le référentiel général",  # no complete audit yet
        "Non-conformités",
        "Dérogations pour charge disproportionnée",
        "Contenus non soumis à l'obligation d'accessibilité",
        "Retour d'information et contact",
        "Voies de recours",
        "Défenseur des droits, Libre réponse 71120",
    ):
        assert section in text, section
    assert all(item in text for item in data["audit"]["non_conformities"])
    assert '<a href="/accessibilite">Accessibilité : non conforme</a>' in app.get("/").body
    # a complete audit at 100 %, 50 % or less decides the state as the RGAA does
    full = {**data["audit"], "complete": True, "criteria": [{"id": "1.1", "topic": "x", "status": "C"}]}
    monkeypatch.setattr(accessibility, "_data", lambda: {**data, "audit": full})
    assert accessibility.declaration()["status"] == "full"
    full["criteria"].append({"id": "1.2", "topic": "x", "status": "NC"})
    assert accessibility.declaration()["status"] == "partial"
    full["criteria"].append({"id": "1.3", "topic": "x", "status": "NC"})
    assert accessibility.declaration()["status"] == "non"


def test_dataset_map_draws_an_outline_beyond_30_communes_and_keeps_a_finer_extent():
    from ckanext.metropole.communes import geometry
    from ckanext.metropole.theme import dataset_page

    codes = sorted(c for c in geometry._all() if c.startswith("59"))[:40]  # 40 communes of the Nord
    outline = json.loads(dataset_page.map_extent({"communes": codes}))
    assert len(outline["features"]) == 1  # their union, not 40 contours
    assert outline["features"][0]["geometry"]["type"] in ("Polygon", "MultiPolygon")
    few = json.loads(dataset_page.map_extent({"communes": codes[:2]}))
    assert len(few["features"]) == 2
    # a dataset's own extent, finer than its communes' box, is drawn too; their box is not
    point = '{"type": "Point", "coordinates": [3.06, 50.63]}'

    def drawn(spatial):
        shown = dataset_page.map_extent({"communes": codes[:2], "spatial": spatial})
        return len(json.loads(shown)["features"])

    assert drawn(point) == 3
    assert drawn(json.dumps(geometry.extent(codes[:2]))) == 2
    assert dataset_page.map_extent({"communes": [], "spatial": point}) == point
