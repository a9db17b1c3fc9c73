"""A big Opendatasoft portal (total_count beyond the paged listing's reach) is read through
its catalogue export, /api/explore/v2.1/catalog/exports/json: a JSON array of the dataset
objects that /catalog/datasets pages carry (fixtures/opendatasoft, see its origin there),
parsed as it arrives. Also: what the import writes is searchable at the end of the job."""

from __future__ import annotations

import json

import ckan.plugins.toolkit as tk
import pytest

from ckanext.metropole.harvest.protocols import opendatasoft

from .conftest import harvested, serve_ods
from .portal_server import FIXTURES as FIXTURES_DIR

EXPORT = "/api/explore/v2.1/catalog/exports/json"
ALL = [
    "aubiere-budget-primitif-2024",
    "aubiere-defibrillateurs-roubaix",
    "aubiere-ecoles-maternelles",
    "aubiere-parkings-mel",
    "aubiere-qualite-de-l-eau",
]

pytestmark = pytest.mark.usefixtures("small_pages")


def export_body() -> str:
    items = []
    for page in (0, 2, 4):
        items += json.loads((FIXTURES_DIR / f"opendatasoft/datasets_{page}.json").read_text())["results"]
    return json.dumps(items, ensure_ascii=False, indent=1)


@pytest.fixture
def big_portal(portal, monkeypatch):
    """The 5 fixture datasets announced beyond the paged listing's limit (lowered to 3)."""
    monkeypatch.setattr(opendatasoft, "OFFSET_LIMIT", 3)
    serve_ods(portal)
    return portal


def search(owner="aubiere"):
    return tk.get_action("package_search")({"ignore_auth": True}, {"fq": f"organization:{owner}", "rows": 50})


def test_export_is_read_whole_and_every_dataset_searchable_at_the_end(big_portal, make_source, harvest):
    big_portal.add(EXPORT, export_body())
    source = make_source(big_portal.url)
    result = harvest(source)
    assert result["gather_errors"] == []
    assert result["stats"]["added"] == 5
    assert harvested() == ALL
    assert any(path.startswith(EXPORT) for path in big_portal.requests)
    assert not any("offset=2" in path for path in big_portal.requests)  # no paging beyond the limit
    found = search()
    assert sorted(p["name"] for p in found["results"]) == ALL
    # indexed once the harvest object points at it: ckanext-harvest's source field is there
    by_source = tk.get_action("package_search")(
        {"ignore_auth": True}, {"fq": f'harvest_source_id:"{source["id"]}"', "rows": 0}
    )
    assert by_source["count"] == 5


@pytest.mark.parametrize(
    ("body", "fault", "expected"),
    [
        (None, "truncated", "tronqu"),
        ('{"error_code": "ODSQLError", "message": "Invalid"}', None, "liste JSON était attendue"),
        ("[1, 2]", None, "Export du catalogue Opendatasoft invalide"),
        ("", None, "Réponse JSON invalide"),
    ],
)
def test_a_broken_export_stops_the_run_and_creates_nothing(
    big_portal, make_source, harvest, body, fault, expected
):
    big_portal.add(EXPORT, export_body() if body is None else body, fault=fault)
    result = harvest(make_source(big_portal.url))
    assert len(result["gather_errors"]) == 1
    assert expected in result["gather_errors"][0]
    assert "rien n'a été modifié ni retiré" in result["gather_errors"][0]
    assert harvested() == []
    assert search()["count"] == 0


def test_a_broken_export_withdraws_nothing_harvested_before(big_portal, make_source, harvest):
    big_portal.add(EXPORT, export_body())
    source = make_source(big_portal.url)
    assert harvest(source)["stats"]["added"] == 5
    big_portal.clear(EXPORT)
    big_portal.add(EXPORT, export_body(), fault="truncated")
    result = harvest(source)
    assert "tronqu" in result["gather_errors"][0]
    assert harvested() == ALL
    assert search()["count"] == 5
