"""harvest_source_list (ckanext-harvest) as anonymous visitors, commune editors and sysadmins
call it: private sources and source configurations are not for everyone."""

from __future__ import annotations

import json

import pytest
from ckan.tests import factories, helpers

from ..harvest.conftest import make_source, territory  # noqa: F401 (fixtures)


@pytest.fixture
def sources(make_source):
    public = make_source(
        "http://127.0.0.1:9/a", owner="aubiere", config=json.dumps({"remote_organization": "aubiere"})
    )
    site_user = helpers.call_action("get_site_user", context={"ignore_auth": True})["name"]
    private = helpers.call_action(
        "harvest_source_create",
        context={"user": site_user},
        url="http://127.0.0.1:9/b",
        name="source-privee-durtol",
        title="Source privée",
        source_type="intercommunal",
        owner_org="durtol",
        private=True,
        config=json.dumps({"remote_organization": "d"}),
    )
    return public, private


def _listed(app, headers=None):
    response = app.get("/api/3/action/harvest_source_list", headers=headers or {})
    assert response.status_code == 200, response.body
    return {s["url"]: s for s in response.json["result"]}  # (ckanext-harvest's source dicts have no name)


def _token(user):
    return {"Authorization": factories.APIToken(user=user["name"])["token"]}


def test_anonymous_sees_public_sources_without_their_configuration(app, sources):
    public, private = sources
    listed = _listed(app)
    assert public["url"] in listed and private["url"] not in listed
    assert "config" not in listed[public["url"]]


def test_editor_of_another_commune_sees_neither_private_source_nor_configuration(app, sources):
    _public, private = sources
    editor = factories.User()
    helpers.call_action("organization_member_create", id="aubiere", username=editor["name"], role="editor")
    listed = _listed(app, _token(editor))
    assert private["url"] not in listed
    assert all("config" not in s for s in listed.values())  # an editor may not edit a source


def test_sysadmin_sees_everything(app, sources):
    listed = _listed(app, _token(factories.Sysadmin()))
    assert {s["url"] for s in sources} <= set(listed) and all(listed[s["url"]].get("config") for s in sources)
