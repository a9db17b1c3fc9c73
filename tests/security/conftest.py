from __future__ import annotations

import re

import pytest
from ckan.tests import factories

PASSWORD = "Mot-de-passe-solide-2024"


def csrf_token(html: str) -> str:
    return re.search(r'name="_csrf_token" value="([^"]+)"', html).group(1)


@pytest.fixture
def browser(app):
    """A client that logs in with the form and keeps its session cookie, as a browser does:
    CKAN exempts requests carrying an API token from CSRF checks, a session cookie is not."""

    def login(user: dict):
        client = app.test_client()
        token = csrf_token(client.get("/user/login").body)
        response = client.post(
            "/user/login",
            data={"login": user["name"], "password": PASSWORD, "_csrf_token": token},
            follow_redirects=False,
        )
        assert response.status_code == 302, response.body[:2000]
        client.csrf = lambda url: csrf_token(client.get(url).body)
        return client

    return login


def user_with_password(**kwargs) -> dict:
    return factories.User(password=PASSWORD, **kwargs)


def metropole_and_commune(as_sys: dict) -> tuple[dict, dict]:
    """Clermont Auvergne Métropole and its commune Aubière, created by a sysadmin."""
    from ckan.tests import helpers

    metro = helpers.call_action(
        "organization_create",
        context=dict(as_sys),
        name="clermont-auvergne-metropole",
        title="Clermont Auvergne Métropole",
        kind="metropole",
        siren="246300701",
    )
    commune = helpers.call_action(
        "organization_create",
        context=dict(as_sys),
        name="aubiere",
        title="Aubière",
        kind="commune",
        insee_code="63014",
        member_of=metro["name"],
        population="10000",
    )
    return metro, commune
