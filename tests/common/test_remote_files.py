"""A commune's file given by its address: too large, unreachable or read, decided on what the
server sent (its announced length, the bytes received) and never on an error's text, which is
in the portal's language. Read from a real HTTP server on 127.0.0.1; no database needed."""

from __future__ import annotations

import pytest

from ckanext.metropole.common import jobs

from ..harvest.portal_server import Portal
from .test_jobs import CLERMONT, TOILETS

LIMIT_MB = 1


@pytest.fixture(scope="module")
def server():
    portal = Portal()
    portal.add("/toilettes.csv", CLERMONT, content_type="text/csv")
    portal.add("/announced.csv", b"x" * (LIMIT_MB * 1_000_000 + 1), content_type="text/csv")
    portal.add("/unannounced.csv", fault="oversized", content_type="text/csv")  # 4 MiB, no length
    portal.add("/missing.csv", status=404)
    yield portal.url
    portal.server.shutdown()


@pytest.fixture
def small_limit(ckan_config, monkeypatch):
    monkeypatch.setitem(ckan_config, "ckanext.metropole.common.max_file_mb", LIMIT_MB)


def report_of(url: str) -> dict:
    return jobs.run_validation({"id": "r", "url": url, "format": "CSV", "conforms_to": TOILETS})


@pytest.mark.ckan_config("ckan.locale_default", "en")
@pytest.mark.usefixtures("small_limit")
@pytest.mark.parametrize("path", ["/announced.csv", "/unannounced.csv"])
def test_an_oversized_remote_file_is_too_large_on_an_english_portal(server, path):
    report = report_of(server + path)
    assert report["status"] == "error"
    assert report["errors"][0]["code"] == "too_large"
    assert report["errors"][0]["params"]["limit"] == LIMIT_MB


@pytest.mark.usefixtures("portal_language", "small_limit")
def test_unreachable_too_large_and_read_in_either_language(server):
    assert [
        report_of(server + path)["errors"][0]["code"] for path in ("/unannounced.csv", "/missing.csv")
    ] == ["too_large", "unreachable"]
    assert report_of(server + "/toilettes.csv")["status"] == "valid"
