"""States of a commune agent's dataset, kept in step with CKAN's private flag."""

from __future__ import annotations

import ckan.plugins.toolkit as tk
import pytest
from ckan.tests import factories, helpers

from .conftest import as_user, complete


def _anonymous_sees(name: str) -> bool:
    found = helpers.call_action("package_search", context={"user": ""}, fq=f"name:{name}")
    return found["count"] == 1


def test_agent_dataset_starts_as_private_draft(people):
    pkg = people.draft(name="dae-aubiere")
    assert pkg["private"] is True and pkg["review_state"] == "draft"
    assert not _anonymous_sees("dae-aubiere")
    with pytest.raises(tk.NotAuthorized):
        as_user(None, "package_show", id=pkg["id"])


def test_sysadmin_and_reviewer_datasets_are_outside_review(people):
    from ..conftest import make_dataset

    assert "review_state" not in make_dataset(owner_org=people.commune["id"])
    mine = as_user(
        people.reviewer, "package_create", owner_org=people.metropole["id"], name="metro", **complete()
    )
    assert "review_state" not in mine and mine["private"] is False


def test_whole_path_and_activity(people):
    pkg = people.draft(name="dae")
    sub = as_user(people.agent, "metropole_review_submit", id=pkg["id"])
    assert sub["review_state"] == "submitted" and sub["private"] is True
    # the reviewer finds it in the queue and can read it (a member of the métropole only)
    queue = as_user(people.reviewer, "metropole_review_queue_show")
    assert [d["name"] for c in queue["communes"] for d in c["datasets"]] == ["dae"]
    assert queue["communes"][0]["title"] == "Aubière"
    assert as_user(people.reviewer, "package_show", id="dae")["name"] == "dae"
    ret = as_user(
        people.reviewer, "metropole_review_return", id="dae", comment="Ajoutez la date de maintenance."
    )
    assert ret["review_state"] == "returned" and ret["private"] is True
    as_user(people.agent, "package_patch", id="dae", title="DAE d'Aubière")
    as_user(people.agent, "metropole_review_submit", id="dae")
    acc = as_user(people.reviewer, "metropole_review_accept", id="dae")
    assert acc["review_state"] == "published" and acc["private"] is False
    assert _anonymous_sees("dae")
    activities = as_user(factories.Sysadmin(), "package_activity_list", id=pkg["id"], limit=20)
    events = [
        (a["data"]["package"].get("review_event"), a["user_id"], a["data"]["package"].get("review_comment"))
        for a in reversed(activities)
    ]
    assert events == [
        ("create", people.agent["id"], ""),
        ("submit", people.agent["id"], ""),
        ("return", people.reviewer["id"], "Ajoutez la date de maintenance."),
        (None, people.agent["id"], "Ajoutez la date de maintenance."),
        ("submit", people.agent["id"], ""),
        ("accept", people.reviewer["id"], ""),
    ]


def test_agent_cannot_publish_by_patch_or_by_create(people):
    pkg = people.draft(name="dae")
    with pytest.raises(tk.ValidationError) as e:
        as_user(people.agent, "package_patch", id=pkg["id"], private=False)
    assert "accept" in str(e.value.error_dict["private"])
    after = helpers.call_action("package_show", id=pkg["id"])
    assert after["private"] is True and after["review_state"] == "draft"
    with pytest.raises(tk.ValidationError):
        as_user(
            people.agent,
            "package_create",
            owner_org=people.commune["id"],
            name="public",
            private=False,
            **complete(),
        )
    with pytest.raises(tk.ValidationError):
        as_user(people.agent, "package_patch", id=pkg["id"], review_state="published")
    assert helpers.call_action("package_show", id=pkg["id"])["review_state"] == "draft"


def test_edit_of_published_dataset_goes_back_to_review_only_for_listed_fields(people, test_request_context):
    pkg = people.draft(name="dae")
    as_user(people.agent, "metropole_review_submit", id="dae")
    as_user(people.reviewer, "metropole_review_accept", id="dae")
    kept = as_user(people.agent, "package_patch", id="dae", title="Défibrillateurs")
    assert kept["review_state"] == "published" and kept["private"] is False
    with test_request_context():  # as an API call or the form: in the portal's language
        back = as_user(people.agent, "package_patch", id="dae", license_id="odc-odbl")
    assert back["review_state"] == "submitted" and back["private"] is True
    assert back["review_comment"] == "Modifié : Licence", back["review_comment"]
    as_user(people.reviewer, "metropole_review_accept", id="dae")
    # a resource added (resource_create goes through package_update) also needs review
    as_user(
        people.agent, "resource_create", package_id=pkg["id"], url="http://127.0.0.1:9/b.json", format="JSON"
    )
    assert helpers.call_action("package_show", id="dae")["review_state"] == "submitted"
    as_user(people.reviewer, "metropole_review_accept", id="dae")
    # the same file name on another host is another link
    resource = helpers.call_action("package_show", id="dae")["resources"][0]
    as_user(people.agent, "resource_patch", id=resource["id"], url="http://autre.example.org/dae.csv")
    assert helpers.call_action("package_show", id="dae")["review_state"] == "submitted"
    as_user(people.reviewer, "metropole_review_accept", id="dae")
    # an edit that leaves the resources as they are keeps it published
    as_user(people.agent, "resource_patch", id=resource["id"], name="Défibrillateurs (CSV)")
    assert helpers.call_action("package_show", id="dae")["review_state"] == "published"


def test_review_switched_off_for_trusted_commune(people, ckan_config, monkeypatch):
    monkeypatch.setitem(ckan_config, "ckanext.metropole.review.trusted_organizations", ["aubiere"])
    pkg = people.draft(name="confiance", private=False)
    assert "review_state" not in pkg and pkg["private"] is False
    other = as_user(
        people.other_agent,
        "package_create",
        owner_org=people.other_commune["id"],
        name="durtol",
        **complete(),
    )
    assert other["review_state"] == "draft"


@pytest.mark.parametrize("switch", ["trusted", "off"])
def test_datasets_already_in_review_when_it_is_switched_off(people, ckan_config, monkeypatch, switch):
    draft = people.draft(name="brouillon")
    published = people.draft(name="publie")
    as_user(people.agent, "metropole_review_submit", id="publie")
    as_user(people.reviewer, "metropole_review_accept", id="publie")
    if switch == "trusted":
        monkeypatch.setitem(ckan_config, "ckanext.metropole.review.trusted_organizations", ["aubiere"])
    else:
        monkeypatch.setitem(ckan_config, "ckanext.metropole.review.enabled", False)
    # the agent publishes the draft, and a licence change keeps the published dataset public
    shown = as_user(people.agent, "package_patch", id=draft["id"], private=False)
    assert (shown["private"], shown["review_state"], shown["review_event"]) == (False, "published", "publish")
    shown = as_user(people.agent, "package_patch", id=published["id"], license_id="odc-odbl")
    assert (shown["private"], shown["review_state"]) == (False, "published")
    # still no way round the review actions
    with pytest.raises(tk.ValidationError):
        as_user(people.agent, "package_patch", id=draft["id"], review_state="draft")


def test_review_switched_off_globally(people, ckan_config, monkeypatch):
    monkeypatch.setitem(ckan_config, "ckanext.metropole.review.enabled", False)
    assert "review_state" not in people.draft(name="libre")


def test_submission_refused_with_the_failing_criteria(people):
    pkg = people.draft(
        name="maigre",
        notes="Trop court.",
        license_id="cc-by",
        resources=[{"url": "http://127.0.0.1:9/a.pdf", "format": "PDF"}],
    )
    with pytest.raises(tk.ValidationError) as e:
        as_user(people.agent, "metropole_review_submit", id=pkg["id"])
    messages = " ".join(e.value.error_dict["criteria"])
    assert (
        "décret 2017-638" in messages
        and "lisible par une machine" in messages
        and "100 caractères" in messages
    )
    assert "thème" not in messages
    assert helpers.call_action("package_show", id=pkg["id"])["review_state"] == "draft"


def test_open_format_read_however_it_is_written(people):
    """The machine-readable criterion reads a format as CKAN names it, not as typed."""
    for i, fmt in enumerate((".csv", "csv ", "text/csv; charset=utf-8", "application/json", " GeoJSON")):
        pkg = people.draft(name=f"format-{i}", resources=[{"url": f"http://127.0.0.1:9/{i}", "format": fmt}])
        assert (
            as_user(people.agent, "metropole_review_submit", id=pkg["id"])["review_state"] == "submitted"
        ), fmt
    for name, resource in (
        ("format-pdf", {"url": "http://127.0.0.1:9/a.pdf", "format": ".PDF"}),
        ("sans-lien", {"url": "", "format": "CSV", "name": "Annoncé, pas encore en ligne"}),
    ):
        pkg = people.draft(name=name, resources=[resource])
        with pytest.raises(tk.ValidationError):
            as_user(people.agent, "metropole_review_submit", id=pkg["id"])


def test_bulk_make_public_refused_for_datasets_in_review(people):
    pkg = people.draft(name="dae")
    admin = people._member(people.commune, "admin", "maire")
    with pytest.raises(tk.NotAuthorized):
        as_user(admin, "bulk_update_public", datasets=[pkg["id"]], org_id=people.commune["id"])
    assert helpers.call_action("package_show", id=pkg["id"])["private"] is True
