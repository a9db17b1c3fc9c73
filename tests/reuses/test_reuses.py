"""Reuses: proposed by anyone with an account, unpublished until the métropole's admins
publish them; then on /reutilisations, on the datasets' pages and on the home page."""

from __future__ import annotations

import re
from html import unescape

import pytest
from ckan.tests import factories, helpers

from ckanext.metropole.communes import territory as t
from ckanext.metropole.communes.logic.action import apply_plan

from ..conftest import make_dataset

CLERMONT = "246300701"


def _csrf(html):
    return re.search(r'name="_csrf_token" value="([^"]+)"', html).group(1)


@pytest.fixture
def portal(clean_db, clean_index, with_plugins):
    apply_plan({"ignore_auth": True, "user": ""}, t.plan(t.from_epci(CLERMONT)))
    orgs = helpers.call_action("organization_list", all_fields=True, include_extras=True)
    metropole = next(o for o in orgs if o.get("kind") == "metropole")
    moderator = factories.UserWithToken()
    helpers.call_action(
        "organization_member_create", id=metropole["id"], username=moderator["name"], role="admin"
    )
    commune_admin = factories.UserWithToken()
    helpers.call_action(
        "organization_member_create", id="royat", username=commune_admin["name"], role="admin"
    )
    reuser = factories.UserWithToken()
    parkings = make_dataset(owner_org="royat", name="parkings-royat", title="Parkings de Royat")
    fountains = make_dataset(owner_org="royat", name="fontaines-royat", title="Fontaines de Royat")
    return {
        "metropole": metropole,
        "moderator": moderator,
        "commune_admin": commune_admin,
        "reuser": reuser,
        "parkings": parkings,
        "fountains": fountains,
    }


def _submit(app, user, **fields):
    headers = {"Authorization": user["token"]}
    form = unescape(app.get("/reutilisations/proposer", headers=headers).body)
    data = {"_csrf_token": _csrf(form), "reuse_type": "application", **fields}
    return app.post("/reutilisations/proposer", headers=headers, data=data, follow_redirects=False)


def test_proposed_reuse_is_published_by_the_metropole_then_shown(app, portal):
    response = _submit(
        app,
        portal["reuser"],
        title="Carte des parkings",
        notes="Les places libres sur une carte.",
        url="https://exemple.fr/carte",
        image_url="https://exemple.fr/carte.png",
        datasets="parkings-royat, http://127.0.0.1:5000/dataset/fontaines-royat",
    )
    assert response.status_code == 302
    reuse = helpers.call_action("package_show", id="carte-des-parkings")
    assert reuse["type"] == "reuse" and reuse["private"] is True
    assert reuse["owner_org"] == portal["metropole"]["id"]
    assert reuse["datasets"] == [portal["parkings"]["id"], portal["fountains"]["id"]]
    assert reuse["reuse_type"] == "application" and reuse["url"] == "https://exemple.fr/carte"

    # unpublished: nowhere for visitors, nor in the dataset search
    for path in ("/reutilisations/", "/dataset/parkings-royat", "/"):
        assert "Carte des parkings" not in app.get(path).body, path
    assert helpers.call_action("package_search", q="parkings")["count"] == 1
    # the moderators see it pending; a commune's admin may not publish it
    page = unescape(app.get("/reutilisations/", headers={"Authorization": portal["moderator"]["token"]}).body)
    assert "Carte des parkings" in page and "En attente de modération" in page
    with pytest.raises(helpers.logic.NotAuthorized):
        helpers.call_action(
            "metropole_reuse_publish",
            context={"user": portal["commune_admin"]["name"], "ignore_auth": False},
            id=reuse["id"],
        )
    with pytest.raises(helpers.logic.NotAuthorized):
        helpers.call_action(
            "metropole_reuse_publish",
            context={"user": portal["reuser"]["name"], "ignore_auth": False},
            id=reuse["id"],
        )

    response = app.post(
        f"/reutilisations/{reuse['id']}/publier",
        headers={"Authorization": portal["moderator"]["token"]},
        data={"_csrf_token": _csrf(page)},
        follow_redirects=False,
    )
    assert response.status_code == 302
    assert helpers.call_action("package_show", id=reuse["id"])["private"] is False

    listing = unescape(app.get("/reutilisations/").body)
    assert "Carte des parkings" in listing and "Application" in listing and "Parkings de Royat" in listing
    assert 'href="https://exemple.fr/carte"' in listing
    for name in ("parkings-royat", "fontaines-royat"):
        page = unescape(app.get(f"/dataset/{name}").body)
        assert "Réutilisations" in page and "Carte des parkings" in page
    assert "Carte des parkings" in unescape(app.get("/").body)
    # the API: a dataset's reuses, anonymously
    found = helpers.call_action("metropole_reuse_list", context={"user": ""}, dataset="fontaines-royat")
    assert [r["name"] for r in found["results"]] == ["carte-des-parkings"]
    assert helpers.call_action("package_search", q="parkings")["count"] == 1  # datasets only


def test_bad_proposals_are_french_errors_and_nothing_is_saved(app, portal):
    response = _submit(
        app,
        portal["reuser"],
        title="Appli",
        notes="",
        url="ftp://exemple.fr",
        datasets="parkings-royat, n-existe-pas",
    )
    page = unescape(response.body)
    assert response.status_code == 200
    for message in (
        "Adresse web invalide",
        "Jeu de données introuvable sur le portail : n-existe-pas",
        "Valeur manquante",
    ):
        assert message in page, message
    assert 'value="Appli"' in page  # what was typed is kept
    assert helpers.call_action("package_search", fq="dataset_type:reuse", include_private=True)["count"] == 0
    # anonymous visitors are sent to the login page
    response = app.get("/reutilisations/proposer", follow_redirects=False)
    assert response.status_code == 302 and "/user/login" in response.headers["Location"]
