"""The Solr conf is generated from the installed CKAN's schema, with ckanext-spatial's fields."""

from __future__ import annotations

import ckan.plugins.toolkit as tk
import requests
from lxml import etree

from ckanext.metropole.stack import solr_schema
from tests import isolation

SPATIAL = {"minx", "maxx", "miny", "maxy", "bbox_area", "spatial_geom"}


def _fields(root):
    return {f.get("name"): f for f in root.iter("field")}


def test_schema_keeps_ckan_name_and_fields_and_adds_spatial():
    ckan_root = etree.parse(str(solr_schema.ckan_schema_path())).getroot()
    root = etree.fromstring(solr_schema.build_schema())
    assert root.get("name") == ckan_root.get("name") == "ckan-2.11"
    fields = _fields(root)
    # Nothing of CKAN's is lost
    assert set(_fields(ckan_root)) <= set(fields)
    assert set(fields) >= SPATIAL
    for name in SPATIAL - {"spatial_geom"}:
        assert fields[name].get("type") == "float"
    assert fields["spatial_geom"].get("type") == "location_rpt"
    rpt = [t for t in root.iter("fieldType") if t.get("name") == "location_rpt"]
    assert len(rpt) == 1 and rpt[0].get("spatialContextFactory") == "JTS"


def test_schema_generation_is_idempotent(tmp_path):
    source = tmp_path / "schema.xml"
    source.write_bytes(solr_schema.build_schema())
    again = etree.fromstring(solr_schema.build_schema(source))
    names = [f.get("name") for f in again.iter("field")]
    assert len(names) == len(set(names))


def test_write_conf_produces_a_complete_core_conf(tmp_path):
    conf = solr_schema.write_conf(tmp_path / "conf")
    config = etree.parse(str(conf / "solrconfig.xml")).getroot()
    assert config.find("schemaFactory").get("class") == "ClassicIndexSchemaFactory"
    # CKAN sends its own defType: no default may be configured
    assert not [e for e in config.iter("str") if e.get("name") == "defType"]
    for name in ("schema.xml", "protwords.txt", "synonyms.txt"):
        assert (conf / name).is_file()


def test_running_test_core_serves_the_generated_schema():
    base = tk.config["solr_url"]
    # test.ini's core, or this worker's own (tests/isolation.py)
    assert base.rsplit("/", 1)[1] == "ckan_test" + isolation.suffix(*isolation.current())
    schema = etree.fromstring(requests.get(base + "/schema", params={"wt": "schema.xml"}, timeout=10).content)
    assert schema.get("name") == "ckan-2.11"
    assert set(_fields(schema)) >= SPATIAL
    answer = requests.get(base + "/select", params={"q": "*:*", "rows": 0, "wt": "json"}, timeout=10).json()
    assert answer["responseHeader"]["status"] == 0
