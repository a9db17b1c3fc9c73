"""ext_bbox is checked before ckanext-spatial sees it; Solr's errors are not echoed."""

from __future__ import annotations

import json
from html import unescape

import pytest
from ckan.tests import factories

from ..conftest import make_dataset

BAD_BBOXES = [
    ("-1e308,-1e308,1e308,1e308", "entre -180 et 180"),  # the one that spun a thread forever
    ("-inf,-10,10,10", "finis"),
    ("nan,1,2,3", "finis"),
    ("1e400,1,2,3", "finis"),  # float('1e400') is inf
    ("-200,0,10,10", "entre -180 et 180"),
    ("0,-91,10,10", "entre -90 et 90"),
    ("0,0,10,95", "entre -90 et 90"),
    ("10,0,0,10", "vide"),
    ("0,10,10,10", "vide"),
    ("1,2,3", "Quatre nombres"),
    ("1,2,3,4,5", "Quatre nombres"),
    ("a,b,c,d", "Quatre nombres"),
    (",,,", "Quatre nombres"),
    ("1;2;3;4", "Quatre nombres"),
]


@pytest.mark.usefixtures("with_plugins")
def test_bad_boxes_are_refused_in_french_by_the_api_and_the_search_page(app):
    # One app for the whole table (reads only): a failure lists every case that went wrong.
    wrong = []
    for bbox, message in BAD_BBOXES:
        response = app.get("/api/3/action/package_search", query_string={"ext_bbox": bbox})
        if response.status_code != 409 or message not in " ".join(response.json["error"].get("ext_bbox", [])):
            wrong.append(("api", bbox, response.status_code, response.body[:300]))
        response = app.get("/dataset/", query_string={"ext_bbox": bbox})
        if response.status_code != 400 or message not in unescape(response.body):
            wrong.append(("page", bbox, response.status_code))
    assert wrong == [], "\n".join(map(str, wrong))


@pytest.mark.usefixtures("clean_db", "clean_index", "with_plugins")
class TestBoundingBox:
    def test_a_valid_box_still_filters(self, app):
        org = factories.Organization(kind="partner")
        inside = make_dataset(
            name="dans-la-boite",
            owner_org=org["id"],
            spatial=json.dumps(
                {
                    "type": "Polygon",
                    "coordinates": [[[3.0, 45.7], [3.2, 45.7], [3.2, 45.9], [3.0, 45.9], [3.0, 45.7]]],
                }
            ),
        )
        make_dataset(
            name="ailleurs",
            owner_org=org["id"],
            spatial=json.dumps(
                {
                    "type": "Polygon",
                    "coordinates": [[[-1.8, 48.0], [-1.5, 48.0], [-1.5, 48.2], [-1.8, 48.2], [-1.8, 48.0]]],
                }
            ),
        )
        response = app.get("/api/3/action/package_search", query_string={"ext_bbox": "2.9,45.6,3.3,46.0"})
        assert [d["name"] for d in response.json["result"]["results"]] == [inside["name"]]
        assert app.get("/dataset/", query_string={"ext_bbox": "2.9,45.6,3.3,46.0"}).status_code == 200


SOLR_PROBES = [
    {"q": "title:(", "fq": "x"},
    {"sort": "title_string sideways"},
    {"fq": "{!frange l=0}foo"},
    {"q": "a" * 20_000},
    {"fq": "b" * 20_000},
    {"facet.field": json.dumps(["no_such_field"]), "q": "*:*", "fq": "+unknownfield:[1 TO"},
]
LEAKS = ("capacity:public", "permission_labels", "+site_id", "SOLR", "a" * 100, "b" * 100)


@pytest.mark.usefixtures("with_plugins")
def test_solr_errors_do_not_echo_the_query_or_permission_filters(app):
    wrong = []
    for params in SOLR_PROBES:
        response = app.get("/api/3/action/package_search", query_string=params)
        body = response.body
        if response.status_code != 409 or any(leak in body for leak in LEAKS) or "recherche" not in body:
            wrong.append(
                ("api", str(params)[:40], response.status_code, [leak[:20] for leak in LEAKS if leak in body])
            )
        # the page reads only its own parameters (a link back to the URL may repeat what was sent)
        response = app.get("/dataset/", query_string=params)
        body = unescape(response.body)
        if response.status_code not in (200, 400) or any(leak in body for leak in LEAKS[:4]):
            wrong.append(("page", str(params)[:40], response.status_code))
    assert wrong == [], "\n".join(map(str, wrong))


@pytest.mark.usefixtures("clean_db", "clean_index", "with_plugins")
def test_a_page_of_results_beyond_the_limit_is_refused_in_french(app):
    org = factories.Organization(kind="partner")
    make_dataset(name="premier", owner_org=org["id"])
    far = app.get("/api/3/action/package_search", query_string={"start": 1_000_000_000})
    assert far.status_code == 409
    assert "trop loin" in " ".join(far.json["error"]["start"])
    page = app.get("/dataset/", query_string={"page": 100_000_000})  # start = (page - 1) * rows
    assert page.status_code == 400 and "trop loin" in unescape(page.body)
    # the last allowed start still answers (empty beyond the results), as do ordinary pages
    assert (
        app.get("/api/3/action/package_search", query_string={"start": 100_000}).json["result"]["results"]
        == []
    )
    first = app.get("/api/3/action/package_search", query_string={"start": 0}).json["result"]
    assert [d["name"] for d in first["results"]] == ["premier"]
    assert app.get("/api/3/action/package_search", query_string={"start": "abc"}).status_code == 409
