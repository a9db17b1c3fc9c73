"""The participation page and metropole_participation_show count, per commune, the datasets
waiting for the métropole's review (#13) — public counts, never which datasets."""

from __future__ import annotations

import csv
import io
import re

from .conftest import as_user, complete


def _submit(agent, org, name):
    pkg = as_user(agent, "package_create", owner_org=org["id"], name=name, **complete())
    as_user(agent, "metropole_review_submit", id=pkg["id"])
    return pkg


def test_waiting_counts_per_commune_in_api_page_and_csv(people, app):
    for name in ("dae", "toilettes"):
        as_user(people.agent, "metropole_review_submit", id=people.draft(name=name)["id"])
    people.draft(name="brouillon")  # a draft does not wait for anyone
    returned = people.draft(name="retourne")
    as_user(people.agent, "metropole_review_submit", id=returned["id"])
    as_user(people.reviewer, "metropole_review_return", id=returned["id"], comment="Ajoutez les horaires.")
    _submit(people.other_agent, people.other_commune, "bancs")

    figures = app.get("/api/3/action/metropole_participation_show").json["result"]
    waiting = {c["name"]: c["waiting"] for c in figures["communes"]}
    assert figures["review"] is True
    assert waiting == {"aubiere": 2, "durtol": 1}
    assert figures["totals"]["waiting"] == 3

    html = app.get("/participation").body
    assert "3 jeux de données attendent la relecture de la métropole." in html
    assert "En attente de relecture" in html
    row = re.search(r'<tr data-insee="63014".*?</tr>', html, re.S).group(0)
    assert '<td class="text-end metropole-waiting">2</td>' in row
    assert "/dataset/dae" not in html  # counts only: nothing of an unpublished dataset

    rows = list(
        csv.DictReader(io.StringIO(app.get("/participation.csv").body.lstrip("\ufeff")), delimiter=";")
    )
    assert {r["code_insee"]: r["en_attente_de_relecture"] for r in rows} == {"63014": "2", "63141": "1"}


def test_accepted_dataset_no_longer_waits(people, app):
    pkg = people.draft(name="dae")
    as_user(people.agent, "metropole_review_submit", id=pkg["id"])
    as_user(people.reviewer, "metropole_review_accept", id=pkg["id"])
    figures = app.get("/api/3/action/metropole_participation_show").json["result"]
    assert {c["name"]: c["waiting"] for c in figures["communes"]} == {"aubiere": 0, "durtol": 0}
    assert "1 jeu de données attend" not in app.get("/participation").body


def test_review_off_says_nothing_about_review(people, app, ckan_config, monkeypatch):
    as_user(people.agent, "metropole_review_submit", id=people.draft(name="dae")["id"])
    monkeypatch.setitem(ckan_config, "ckanext.metropole.review.enabled", False)
    figures = app.get("/api/3/action/metropole_participation_show").json["result"]
    assert figures["review"] is False and figures["totals"]["waiting"] is None
    assert all(c["waiting"] is None for c in figures["communes"])
    html = app.get("/participation").body
    assert "En attente de relecture" not in html and "attend" not in html
