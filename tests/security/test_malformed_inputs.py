"""The malformed-input table (issue #15, item 6): wrong JSON types, NUL bytes, lone
surrogates, over-long texts, JSON pasted as a title, deep or undecodable bodies, lying
Content-Types and search parameters of the wrong type — through the Action API and the web
forms. Each is refused with a French message on its field (HTTP 409 for a field, 400 for a
body), nothing is stored, nothing answers 500.

One world per test and one loop over its table: a failure lists every case that went wrong.
"""

from __future__ import annotations

import json
from html import unescape

import ckan.model as model
import pytest
from ckan.tests import factories, helpers

from ..conftest import make_dataset
from .conftest import metropole_and_commune, user_with_password

# French fragments of the expected messages (the catalogue's translations)
TEXT = "Du texte est attendu"
OBJECTS = "Une liste d'objets est attendue"
TEXTS = "Une liste de textes est attendue"
SINGLE = "Une seule valeur est attendue"
NUL = "caractère NUL"
SURROGATE = "demi-caractère UTF-16"
LONG = "trop long"  # "trop long" / "trop longue" (descriptions)
PLAIN = "texte simple, pas une liste"
EXTENT = "emprise"
COORDS = "longitude entre -180 et 180"
MEGA = "x" * 1_000_000
TEN_MEGA = "y" * 10_000_000


@pytest.fixture
def world():
    sysadmin = factories.Sysadmin()
    as_sys = {"user": sysadmin["name"]}
    metro, commune = metropole_and_commune(as_sys)
    dataset = make_dataset(
        owner_org=commune["id"],
        name="jeu-existant",
        title="Jeu existant",
        resources=[{"url": "https://exemple.fr/a.csv", "name": "Fichier"}],
    )
    source = helpers.call_action(
        "harvest_source_create",
        context=dict(as_sys),
        url="https://data.aubiere.fr/",
        name="source-aubiere",
        title="Portail d'Aubière",
        source_type="intercommunal",
        owner_org=commune["id"],
    )
    return {
        "sysadmin": sysadmin,
        "token": factories.APIToken(user=sysadmin["name"])["token"],
        "metro": metro,
        "commune": commune,
        "dataset": dataset,
        "resource": dataset["resources"][0],
        "source": source,
    }


def fingerprint():
    """Everything a refused write could have left behind."""
    s = model.Session
    s.expire_all()
    return (
        sorted(
            (p.id, p.name, p.title, p.notes, p.state, str(p.metadata_modified))
            for p in s.query(model.Package)
        ),
        sorted((r.id, r.name, r.url, r.description) for r in s.query(model.Resource)),
        sorted((g.id, g.name, g.title, g.description, g.image_url) for g in s.query(model.Group)),
        sorted((e.group_id, e.key, e.value) for e in s.query(model.GroupExtra)),
        sorted((e.package_id, e.key, e.value) for e in s.query(model.PackageExtra)),
        s.query(model.Tag).count(),
    )


def bases(w) -> dict:
    return {
        "package_create": {
            "name": "jeu-refuse",
            "title": "Jeu refusé",
            "owner_org": w["commune"]["id"],
            "theme": ["culture"],
            "license_id": "lov2",
            "notes": "Une description.",
        },
        "package_patch": {"id": w["dataset"]["id"]},
        "package_update": {
            **{k: w["dataset"][k] for k in ("id", "name", "title", "owner_org", "theme", "license_id")}
        },
        "resource_create": {
            "package_id": w["dataset"]["id"],
            "url": "https://exemple.fr/b.csv",
            "name": "Autre",
        },
        "resource_patch": {"id": w["resource"]["id"]},
        "organization_patch": {"id": w["commune"]["id"]},
        "organization_create": {"name": "nouvelle-org", "title": "Nouvelle", "kind": "partner"},
        "group_create": {"name": "groupe-refuse", "title": "Groupe"},
        "harvest_source_create": {
            "name": "source-refusee",
            "title": "Source",
            "url": "https://data.ville.fr/",
            "source_type": "intercommunal",
            "owner_org": w["commune"]["id"],
        },
        "harvest_source_patch": {"id": w["source"]["id"]},
        "metropole_reuse_submit": {
            "title": "Une carte",
            "notes": "Une carte des parcs.",
            "url": "https://carte.fr/",
            "reuse_type": "application",
        },
        "metropole_review_return": {"id": w["dataset"]["id"]},
    }


# (action, fields sent over the base payload, field where the error is, French fragment)
API_CASES = [
    # wrong JSON types, field by field
    ("package_create", {"theme": 5}, "theme", TEXTS),
    ("package_create", {"theme": {"a": 1}}, "theme", TEXTS),
    ("package_create", {"theme": [["culture"]]}, "theme", TEXTS),
    ("package_create", {"communes": True}, "communes", TEXTS),
    ("package_create", {"license_id": []}, "license_id", TEXT),
    ("package_create", {"notes": 3}, "notes", TEXT),
    ("package_create", {"notes": ["a"]}, "notes", TEXT),
    ("package_create", {"title": ["a"]}, "title", TEXT),
    ("package_create", {"title": 12}, "title", TEXT),
    ("package_create", {"name": {"x": 1}}, "name", TEXT),
    ("package_create", {"owner_org": {}}, "owner_org", TEXT),
    ("package_create", {"resources": {}}, "resources", OBJECTS),
    ("package_create", {"resources": "x"}, "resources", OBJECTS),
    ("package_create", {"resources": [5]}, "resources", OBJECTS),
    ("package_create", {"resources": [{"url": 5}]}, "resources", TEXT),
    ("package_create", {"resources": [{"url": "https://a.fr/x", "name": ["n"]}]}, "resources", TEXT),
    ("package_create", {"tags": "x"}, "tags", OBJECTS),
    ("package_create", {"tags": ["x"]}, "tags", OBJECTS),
    ("package_create", {"tags": [{"name": 5}]}, "tags", TEXT),
    ("package_create", {"extras": 5}, "extras", OBJECTS),
    ("package_create", {"extras": {"a": "b"}}, "extras", OBJECTS),
    ("package_create", {"groups": "x"}, "groups", OBJECTS),
    ("package_create", {"contact": "x"}, "contact", OBJECTS),
    ("package_create", {"contact": [{"email": ["a@b.fr"]}]}, "contact", TEXT),
    ("package_create", {"frequency": []}, "frequency", TEXT),
    ("package_create", {"url": 5}, "url", TEXT),
    ("package_create", {"private": []}, "private", SINGLE),
    ("package_create", {"spatial": {"type": "Point"}}, "spatial", TEXT),
    ("package_patch", {"notes": {"fr": "x"}}, "notes", TEXT),
    ("package_update", {"resources": {"url": "https://a.fr"}}, "resources", OBJECTS),
    ("resource_create", {"name": []}, "name", TEXT),
    ("resource_create", {"description": {}}, "description", TEXT),
    ("resource_create", {"url": 5}, "url", TEXT),
    ("resource_create", {"package_id": {}}, "package_id", TEXT),
    ("resource_patch", {"format": ["CSV"]}, "format", TEXT),
    ("organization_patch", {"postal_codes": 75001}, "postal_codes", TEXTS),
    ("organization_patch", {"title": {"a": 1}}, "title", TEXT),
    ("organization_patch", {"siren": []}, "siren", TEXT),
    ("organization_patch", {"kind": 5}, "kind", TEXT),
    ("organization_patch", {"email": ["a@b.fr"]}, "email", TEXT),
    ("organization_patch", {"population": [1]}, "population", SINGLE),
    ("harvest_source_create", {"title": 5}, "title", TEXT),
    ("harvest_source_create", {"config": 5}, "config", TEXT),
    ("harvest_source_create", {"url": []}, "url", TEXT),
    ("metropole_reuse_submit", {"datasets": {"a": 1}}, "datasets", TEXTS),
    ("metropole_review_return", {"comment": 5}, "comment", TEXT),
    # NUL bytes and lone surrogates, wherever they are
    ("package_create", {"title": "a\x00b"}, "title", NUL),
    ("package_create", {"notes": "texte\x00"}, "notes", NUL),
    ("package_create", {"title": "a\ud800b"}, "title", SURROGATE),
    ("package_create", {"notes": "\udfff"}, "notes", SURROGATE),
    ("package_create", {"name": "a\ud800"}, "name", SURROGATE),
    ("package_create", {"tags": [{"name": "mot\ud800"}]}, "tags", SURROGATE),
    ("package_create", {"tags": [{"name": "mot\x00"}]}, "tags", NUL),
    ("package_create", {"extras": [{"key": "k\x00", "value": "v"}]}, "extras", NUL),
    ("package_create", {"resources": [{"url": "https://a.fr/x", "description": "d\x00"}]}, "resources", NUL),
    ("organization_patch", {"description": "a\x00"}, "description", NUL),
    ("group_create", {"title": "g\ud800"}, "title", SURROGATE),
    ("harvest_source_create", {"notes": "n\x00"}, "notes", NUL),
    ("metropole_reuse_submit", {"title": "t\x00"}, "title", NUL),
    ("metropole_review_return", {"comment": "c\ud800"}, "comment", SURROGATE),
    # over-long texts (limits in config_declaration.yaml), never echoed back
    ("package_create", {"title": MEGA}, "title", LONG),
    ("package_create", {"notes": TEN_MEGA}, "notes", LONG),
    ("package_create", {"tags": [{"name": "t" * 200_000}]}, "tags", LONG),
    ("package_create", {"url": "https://a.fr/" + "x" * 10_000}, "url", LONG),
    ("package_create", {"extras": [{"key": "k", "value": "v" * 200_000}]}, "extras", LONG),
    ("resource_create", {"name": "n" * 600}, "name", LONG),
    ("resource_create", {"description": "d" * 100_001}, "description", LONG),
    ("organization_patch", {"description": "d" * 2_000_000}, "description", LONG),
    ("organization_patch", {"title": "t" * 501}, "title", LONG),
    ("organization_create", {"image_url": "https://a.fr/" + "x" * 9000}, "image_url", LONG),
    ("harvest_source_create", {"title": "t" * 501}, "title", LONG),
    ("harvest_source_create", {"config": json.dumps({"publisher": "p" * 30_000})}, "config", LONG),
    ("harvest_source_patch", {"notes": "n" * 100_001}, "notes", LONG),
    # JSON pasted where text goes (item 9)
    ("package_create", {"title": '["a"]'}, "title", PLAIN),
    ("package_create", {"title": ' {"a": 1}'}, "title", PLAIN),
    ("package_create", {"notes": '[{"a": 1}, 2]'}, "notes", PLAIN),
    ("organization_patch", {"title": '["Ville"]'}, "title", PLAIN),
    ("package_patch", {"title": "[]"}, "title", PLAIN),
    # the extent (item 9): GeoJSON, finite, in degrees — French, before ckanext-spatial
    ("package_create", {"spatial": '{"type": "Point", "coordinates": [1e308, 1e308]}'}, "spatial", COORDS),
    (
        "package_create",
        {"spatial": '{"type": "Point", "coordinates": [1e400, 0]}'},
        "spatial",
        "nombres finis",
    ),
    (
        "package_create",
        {"spatial": '{"type": "Polygon", "coordinates": [[[0, 0], [200, 0], [0, 1], [0, 0]]]}'},
        "spatial",
        COORDS,
    ),
    ("package_create", {"spatial": "n'importe quoi"}, "spatial", "GeoJSON valide"),
    ("package_create", {"spatial": '{"type": "Feature"}'}, "spatial", "géométrie GeoJSON"),
    (
        "package_create",
        {"spatial": '{"type": "Point", "coordinates": "3,45"}'},
        "spatial",
        "listes de nombres",
    ),
    (
        "package_create",
        {"spatial": '{"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1]]]}'},
        "spatial",
        "géométrie GeoJSON valide",
    ),
    ("package_patch", {"spatial": '{"type": "Point", "coordinates": []}'}, "spatial", EXTENT),
    # CKAN's and the schema's own messages, in French for API users too (item 9)
    ("package_create", {"tags": [{"name": "mot/clé"}]}, "tags", "ne peut contenir que des"),
    ("organization_patch", {"kind": "ville"}, "kind", "La valeur doit être l'une de"),
    ("organization_patch", {"population": 10**30}, "population", "pas plausible"),
    ("package_create", {"license_id": "cc-by-nc"}, "license_id", "Licence inconnue"),
    # e-mails given as lists (item 9)
    ("organization_patch", {"email": '["a@b.fr"]'}, "email", "courriel"),
    ("package_create", {"contact": [{"email": '["a@b.fr"]'}]}, "contact", "courriel"),
]


def _errors_text(response) -> str:
    error = response.json.get("error") or {}
    return json.dumps(error, ensure_ascii=False)


@pytest.mark.usefixtures("clean_db", "clean_index", "with_plugins")
def test_the_api_refuses_malformed_fields_in_french_and_stores_nothing(app, world):
    assert len(API_CASES) >= 60
    base = bases(world)
    before = fingerprint()
    wrong = []
    for action, extra, field, fragment in API_CASES:
        body = json.dumps({**base[action], **extra})
        response = app.post(
            f"/api/3/action/{action}",
            data=body,
            headers={"Authorization": world["token"], "Content-Type": "application/json"},
        )
        error = (
            (response.json or {}).get("error", {})
            if response.content_type.startswith("application/json")
            else {}
        )
        messages = " ".join(map(str, error.get(field, []))) if isinstance(error, dict) else ""
        if (
            response.status_code != 409
            or fragment not in json.dumps(error.get(field), ensure_ascii=False)
            or len(response.body) > 20_000
        ):
            wrong.append(
                (action, str(extra)[:80], response.status_code, messages[:200] or response.body[:300])
            )
        elif fingerprint() != before:
            wrong.append((action, str(extra)[:80], "stored something"))
            before = fingerprint()
    assert wrong == [], "\n".join(map(str, wrong))


@pytest.mark.usefixtures("clean_db", "with_plugins")
def test_bodies_that_cannot_be_read_answer_400_in_french(app, world):
    headers = {"Authorization": world["token"]}
    json_type = {**headers, "Content-Type": "application/json"}
    cases = [
        ("nested 100,000 deep", b"[" * 100_000 + b"]" * 100_000, json_type, "trop imbriqué"),
        (
            "object nested 100,000 deep",
            b'{"a":' * 100_000 + b"1" + b"}" * 100_000,
            json_type,
            "trop imbriqué",
        ),
        (
            "nested 30 deep",
            json.dumps(
                {"title": "t", "extras": [{"key": "k", "value": "v"}], "x": json.loads("[" * 30 + "]" * 30)}
            ).encode(),
            json_type,
            "trop imbriqu",
        ),
        ("Latin-1", '{"title": "Château"}'.encode("latin-1"), json_type, "UTF-8"),
        ("UTF-16", '{"title": "Jeu"}'.encode("utf-16"), json_type, "UTF-8"),
        ("not JSON", b"title=Jeu", json_type, "pas du JSON valide"),
        ("truncated", b'{"title": "Jeu"', json_type, "pas du JSON valide"),
        ("a list", b'["title"]', json_type, "objet JSON"),
        ("a string", b'"title"', json_type, "objet JSON"),
        ("text/plain", b'{"title": "Jeu"}', {**headers, "Content-Type": "text/plain"}, "Content-Type"),
        (
            "application/xml",
            b"<title>Jeu</title>",
            {**headers, "Content-Type": "application/xml"},
            "Content-Type",
        ),
        (
            "form-encoded JSON with a NUL",
            b'{"name": "x", "title": "a\\u0000"}',
            {**headers, "Content-Type": "application/x-www-form-urlencoded"},
            NUL,
        ),
    ]
    before = fingerprint()
    wrong = []
    for label, body, case_headers, fragment in cases:
        response = app.post("/api/3/action/package_create", data=body, headers=case_headers)
        text = (
            _errors_text(response) if response.content_type.startswith("application/json") else response.body
        )
        if response.status_code not in (400, 409) or fragment not in text:
            wrong.append((label, response.status_code, text[:300]))
    assert wrong == [], "\n".join(map(str, wrong))
    assert fingerprint() == before


@pytest.mark.usefixtures("clean_db", "with_plugins")
def test_a_ten_megabyte_field_is_refused_without_being_echoed(app, world):
    for action, body in (
        ("package_create", {"name": "x", "title": "t", "version": "z" * 10_000_000}),
        ("package_search", {"q": "z" * 10_000_000}),
    ):
        response = app.post(
            f"/api/3/action/{action}",
            data=json.dumps(body),
            headers={"Authorization": world["token"], "Content-Type": "application/json"},
        )
        assert response.status_code == 409, response.body[:300]
        assert "trop long" in _errors_text(response)
        assert len(response.body) < 2_000


SEARCH_CASES = [
    ({"rows": "-1"}, "rows", "nombre naturel"),
    ({"rows": "abc"}, "rows", "ombre entier"),
    ({"rows": "1.5"}, "rows", "ombre entier"),
    ({"start": "1e9"}, "start", "ombre entier"),
    ({"start": "-5"}, "start", "nombre naturel"),
    ({"sort": "title_string sideways"}, "q", "pas pu être interprétée"),
    ({"sort": "title_string asc, {!lucene}x desc"}, "q", "pas pu être interprétée"),
    ({"fq": "(theme:culture"}, "q", "pas pu être interprétée"),
    ({"q": "title:(a OR"}, "q", "pas pu être interprétée"),
    ({"facet.field": "title"}, "facet.field", "liste"),
    ({"facet.field": '["x"'}, "facet.field", "liste"),
    ({"q": "a\x00"}, "q", NUL),
]


@pytest.mark.usefixtures("with_plugins")
def test_search_parameters_of_the_wrong_type_are_refused_in_french(app):
    wrong = []
    for params, field, fragment in SEARCH_CASES:
        response = app.get("/api/3/action/package_search", query_string=params)
        if response.status_code != 409 or fragment not in " ".join(response.json["error"].get(field, [])):
            wrong.append((params, response.status_code, response.body[:300]))
    assert wrong == [], "\n".join(map(str, wrong))


# ---------------------------------------------------------------- web forms


def _form_error(response, fragment: str) -> bool:
    return fragment in unescape(response.body)


@pytest.mark.usefixtures("clean_db", "clean_index", "with_plugins")
def test_web_forms_show_the_french_error_on_the_field_and_store_nothing(app, world, browser):
    sysadmin = user_with_password(sysadmin=True)
    client = browser(sysadmin)
    commune = world["commune"]
    dataset_form = {
        "title": "Jeu",
        "name": "jeu-formulaire",
        "notes": "Une description.",
        "owner_org": commune["id"],
        "theme": "culture",
        "license_id": "lov2",
        "save": "continue",
    }
    cases = [
        ("/dataset/new", {**dataset_form, "title": "a\x00b"}, NUL),
        ("/dataset/new", {**dataset_form, "title": "t" * 600}, LONG),
        ("/dataset/new", {**dataset_form, "title": '["a", "b"]'}, PLAIN),
        ("/dataset/new", {**dataset_form, "notes": "n" * 100_001}, LONG),
        ("/dataset/new", {**dataset_form, "tag_string": "mot\x00clé"}, NUL),
        (
            f"/dataset/edit/{world['dataset']['name']}",
            {**dataset_form, "name": world["dataset"]["name"], "title": '{"a": 1}'},
            PLAIN,
        ),
        (
            f"/dataset/{world['dataset']['name']}/resource/new",
            {"id": "", "url": "https://a.fr/x.csv", "name": "n" * 600, "save": "go-metadata"},
            LONG,
        ),
        (
            f"/dataset/{world['dataset']['name']}/resource/new",
            {"id": "", "url": "https://a.fr/x.csv", "description": "d\x00", "save": "go-metadata"},
            NUL,
        ),
        (
            f"/organization/edit/{commune['name']}",
            {
                "name": commune["name"],
                "title": "Aubière",
                "description": "x" * 100_001,
                "kind": "commune",
                "insee_code": "63014",
                "member_of": world["metro"]["name"],
            },
            LONG,
        ),
        (
            f"/organization/edit/{commune['name']}",
            {
                "name": commune["name"],
                "title": "A\x00",
                "kind": "commune",
                "insee_code": "63014",
                "member_of": world["metro"]["name"],
            },
            NUL,
        ),
        (
            "/harvest/new",
            {
                "name": "src-form",
                "title": "t" * 600,
                "url": "https://data.ville.fr/",
                "source_type": "intercommunal",
                "owner_org": commune["id"],
                "frequency": "MANUAL",
            },
            LONG,
        ),
        (
            "/harvest/new",
            {
                "name": "src-form",
                "title": "Source",
                "url": "https://data.ville.fr/",
                "notes": "n\x00",
                "source_type": "intercommunal",
                "owner_org": commune["id"],
                "frequency": "MANUAL",
            },
            NUL,
        ),
        (
            "/reutilisations/proposer",
            {
                "title": "Carte\x00",
                "notes": "Une carte.",
                "url": "https://carte.fr/",
                "reuse_type": "application",
            },
            NUL,
        ),
        (
            "/reutilisations/proposer",
            {
                "title": "Carte",
                "notes": "n" * 100_001,
                "url": "https://carte.fr/",
                "reuse_type": "application",
            },
            LONG,
        ),
        # the review's forms answer with a message on the next page (flash), like CKAN's own
        (f"/moderation/{world['dataset']['id']}/return", {"comment": "À corriger\x00"}, NUL),
        (f"/moderation/{world['dataset']['id']}/return", {"comment": "c" * 100_001}, LONG),
    ]
    before = fingerprint()
    wrong = []
    for url, data, fragment in cases:
        token_page = "/reutilisations/proposer" if url.startswith("/moderation") else url
        response = client.post(
            url,
            data={**data, "_csrf_token": client.csrf(token_page)},
            follow_redirects=url.startswith("/moderation"),
        )
        if response.status_code not in (200, 400, 409) or not _form_error(response, fragment):
            wrong.append((url, str(data)[:80], response.status_code))
        elif fingerprint() != before:
            wrong.append((url, str(data)[:80], "stored something"))
            before = fingerprint()
    # a form field far beyond any limit is refused before any view reads it
    response = client.post(
        "/dataset/new",
        data={**dataset_form, "notes": "x" * 400_000, "_csrf_token": client.csrf("/dataset/new")},
    )
    if response.status_code != 400 or "trop long" not in unescape(response.body):
        wrong.append(("/dataset/new 400,000 characters", response.status_code))
    assert wrong == [], "\n".join(map(str, wrong))
    assert fingerprint() == before


@pytest.mark.usefixtures("clean_db", "clean_index", "with_plugins")
def test_truncated_ckan_forms_are_a_french_400_not_a_500(world, browser):
    """CKAN's form views index fields their own forms always send (``del data['save']``,
    ``data.pop('id')``, ``request.form['save']``): a form posted without them was a 500."""
    client = browser(user_with_password(sysadmin=True))
    name, resource = world["dataset"]["name"], world["resource"]["id"]
    cases = [
        (f"/dataset/{name}/resource/new", {"url": "https://a.fr/x.csv", "save": "go-metadata"}),  # no id
        (f"/dataset/{name}/resource/new", {"id": "", "url": "https://a.fr/x.csv"}),  # no save
        (f"/dataset/{name}/resource/{resource}/edit", {"url": "https://a.fr/x.csv", "name": "Fichier"}),
        (
            "/dataset/new",
            {
                "_ckan_phase": "dataset_new_1",
                "title": "Jeu",
                "name": "jeu-tronque",
                "owner_org": world["commune"]["id"],
            },
        ),
        ("/ckan-admin/config", {"ckan.site_title": "Portail"}),
    ]
    before = fingerprint()
    wrong = []
    for url, data in cases:
        response = client.post(url, data={**data, "_csrf_token": client.csrf(url)})
        if response.status_code != 400 or "Ce formulaire est incomplet" not in unescape(response.body):
            wrong.append((url, sorted(data), response.status_code))
    assert wrong == [], "\n".join(map(str, wrong))
    assert fingerprint() == before
