"""Resources reachable: checked by a background job (CKAN's RQ queue on the test Redis),
against a real HTTP server on 127.0.0.1; never in the request."""

from __future__ import annotations

import pytest
from ckan.lib import jobs
from ckan.tests import helpers

from ..harvest.portal_server import Portal
from .conftest import as_user


@pytest.fixture
def files():
    server = Portal()
    server.add("/ok.csv", b"a;b\n1;2\n", content_type="text/csv")
    server.add("/gone.csv", b"", status=404)
    yield server
    server.stop()


def _reachable(pkg_id):
    checklist = helpers.call_action("metropole_review_checklist_show", id=pkg_id)["criteria"]
    return next(c for c in checklist if c["id"] == "reachable")


@pytest.mark.ckan_config("ckanext.metropole.review.allowed_hosts", "127.0.0.1")
@pytest.mark.usefixtures("portal_language")
def test_job_checks_each_resource_and_the_checklist_shows_it(people, files):
    jobs.get_queue().empty()
    pkg = people.draft(
        name="dae",
        resources=[
            {"url": files.url + "/ok.csv", "format": "CSV"},
            {"url": files.url + "/gone.csv", "format": "CSV"},
        ],
    )
    as_user(people.agent, "metropole_review_submit", id=pkg["id"])
    assert _reachable(pkg["id"])["status"] == "pending"  # queued, not checked in the request
    assert files.requests == []
    jobs.Worker().work(burst=True)
    crit = _reachable(pkg["id"])
    assert crit["status"] == "fail" and crit["blocking"] is False
    assert "/gone.csv" in crit["detail"] and "404" in crit["detail"] and "/ok.csv" not in crit["detail"]
    assert sorted(files.requests) == ["/gone.csv", "/ok.csv"]


def test_private_addresses_are_not_fetched(people, files):
    jobs.get_queue().empty()
    pkg = people.draft(name="dae", resources=[{"url": files.url + "/ok.csv", "format": "CSV"}])
    as_user(people.agent, "metropole_review_submit", id=pkg["id"])
    jobs.Worker().work(burst=True)
    crit = _reachable(pkg["id"])
    assert crit["status"] == "fail" and "private network" in crit["detail"]
    assert files.requests == []
