"""Nothing in review reaches an anonymous visitor or another commune's agent, whatever the
door: search, listings, the dataset and resource pages, downloads, the DCAT documents, feeds,
activity streams, the organisation's page and the portal's own read actions."""

from __future__ import annotations

import pytest
from ckan.tests import factories, helpers

from .conftest import as_user

MARK = "Zorglubium"  # a word only the datasets in review carry
STATES = ("draft", "submitted", "returned", "resubmitted")
UNREVIEWED_EDIT = "edited"


def _auth(user):
    return {"Authorization": factories.APIToken(user=user["name"])["token"]}


@pytest.fixture
def in_review(people):
    """A dataset in each unpublished state, and one published then sent back by an edit."""
    names = {}
    for state in STATES:
        pkg = people.draft(name=f"revue-{state}", title=f"{MARK} {state}", tags=[{"name": MARK.lower()}])
        if state != "draft":
            as_user(people.agent, "metropole_review_submit", id=pkg["id"])
        if state == "returned":
            as_user(people.reviewer, "metropole_review_return", id=pkg["id"], comment="À revoir")
        if state == "resubmitted":
            as_user(people.reviewer, "metropole_review_accept", id=pkg["id"])
            # its published version was public (and stays so in past activities), not this edit
            as_user(
                people.agent,
                "package_patch",
                id=pkg["id"],
                license_id="odc-odbl",
                title=f"{MARK} {UNREVIEWED_EDIT}",
            )
        names[state] = helpers.call_action("package_show", id=pkg["id"])
    assert names["resubmitted"]["review_state"] == "submitted"
    return names


def test_nothing_in_review_leaks(people, in_review, app):
    leaks = []
    for who, headers in (("anonymous", {}), ("other commune's agent", _auth(people.other_agent))):
        _visit_everything(app, in_review, headers, lambda path, why, who=who: leaks.append((who, path, why)))
    assert leaks == [], leaks


def _visit_everything(app, in_review, headers, leak):
    def get(path, *statuses):
        res = app.get(path, headers=headers, status=None)
        text = res.get_data(as_text=True)
        if res.status_code >= 500 or (statuses and res.status_code not in statuses):
            leak(path, res.status_code)
        elif res.status_code == 200:
            shown = sorted(
                {s for s in (*STATES[:3], UNREVIEWED_EDIT) if f"{MARK} {s}" in text or f"revue-{s}" in text}
            )
            if shown:
                leak(path, shown)

    for path in (
        "/api/3/action/package_search?q=*:*&include_private=true&include_drafts=true",
        "/api/3/action/package_list",
        "/api/3/action/current_package_list_with_resources",
        "/api/3/action/organization_show?id=aubiere&include_datasets=true",
        "/api/3/action/organization_list?all_fields=true",
        "/api/3/action/recently_changed_packages_activity_list",
        "/api/3/action/organization_activity_list?id=aubiere",
        "/api/3/action/metropole_quality_show?organization=aubiere",
        "/api/3/action/metropole_participation_show",
        "/api/3/action/metropole_review_waiting_counts",
        "/dataset/?q=" + MARK,
        "/organization/aubiere",
        "/organization/activity/aubiere",
        "/catalog.ttl",
        "/catalog.rdf",
        "/catalog.jsonld",
        "/catalog.xml",
        "/feeds/dataset.atom",
        "/feeds/organization/aubiere.atom",
        "/feeds/custom.atom?q=" + MARK,
        "/participation",
        "/",
        "/dataset/?tags=" + MARK.lower(),
    ):
        get(path)
    for pkg in in_review.values():
        resource = pkg["resources"][0]
        for path in (
            f"/api/3/action/package_show?id={pkg['name']}",
            f"/api/3/action/package_activity_list?id={pkg['id']}",
            f"/api/3/action/resource_show?id={resource['id']}",
            f"/api/3/action/resource_view_list?id={resource['id']}",
            f"/api/3/action/metropole_quality_show?id={pkg['name']}",
            f"/api/3/action/metropole_review_checklist_show?id={pkg['name']}",
            f"/dataset/{pkg['name']}",
            f"/dataset/{pkg['name']}.ttl",
            f"/dataset/{pkg['name']}.jsonld",
            f"/dataset/{pkg['name']}.rdf",
            f"/dataset/activity/{pkg['name']}",
            f"/dataset/{pkg['name']}/resource/{resource['id']}",
            f"/dataset/{pkg['name']}/resource/{resource['id']}/download",
        ):
            get(path, 302, 401, 403, 404)
