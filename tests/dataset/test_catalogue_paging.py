"""The Hydra paging of the DCAT catalogue (ours: ckanext-dcat's builder is private to it)."""

from __future__ import annotations

import pytest

from ckanext.metropole.dataset.catalogue import hydra_paging

PROFILES = ["euro_dcat_ap_3", "metropole_dcat_ap"]


@pytest.mark.ckan_config("ckanext.dcat.datasets_per_page", "2")
@pytest.mark.ckan_config("ckanext.dcat.base_uri", "https://data.example.org")
def test_page_addresses_keep_the_filters_encoded_whoever_asked():
    request = {"page": "2", "q": "title:parc auto", "profiles": PROFILES, "format": "ttl", "fq": None}
    paging = hydra_paging({"count": 5, "results": [{}, {}]}, request)
    base = (
        "https://data.example.org/catalog.ttl?profiles=euro_dcat_ap_3%2Cmetropole_dcat_ap&q=title%3Aparc+auto"
    )
    assert paging == {
        "count": 5,
        "items_per_page": 2,
        "current": base + "&page=2",
        "first": base + "&page=1",
        "last": base + "&page=3",
        "previous": base + "&page=1",
        "next": base + "&page=3",
    }


@pytest.mark.ckan_config("ckanext.dcat.datasets_per_page", "2")
@pytest.mark.ckan_config("ckanext.dcat.base_uri", "https://data.example.org")
def test_beyond_the_end_the_last_page_precedes_and_nothing_follows():
    paging = hydra_paging({"count": 3, "results": []}, {"page": 99, "format": "rdf"})
    assert paging["previous"] == paging["last"] == "https://data.example.org/catalog.rdf?page=2"
    assert "next" not in paging
    assert hydra_paging({"count": 0, "results": []}, {"page": 1}) == {}
