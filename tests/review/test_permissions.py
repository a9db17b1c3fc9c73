"""Every transition × (agent, another commune's agent, reviewer, anonymous): refused
attempts change nothing."""

from __future__ import annotations

import ckan.plugins.toolkit as tk
import pytest
from ckan.tests import helpers

from .conftest import as_user

REFUSED = (tk.NotAuthorized, tk.ValidationError)


def _snapshot(pkg_id):
    pkg = helpers.call_action("package_show", id=pkg_id)
    return pkg["review_state"], pkg["private"], pkg["metadata_modified"]


def _attempts(people, who):
    """(what, how) for each transition, on the agent's dataset in the state it needs."""
    draft = people.draft(name=f"brouillon-{who}")
    submitted = people.draft(name=f"soumis-{who}")
    to_return = people.draft(name=f"a-renvoyer-{who}")
    for pkg in (submitted, to_return):
        as_user(people.agent, "metropole_review_submit", id=pkg["id"])
    return [
        ("submit", draft["id"], lambda u: as_user(u, "metropole_review_submit", id=draft["id"])),
        ("accept", submitted["id"], lambda u: as_user(u, "metropole_review_accept", id=submitted["id"])),
        (
            "return",
            to_return["id"],
            lambda u: as_user(u, "metropole_review_return", id=to_return["id"], comment="À revoir"),
        ),
        (
            "publish by package_patch",
            draft["id"],
            lambda u: as_user(u, "package_patch", id=draft["id"], private=False),
        ),
        (
            "publish by package_patch while submitted",
            submitted["id"],
            lambda u: as_user(u, "package_patch", id=submitted["id"], private="false"),
        ),
    ]


ALLOWED = {
    "agent": {"submit"},
    "other_agent": set(),
    "reviewer": {"accept", "return"},
    "anonymous": set(),
}


@pytest.mark.parametrize("who", sorted(ALLOWED))
def test_transitions(people, who):
    user = None if who == "anonymous" else getattr(people, who)
    for what, pkg_id, attempt in _attempts(people, who):
        before = _snapshot(pkg_id)
        if what in ALLOWED[who]:
            attempt(user)
            assert _snapshot(pkg_id)[0] != before[0], (who, what)
            continue
        with pytest.raises(REFUSED) as e:
            attempt(user)
        message = str(e.value)
        assert message.strip(), (who, what)
        assert _snapshot(pkg_id) == before, (who, what)
    queue = lambda: as_user(user, "metropole_review_queue_show")  # noqa: E731
    if who == "reviewer":
        assert queue()["count"] == 2 - len(ALLOWED[who])
    else:
        with pytest.raises(tk.NotAuthorized):
            queue()


def test_refusals_through_the_api_are_french(people, app):
    from ckan.tests import factories

    pkg = people.draft(name="dae")
    as_user(people.agent, "metropole_review_submit", id=pkg["id"])
    headers = {"Authorization": factories.APIToken(user=people.agent["name"])["token"]}
    before = _snapshot(pkg["id"])
    res = app.post("/api/3/action/metropole_review_accept", json={"id": "dae"}, headers=headers, status=403)
    assert "Seul un relecteur de la métropole" in res.json["error"]["message"]
    res = app.post(
        "/api/3/action/package_patch", json={"id": "dae", "private": False}, headers=headers, status=409
    )
    assert "accepté par la métropole" in " ".join(res.json["error"]["private"])
    other = {"Authorization": factories.APIToken(user=people.other_agent["name"])["token"]}
    res = app.post("/api/3/action/metropole_review_submit", json={"id": "dae"}, headers=other, status=403)
    assert "Seul un agent de l'organisation" in res.json["error"]["message"]
    assert _snapshot(pkg["id"]) == before
    bare = people.draft(name="maigre", notes="Court.", resources=[])
    res = app.post(
        "/api/3/action/metropole_review_submit", json={"id": "maigre"}, headers=headers, status=409
    )
    assert "Soumission refusée" in res.json["error"]["criteria"][0]
    assert any("format ouvert" in m for m in res.json["error"]["criteria"])
    assert helpers.call_action("package_show", id=bare["id"])["review_state"] == "draft"


def test_reviewer_of_another_metropole_cannot_decide(people):
    from ckan.tests import factories

    other_metro = factories.Organization(kind="metropole", name="autre-metropole")
    outsider = people._member(other_metro, "admin", "ailleurs")
    pkg = people.draft(name="dae")
    as_user(people.agent, "metropole_review_submit", id=pkg["id"])
    with pytest.raises(tk.NotAuthorized):
        as_user(outsider, "metropole_review_accept", id=pkg["id"])
    with pytest.raises(tk.NotAuthorized):
        as_user(outsider, "package_show", id=pkg["id"])
    assert as_user(outsider, "metropole_review_queue_show")["count"] == 0
