"""Harvest URLs reaching internal addresses are refused unless the operator allows them."""

from __future__ import annotations

import pytest

from ckanext.metropole.harvest.errors import HarvestError
from ckanext.metropole.harvest.http import Client

from .conftest import harvested, serve_ods


@pytest.mark.ckan_config("ckanext.metropole.harvest.allowed_hosts", "")
def test_loopback_source_is_refused_by_default(portal, make_source, harvest, small_pages):
    serve_ods(portal)
    result = harvest(make_source(portal.url))
    assert any("Adresse refusée : 127.0.0.1 mène à 127.0.0.1" in e for e in result["gather_errors"])
    assert portal.requests == []  # not a single request left the portal
    assert harvested() == []


@pytest.mark.parametrize(
    "url",
    [
        "http://10.1.2.3/",
        "http://192.168.0.1/",
        "http://169.254.169.254/latest/",
        "http://[::1]/",
        "http://0.0.0.0/",
        "ftp://example.org/",
        "file:///etc/passwd",
    ],
)
def test_internal_and_non_http_addresses_are_refused(url):
    client = Client(allowed_hosts=[])
    with pytest.raises(HarvestError) as e:
        client.check_host(url)
    assert "refusée" in str(e.value)


def test_allowed_host_passes():
    Client(allowed_hosts=["127.0.0.1"]).check_host("http://127.0.0.1:8080/")
