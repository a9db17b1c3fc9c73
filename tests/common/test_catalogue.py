"""The common datasets as data: each names a shipped schema that frictionless accepts."""

import json

import pytest
import yaml
from frictionless import Schema

from ckanext.metropole.common import catalogue
from ckanext.metropole.dataset import vocabularies

from ..conftest import ROOT


def test_every_common_dataset_ships_a_valid_table_schema_with_its_origin():
    sources = catalogue.sources()
    commons = catalogue.common_datasets()
    assert len(commons) >= 6 and len({c.id for c in commons}) == len(commons)
    for common in commons:
        schema = Schema.from_descriptor(common.schema)  # raises on an invalid Table Schema
        assert schema.fields, common.id
        info = sources[common.schema_id]
        assert info["version"] and info["licence"] and info["retrieved"]
        if not common.schema_id.startswith("metropole/"):
            assert info["url"].startswith(f"https://schema.data.gouv.fr/schemas/{common.schema_id}/")
        assert common.theme in vocabularies.theme_labels()
        assert common.schema_id in vocabularies.table_schemas()  # choosable in the resource form
        assert common.primary_key and set(common.primary_key) <= set(common.field_names), common.id
        assert set(common.coordinates.values()) <= set(common.field_names), common.id


def test_shipped_schema_declares_the_version_of_the_manifest():
    for common in catalogue.common_datasets():
        declared = str(common.schema.get("version") or "").lstrip("v")
        # schema.data.gouv.fr sometimes serves a version directory whose file says the previous
        # version (lieux-covoiturage 0.3.1 says 0.3.0): same major.minor at least.
        assert declared.split(".")[:2] == common.version.lstrip("v").split(".")[:2], common.id


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("atlasante/schema-dae", "defibrillateurs"),
        ("https://schema.data.gouv.fr/schemas/atlasante/schema-dae/1.0.7/schema.json", "defibrillateurs"),
        ("https://schema.data.gouv.fr/etalab/schema-stationnement/latest.html", "stationnement"),
        ("https://github.com/etalab/schema-lieux-covoiturage/raw/v0.2.0/schema.json", "lieux-covoiturage"),
        (
            "https://portail.example/jeux-communs/schemas/metropole/bureaux-de-vote/schema.json",
            "bureaux-de-vote",
        ),
        ("SCDL/EQUIPEMENTS", "equipements"),
        ("scdl/deliberations", None),
        ("https://example.org/schema.json", None),
        ("", None),
    ],
)
def test_conforms_to_in_any_published_form_names_its_common_dataset(value, expected):
    common = catalogue.resolve(value)
    assert (common.id if common else None) == expected


def test_config_file_is_the_source():
    entries = yaml.safe_load((ROOT / "config" / "common_datasets.yaml").read_text(encoding="utf-8"))
    assert [e["id"] for e in entries] == [c.id for c in catalogue.common_datasets()]
    manifest = json.loads((catalogue.SCHEMAS_DIR / "SOURCES.json").read_text(encoding="utf-8"))
    assert {e["schema"] for e in entries} <= set(manifest)
