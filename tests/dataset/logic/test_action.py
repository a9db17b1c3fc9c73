"""metropole_theme_groups_sync through the Action API: sysadmins only."""

from __future__ import annotations

import pytest
from ckan.tests import factories, helpers

from ...conftest import load_territory

pytestmark = pytest.mark.usefixtures("clean_db", "clean_index", "with_plugins")


def _sync(app, user=None, status=200):
    headers = {"Authorization": user["token"]} if user else {}
    return app.post("/api/3/action/metropole_theme_groups_sync", json={}, headers=headers, status=status).json


def test_anonymous_and_commune_editor_are_refused(app):
    load_territory(epci="246300701")
    editor = factories.UserWithToken()
    helpers.call_action("organization_member_create", id="royat", username=editor["name"], role="admin")
    assert _sync(app, status=403)["success"] is False
    assert "administrateur du portail" in _sync(app, editor, status=403)["error"]["message"]
    assert helpers.call_action("group_list") == []


def test_sysadmin_creates_the_13_groups_then_nothing_changes(app):
    sysadmin = factories.SysadminWithToken()
    assert _sync(app, sysadmin)["result"] == {
        "created": 13,
        "updated": 0,
        "unchanged": 0,
        "datasets_regrouped": 0,
    }
    assert len(helpers.call_action("group_list")) == 13
    assert _sync(app, sysadmin)["result"]["unchanged"] == 13
