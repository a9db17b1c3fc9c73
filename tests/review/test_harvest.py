"""A harvest source with "review": true puts what it imports in the reviewers' queue;
other sources publish directly (the harvester is the portal's own, a sysadmin)."""

from __future__ import annotations

import pytest
from ckan.tests import helpers

from ..harvest.conftest import (  # noqa: F401  (fixtures below)  # noqa: F401
    harvest,
    harvested,
    make_source,
    package,
    portal,
    serve_ods,
    small_pages,
    territory,
)

pytestmark = pytest.mark.usefixtures("small_pages")


def test_source_with_review_imports_submitted_private_datasets(portal, make_source, harvest):
    serve_ods(portal)
    reviewed = make_source(portal.url, config='{"review": true}')
    result = harvest(reviewed)
    assert result["stats"]["added"] == 5
    dae = package("aubiere-defibrillateurs-roubaix")
    assert dae["review_state"] == "submitted" and dae["private"] is True
    anonymous = helpers.call_action("package_search", context={"user": ""}, q="*:*")
    assert anonymous["count"] == 0
    queue = helpers.call_action(
        "metropole_review_queue_show", context={"user": helpers.call_action("get_site_user")["name"]}
    )
    assert queue["count"] == 5


def test_source_without_review_publishes(portal, make_source, harvest):
    serve_ods(portal)
    harvest(make_source(portal.url))
    dae = package("aubiere-defibrillateurs-roubaix")
    assert "review_state" not in dae and dae["private"] is False


def test_review_key_is_checked(make_source):
    import ckan.plugins.toolkit as tk

    with pytest.raises(tk.ValidationError) as e:
        make_source("http://127.0.0.1:9/", config='{"review": "oui"}')
    assert "review" in str(e.value)
