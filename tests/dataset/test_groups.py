"""The 13 themes as CKAN groups, in step with each dataset's theme."""

from __future__ import annotations

import pytest
from ckan.cli.cli import ckan
from ckan.tests import factories, helpers

from .conftest import full_dataset

pytestmark = pytest.mark.usefixtures("clean_db", "clean_index", "with_plugins", "territory")


def _groups(name):
    return sorted(g["name"] for g in helpers.call_action("package_show", id=name)["groups"])


def test_thirteen_theme_groups_with_french_titles():
    listed = helpers.call_action("group_list", all_fields=True)
    titles = {g["name"]: g["title"] for g in listed}
    assert len(titles) == 13
    assert titles["tourisme-patrimoine"] == "Tourisme et patrimoine"
    assert helpers.call_action("metropole_theme_groups_sync") == {
        "created": 0,
        "updated": 0,
        "unchanged": 13,
        "datasets_regrouped": 0,
    }


def test_groups_follow_the_theme_field(create, sysadmin):
    other = factories.Group(name="coups-de-coeur")
    dataset = create(**full_dataset(groups=[{"name": other["name"]}]))
    assert _groups(dataset["name"]) == ["coups-de-coeur", "equipements", "sante"]
    helpers.call_action(
        "package_patch", context={"user": sysadmin["name"]}, id=dataset["id"], theme=["transports"]
    )
    assert _groups(dataset["name"]) == ["coups-de-coeur", "transports"]
    found = helpers.call_action("package_search", fq="groups:transports")
    assert [r["name"] for r in found["results"]] == [dataset["name"]]
    assert helpers.call_action("package_search", fq="groups:sante")["count"] == 0


def test_commune_editor_gets_theme_groups_without_rights_on_them(territory):
    import ckan.plugins.toolkit as tk

    editor = factories.User()
    helpers.call_action("organization_member_create", id="royat", username=editor["name"], role="editor")
    dataset = tk.get_action("package_create")(
        {"user": editor["name"]}, full_dataset(owner_org="royat", communes=[])
    )
    assert _groups(dataset["name"]) == ["equipements", "sante"]


def test_theme_page_lists_its_datasets(app, create):
    create(**full_dataset())
    html = app.get("/group/sante").body
    assert "Défibrillateurs automatisés externes" in html


@pytest.mark.usefixtures("with_extended_cli")
def test_sync_command_repairs_memberships(cli, create):
    import ckan.model as model

    dataset = create(**full_dataset())
    for member in model.Session.query(model.Member).filter(
        model.Member.table_id == dataset["id"], model.Member.capacity == "public"
    ):
        member.state = "deleted"
    model.repo.commit()
    assert _groups(dataset["name"]) == []
    result = cli.invoke(ckan, ["metropole", "themes", "sync"])
    assert result.exit_code == 0, result.output
    assert "inchangés : 13" in result.output and "rangés à nouveau : 1" in result.output
    assert _groups(dataset["name"]) == ["equipements", "sante"]
