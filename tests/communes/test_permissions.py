"""Commune agents write to their own commune only."""

from __future__ import annotations

import ckan.plugins.toolkit as tk
import pytest
from ckan.tests import factories, helpers

from ckanext.metropole.communes import territory as t

from ..conftest import DATASET_DEFAULTS, make_dataset
from .conftest import CLERMONT


def _as(user, action, **data):
    return tk.get_action(action)({"user": user["name"], "ignore_auth": False}, data)


@pytest.fixture
def communes(load_territory):
    load_territory(t.from_epci(CLERMONT))
    a = helpers.call_action("organization_show", id="aubiere")
    b = helpers.call_action("organization_show", id="durtol")
    return a, b


@pytest.fixture(params=["editor", "admin"])
def agent(request, communes):
    """An agent of commune A (Aubière), with the role of the parameter."""
    a, _ = communes
    user = factories.User()
    helpers.call_action("organization_member_create", id=a["id"], username=user["name"], role=request.param)
    user["role"] = request.param
    return user


def _dataset_of(org):
    return make_dataset(owner_org=org["id"], resources=[{"url": "http://example.org/a.csv"}])


@pytest.mark.usefixtures("clean_db", "clean_index", "with_plugins")
class TestCommuneAgentPermissions:
    def test_package_create(self, agent, communes):
        a, b = communes
        with pytest.raises(tk.NotAuthorized):
            _as(agent, "package_create", name="chez-b", owner_org=b["id"], **DATASET_DEFAULTS)
        assert (
            _as(agent, "package_create", name="chez-a", owner_org=a["id"], **DATASET_DEFAULTS)["owner_org"]
            == a["id"]
        )

    def test_package_update_patch_delete(self, agent, communes):
        a, b = communes
        mine, theirs = _dataset_of(a), _dataset_of(b)
        for action, data in [
            (
                "package_update",
                {"id": theirs["id"], "name": theirs["name"], "title": "x", "owner_org": b["id"]},
            ),
            ("package_patch", {"id": theirs["id"], "title": "x"}),
            ("package_delete", {"id": theirs["id"]}),
        ]:
            with pytest.raises(tk.NotAuthorized):
                _as(agent, action, **data)
        # moving a dataset of A into B is a write to B as well (CKAN refuses it on the field)
        with pytest.raises(tk.ValidationError) as e:
            _as(agent, "package_patch", id=mine["id"], owner_org=b["id"])
        assert "owner_org" in e.value.error_dict
        assert helpers.call_action("package_show", id=mine["id"])["owner_org"] == a["id"]
        assert helpers.call_action("package_show", id=theirs["id"])["title"] == theirs["title"]
        assert helpers.call_action("package_show", id=theirs["id"])["state"] == "active"

        _as(
            agent,
            "package_update",
            id=mine["id"],
            name=mine["name"],
            title="Mis à jour",
            owner_org=a["id"],
            **DATASET_DEFAULTS,
        )
        assert _as(agent, "package_patch", id=mine["id"], title="Corrigé")["title"] == "Corrigé"
        _as(agent, "package_delete", id=mine["id"])
        assert helpers.call_action("package_show", id=mine["id"])["state"] == "deleted"

    def test_resource_create_update_delete(self, agent, communes):
        a, b = communes
        mine, theirs = _dataset_of(a), _dataset_of(b)
        their_res = theirs["resources"][0]
        for action, data in [
            ("resource_create", {"package_id": theirs["id"], "url": "http://example.org/b.csv"}),
            ("resource_update", {"id": their_res["id"], "url": "http://example.org/c.csv"}),
            ("resource_delete", {"id": their_res["id"]}),
        ]:
            with pytest.raises(tk.NotAuthorized):
                _as(agent, action, **data)
        assert len(helpers.call_action("package_show", id=theirs["id"])["resources"]) == 1

        res = _as(agent, "resource_create", package_id=mine["id"], url="http://example.org/new.csv")
        _as(agent, "resource_update", id=res["id"], url="http://example.org/newer.csv")
        _as(agent, "resource_delete", id=res["id"])
        assert len(helpers.call_action("package_show", id=mine["id"])["resources"]) == 1

    def test_member_create(self, agent, communes):
        a, b = communes
        newcomer = factories.User()
        with pytest.raises(tk.NotAuthorized):
            _as(
                agent,
                "member_create",
                id=b["id"],
                object=newcomer["id"],
                object_type="user",
                capacity="editor",
            )
        if agent["role"] == "admin":
            _as(
                agent,
                "member_create",
                id=a["id"],
                object=newcomer["id"],
                object_type="user",
                capacity="editor",
            )
            roles = {m[0]: m[2] for m in helpers.call_action("member_list", id=a["id"], object_type="user")}
            assert roles[newcomer["id"]] == "Editor"
        else:
            # CKAN: managing members is an admin's right, editors only publish
            with pytest.raises(tk.NotAuthorized):
                _as(
                    agent,
                    "member_create",
                    id=a["id"],
                    object=newcomer["id"],
                    object_type="user",
                    capacity="editor",
                )
        assert newcomer["id"] not in {
            m[0] for m in helpers.call_action("member_list", id=b["id"], object_type="user")
        }
