"""/moderation and the dataset page: French, by commune, accept / return with a comment."""

from __future__ import annotations

import socket

from ckan.tests import factories, helpers

from .conftest import as_user


def _auth(user):
    return {"Authorization": factories.APIToken(user=user["name"])["token"]}


def test_queue_page_accept_and_return(people, app, ckan_config, monkeypatch):
    for name in ("dae", "toilettes"):
        as_user(people.agent, "metropole_review_submit", id=people.draft(name=name)["id"])
    page = app.get("/moderation", headers=_auth(people.reviewer))
    assert "Jeux de données en attente de relecture" in page.body
    assert "Aubière" in page.body and page.body.count('class="metropole-review-item') == 2
    assert "Soumis aujourd'hui" in page.body  # not "en attente depuis 0 jour"

    # returning without a comment is refused, nothing changes
    page = app.post("/moderation/dae/return", data={"comment": " "}, headers=_auth(people.reviewer))
    assert "Indiquez ce que l&#39;agent doit corriger." in page.body or "Indiquez ce que l'agent" in page.body
    assert helpers.call_action("package_show", id="dae")["review_state"] == "submitted"

    page = app.post(
        "/moderation/dae/return", data={"comment": "Ajoutez les horaires."}, headers=_auth(people.reviewer)
    )
    assert "renvoyé à sa commune" in page.body
    assert helpers.call_action("package_show", id="dae")["review_comment"] == "Ajoutez les horaires."

    with socket.socket() as s:  # mail server down: accepted anyway, the reviewer is told
        s.bind(("127.0.0.1", 0))
        monkeypatch.setitem(ckan_config, "smtp.server", f"127.0.0.1:{s.getsockname()[1]}")
    page = app.post("/moderation/toilettes/accept", headers=_auth(people.reviewer))
    assert "est accepté et public" in page.body and "n&#39;a pas pu être envoyé" in page.body
    assert helpers.call_action("package_show", id="toilettes")["private"] is False


def test_queue_page_refused_to_agents_and_sends_anonymous_to_login(people, app):
    app.get("/moderation", headers=_auth(people.agent), status=403)
    res = app.get("/moderation", follow_redirects=False)
    assert res.status_code == 302 and "/user/login" in res.headers["Location"]
    pkg = people.draft(name="dae")
    as_user(people.agent, "metropole_review_submit", id=pkg["id"])
    app.post("/moderation/dae/accept", headers=_auth(people.agent), status=403)
    assert helpers.call_action("package_show", id="dae")["private"] is True


def test_dataset_page_shows_french_checklist_and_submit(people, app):
    people.draft(name="maigre", notes="Court.", license_id="cc-by")
    page = app.get("/dataset/maigre", headers=_auth(people.agent))
    assert "Relecture avant publication : Brouillon" in page.body
    assert "Licence ouverte de la liste du décret 2017-638" in page.body
    assert (
        "Description d&#39;au moins 100 caractères" in page.body or "Description d'au moins 100" in page.body
    )
    assert "Soumettre à la relecture" in page.body
    page = app.post("/dataset/maigre/review/submit", headers=_auth(people.agent))
    assert "Soumission refusée" in page.body
    assert helpers.call_action("package_show", id="maigre")["review_state"] == "draft"
    # the other commune's agent cannot even see it
    app.get("/dataset/maigre", headers=_auth(people.other_agent), status=404)


def test_forms_without_csrf_token_are_refused(people, app):
    pkg = people.draft(name="dae")
    as_user(people.agent, "metropole_review_submit", id=pkg["id"])
    for path in ("/moderation/dae/accept", "/moderation/dae/return", "/dataset/dae/review/submit"):
        res = app.post(path, data={"comment": "x"}, status=400)
        assert "CSRF" in res.body, path
    shown = helpers.call_action("package_show", id="dae")
    assert shown["review_state"] == "submitted" and shown["private"] is True


def test_activity_stream_says_who_made_each_step_and_why(people, app):
    pkg = people.draft(name="dae")
    as_user(people.agent, "metropole_review_submit", id=pkg["id"])
    as_user(people.reviewer, "metropole_review_return", id="dae", comment="Ajoutez les <b>horaires</b>.")
    as_user(people.agent, "package_patch", id="dae", title="DAE")  # an edit that is no review step
    page = app.get("/dataset/activity/dae", headers=_auth(people.agent)).body
    steps = [s.split("</span>")[0] for s in page.split('class="metropole-review-activity">')[1:]]
    assert [" ".join(s.split()) for s in steps] == [
        "(relecture : renvoyé pour corrections — « Ajoutez les &lt;b&gt;horaires&lt;/b&gt;. »)",
        "(relecture : soumis à la relecture)",
        "(relecture : créé en brouillon)",
    ]
    assert people.reviewer["name"] in page.split("renvoyé pour corrections")[0].rsplit("<li", 1)[-1]
