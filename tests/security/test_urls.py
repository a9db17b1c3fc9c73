"""javascript:/data: links are refused for resources, organisation images and harvest sources."""

from __future__ import annotations

import ckan.model as model
import pytest
from ckan.tests import factories, helpers
from ckanext.harvest.model import HarvestSource

from ..conftest import make_dataset

BAD = [
    "javascript:alert(1)",
    "JaVa\tScRiPt:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "vbscript:msgbox(1)",
    "file:///etc/passwd",
    "http:nohost",
]


@pytest.mark.usefixtures("clean_db", "with_plugins")
def test_unsafe_links_are_refused_in_french_and_nothing_stored(app):
    sysadmin = factories.SysadminWithToken()
    headers = {"Authorization": sysadmin["token"]}
    org = factories.Organization(kind="partner")
    dataset = make_dataset(owner_org=org["id"], resources=[{"url": "https://exemple.fr/a.csv"}])
    wrong = []
    for url in BAD:
        for action, data, field in (
            ("resource_create", {"package_id": dataset["id"], "url": url}, "url"),
            ("organization_patch", {"id": org["id"], "image_url": url}, "image_url"),
            (
                "harvest_source_create",
                {
                    "name": "s",
                    "title": "S",
                    "url": url,
                    "source_type": "intercommunal",
                    "owner_org": org["id"],
                },
                "url",
            ),
        ):
            response = app.post(f"/api/3/action/{action}", json=data, headers=headers)
            error = response.json.get("error", {}) if response.status_code != 500 else {}
            if response.status_code != 409 or not any(
                w in " ".join(error.get(field, [])) for w in ("acceptées", "hôte")
            ):
                wrong.append((action, url, response.status_code, str(error)[:200]))
    assert wrong == [], "\n".join(map(str, wrong))
    assert len(helpers.call_action("package_show", id=dataset["id"])["resources"]) == 1
    assert helpers.call_action("organization_show", id=org["id"])["image_url"] == org["image_url"]
    assert model.Session.query(HarvestSource).count() == 0
    # web addresses and uploaded file names still pass
    helpers.call_action(
        "resource_create",
        context={"user": sysadmin["name"]},
        package_id=dataset["id"],
        url="https://exemple.fr/b.csv",
    )
