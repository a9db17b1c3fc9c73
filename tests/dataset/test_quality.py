"""Metadata quality: data.europa.eu's MQA indicators and weights, per dataset, per commune on
/participation, through metropole_quality_show, on the dataset page."""

from __future__ import annotations

import re

import pytest
from ckan.tests import helpers

from ckanext.metropole.dataset import quality

from . import catalogue_cases as cases
from .conftest import full_dataset

# data.europa.eu MQA methodology: points per dimension (405 in all)
DIMENSIONS = {
    "findability": 100,
    "accessibility": 100,
    "interoperability": 110,
    "reusability": 75,
    "contextuality": 20,
}


def _points(result) -> dict:
    return {i["id"]: i["points"] for d in result["dimensions"] for i in d["indicators"]}


def test_weights_are_the_mqa_methodology():
    dims = {d["id"]: sum(i["weight"] for i in d["indicators"]) for d in quality.methodology()["dimensions"]}
    assert dims == DIMENSIONS and sum(dims.values()) == 405
    weights = {i["id"]: i["weight"] for d in quality.methodology()["dimensions"] for i in d["indicators"]}
    assert (weights["keywords"], weights["categories"], weights["spatial"], weights["temporal"]) == (
        30,
        30,
        20,
        20,
    )
    assert (weights["access_url"], weights["download_url"], weights["download_url_valid"]) == (50, 20, 30)
    assert (weights["dcat_ap"], weights["machine_readable"], weights["non_proprietary"]) == (30, 20, 20)
    assert (weights["contact_point"], weights["access_rights_vocabulary"], weights["rights"]) == (20, 5, 5)
    assert [quality.rating(s) for s in (405, 351, 350, 221, 220, 121, 120, 0)] == [
        "Excellent",
        "Excellent",
        "Good",
        "Good",
        "Sufficient",
        "Sufficient",
        "Bad",
        "Bad",
    ]


@pytest.mark.usefixtures("clean_db", "clean_index", "with_plugins", "territory")
class TestQuality:
    def test_complete_and_poor_datasets(self, create):
        names = cases.build(create)
        full = helpers.call_action("metropole_quality_show", context={"user": ""}, id=names[0])
        points = _points(full)
        # everything but rights statements (not published) and byte sizes (links, no upload)
        assert {k: v for k, v in points.items() if v == 0} == {"rights": 0, "byte_size": 0}
        assert full["score"] == 395 and full["rating"] == "Excellent"

        harvested = _points(helpers.call_action("metropole_quality_show", id="aubiere-arbres-remarquables"))
        # 5 resources: CSV, SHP, XLSX, an unknown format, none. Interoperability counts the best
        # distribution only (the CSV: known, open, machine-readable), as the MQA does
        assert (harvested["format"], harvested["media_type"], harvested["vocabulary"]) == (20, 10, 10)
        assert (harvested["machine_readable"], harvested["non_proprietary"]) == (20, 20)
        assert harvested["temporal"] == 0 and harvested["access_url"] == 50

        broken = helpers.call_action("metropole_quality_show", id="cournon-d-auvergne-liens-casses")
        points = _points(broken)
        assert points["access_url"] == points["download_url"] == points["format"] == points["license"] == 0
        assert points["publisher"] == 10 and points["spatial"] == 20
        assert broken["score"] < 221

        # the score the search index keeps (quality.score, without labels) is the page's score
        for name in names:
            dataset = helpers.call_action("package_show", id=name)
            shown = helpers.call_action("metropole_quality_show", id=name)["score"]
            assert quality.score(dataset, quality._org(dataset.get("owner_org"))) == shown, name

    def test_api_is_public_for_public_datasets_only(self, app, create):
        public = create(**full_dataset())
        response = app.get(f"/api/3/action/metropole_quality_show?id={public['name']}")
        assert response.status_code == 200 and response.json["result"]["max"] == 405
        private = create(**full_dataset(name="prive", private=True))
        assert app.get(f"/api/3/action/metropole_quality_show?id={private['name']}").status_code == 403
        response = app.get("/api/3/action/metropole_quality_show")
        assert response.status_code == 409 and "identifiant" in response.json["error"]["id"][0]

    def test_commune_average_on_participation_and_dataset_page(self, app, create):
        scores = []
        for i, resources in enumerate(([{"url": "https://example.org/a.csv", "format": "CSV"}], [])):
            dataset = create(
                **full_dataset(
                    name=f"aubiere-{i}", owner_org="aubiere", communes=["63014"], resources=resources
                )
            )
            scores.append(helpers.call_action("metropole_quality_show", id=dataset["id"])["score"])
        assert scores[0] > scores[1]
        by_org = helpers.call_action("metropole_quality_show", organizations=True)["organizations"]
        assert by_org["aubiere"] == {"datasets": 2, "average": round(sum(scores) / 2)}
        assert helpers.call_action("metropole_quality_show", organization="aubiere")["average"] == round(
            sum(scores) / 2
        )

        html = app.get("/participation").body
        row = re.search(r'<a href="/organization/aubiere">.*?</tr>', html, re.S).group(0)
        assert f'metropole-quality-average">{round(sum(scores) / 2)}<' in row
        assert "Qualité des métadonnées" in html
        csv_text = app.get("/participation.csv").body
        assert "qualite_metadonnees_sur_405" in csv_text and f";{round(sum(scores) / 2)}" in csv_text

        page = app.get("/dataset/aubiere-0").body
        assert "Qualité des métadonnées" in page and f"{scores[0]} / 405" in page
        # why, without opening the detail: the indicators losing points and what earns them
        missing = re.search(r'<ul class="metropole-quality-missing">(.*?)</ul>', page, re.S).group(1)
        assert "Droits" in missing and "Taille des fichiers" in missing and "Licence" not in missing

    def test_commune_page_and_api_say_what_to_fix_first(self, app, create):
        create(**full_dataset(name="aubiere-complet", owner_org="aubiere", communes=["63014"]))
        create(
            **full_dataset(
                name="aubiere-sans-ressource",
                owner_org="aubiere",
                communes=["63014"],
                resources=[],
                temporal_start="",
                temporal_end="",
            )
        )
        # a private dataset is not the public's business: not counted
        create(
            **full_dataset(
                name="aubiere-prive", owner_org="aubiere", communes=["63014"], private=True, resources=[]
            )
        )
        scores = [
            helpers.call_action("metropole_quality_show", id=n)["score"]
            for n in ("aubiere-complet", "aubiere-sans-ressource")
        ]

        result = app.get("/api/3/action/metropole_quality_show?organization=aubiere").json["result"]
        assert (result["datasets"], result["max"], result["average"]) == (2, 405, round(sum(scores) / 2))
        dims = {d["id"]: d for d in result["dimensions"]}
        assert dims["accessibility"]["points"] == 50 and dims["accessibility"]["label"] == "Accessibilité"
        assert sum(d["points"] for d in dims.values()) == pytest.approx(sum(scores) / 2, abs=1)
        access = next(i for i in dims["accessibility"]["indicators"] if i["id"] == "access_url")
        assert (access["points"], access["missing"]) == (25, 1)
        # what to fix first: the most points lost on average; never what the commune cannot change
        to_fix = result["to_fix"]
        assert [i["id"] for i in to_fix[:2]] == ["access_url", "download_url_valid"]
        assert to_fix[0]["lost"] == 25 and to_fix[0]["label"] == "Adresse d'accès valide"
        assert to_fix[0]["hint"].startswith("Corrigez les liens")
        assert [i["lost"] for i in to_fix] == sorted((i["lost"] for i in to_fix), reverse=True)
        assert len(to_fix) == 5 and not {"rights", "access_rights"} & {i["id"] for i in to_fix}

        page = app.get("/organization/aubiere").body
        section = re.search(
            r'<section class="module-content metropole-org-quality".*?</section>', page, re.S
        ).group(0)
        assert "Qualité des métadonnées des jeux de données de la commune" in section
        assert f'metropole-org-quality-average">{result["average"]} / 405<' in section
        assert "Moyenne de 2 jeux de données publics" in section
        assert "Ce qu'il faut corriger d'abord" in section and "Adresse d&#39;accès valide" in section
        assert "Corrigez les liens des ressources" in section
        french_rating = {
            "Excellent": "Excellent",
            "Good": "Bon",
            "Sufficient": "Suffisant",
            "Bad": "Insuffisant",
        }
        rating = quality.rating(result["average"])  # an English msgid of config/mqa.yaml
        assert f"{result['average']} / 405</strong> — {french_rating[rating]}" in section
        # an English page: the rating, dimensions and hints in English
        english = app.get("/en/organization/aubiere").body
        section = re.search(
            r'<section class="module-content metropole-org-quality".*?</section>', english, re.S
        ).group(0)
        assert f"{result['average']} / 405</strong> — {rating}" in section
        assert "Valid access URL" in section and "Fix the resource links" in section
        assert "Adresse d" not in section and "Corrigez" not in section

        # a commune without public datasets: said so, no figure
        empty = app.get("/api/3/action/metropole_quality_show?organization=gerzat").json["result"]
        assert (empty["datasets"], empty["average"], empty["to_fix"]) == (0, None, [])
        assert "Aucun jeu de données public pour l'instant" in app.get("/organization/gerzat").body
        missing = app.get("/api/3/action/metropole_quality_show?organization=nulle-part")
        assert missing.status_code == 404 and "Organisation introuvable" in missing.json["error"]["message"]
