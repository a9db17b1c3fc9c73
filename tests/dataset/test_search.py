"""French-aware search and French facets, on a small corpus of our own."""

from __future__ import annotations

import json

import pytest
from ckan.tests import helpers

from .conftest import full_dataset

pytestmark = pytest.mark.usefixtures("clean_db", "clean_index", "with_plugins", "territory")

CORPUS = [
    (
        "dae",
        "Défibrillateurs automatisés externes",
        "Emplacements des appareils",
        ["sante"],
        "clermont-ferrand",
    ),
    ("ecoles", "Écoles maternelles", "Liste des établissements publics", ["education"], "aubiere"),
    ("eau", "Qualité de l'eau", "Analyses du réseau de distribution", ["environnement"], "clermont-ferrand"),
    ("piscine", "Piscine municipale", "Horaires et tarifs", ["sports"], "royat"),
    ("vote", "Bureaux de vote", "Adresses des bureaux", ["citoyennete"], "aubiere"),
    ("assos", "Associations culturelles", "Annuaire", ["culture"], "royat"),
    ("marches", "Marchés municipaux", "Jours et lieux", ["economie"], "clermont-ferrand"),
]


@pytest.fixture
def corpus(clean_index, territory, create):
    for name, title, notes, themes, org in CORPUS:
        create(
            **full_dataset(
                name=name,
                title=title,
                notes=notes,
                theme=themes,
                owner_org=org,
                communes=[],
                resources=[],
                tag_string="",
            )
        )


def _names(**params):
    return sorted(r["name"] for r in helpers.call_action("package_search", rows=100, **params)["results"])


@pytest.mark.usefixtures("corpus")
class TestFrenchSearch:
    @pytest.mark.parametrize(
        ("query", "expected"),
        [
            ("defibrillateur", ["dae"]),
            ("ecoles", ["ecoles"]),
            ("école", ["ecoles"]),
            ("l'eau", ["eau"]),
            ("piscines", ["piscine"]),
            ("bureau", ["vote"]),
            ("culturel", ["assos"]),
            ("municipal", ["marches", "piscine"]),
            ("Qualite de l’eau", ["eau"]),
        ],
    )
    def test_french_query_finds_its_dataset(self, query, expected):
        assert _names(q=query) == expected

    def test_unrelated_word_finds_nothing(self):
        assert _names(q="bibliothèque") == []


@pytest.mark.usefixtures("corpus")
class TestFacets:
    def test_six_facets_with_french_labels(self):
        result = helpers.call_action(
            "package_search",
            **{
                "facet.field": json.dumps(
                    ["theme", "communes", "organization", "license_id", "res_format", "tags"]
                )
            },
        )
        facets = result["search_facets"]
        themes = {i["name"]: i["display_name"] for i in facets["theme"]["items"]}
        assert themes["citoyennete"] == "Citoyenneté"
        assert themes["sante"] == "Santé" and themes["education"] == "Éducation"
        communes = {i["name"]: (i["display_name"], i["count"]) for i in facets["communes"]["items"]}
        assert communes["63113"] == ("Clermont-Ferrand", 3)
        assert communes["63014"] == ("Aubière", 2)
        licences = {i["name"]: i["display_name"] for i in facets["license_id"]["items"]}
        assert licences["lov2"] == "Licence Ouverte / Open Licence version 2.0"

    def test_fq_on_theme_and_communes(self):
        assert _names(fq="theme:sante") == ["dae"]
        assert _names(fq="communes:63014") == ["ecoles", "vote"]
        assert _names(fq="communes:63113 AND theme:environnement") == ["eau"]
        assert _names(fq="frequency:MONTHLY") == sorted(n for n, *_ in CORPUS)

    def test_search_page_shows_french_facet_titles(self, app):
        html = app.get("/dataset/").body
        for title in ("Thème", "Commune", "Organisation", "Licence", "Format", "Mots-clés"):
            assert title in html
        assert "Éducation" in html and "Aubière" in html
        english = app.get("/en/dataset/").body
        assert "Keywords" in english and "License" in english
        assert "Mots-clés" not in english and "Thème" not in english
