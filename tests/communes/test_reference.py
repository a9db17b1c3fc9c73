"""The shipped reference data and the script that regenerates it."""

from __future__ import annotations

import gzip
import importlib.util
import json

import pytest

from ckanext.metropole.communes.reference import DATA_FILE, Reference, obliged, siren_is_valid

from ..conftest import ROOT


def test_reference_has_every_metropole_with_valid_sirens(ref):
    metros = {s: e for s, e in ref.epcis.items() if e.type == "METRO"}
    assert len(metros) == 21
    assert len(ref.epci("246300701").members) == 21
    assert len(ref.epci("243400017").members) == 31
    assert len(ref.epci("200093201").members) == 95
    # Not an EPCI in law, but version 6 of the package lists the Métropole de Lyon (type MET69)
    lyon = ref.epci("200046977")
    assert lyon.type == "MET69" and len(lyon.members) >= 58
    clermont = ref.commune("63113")
    assert clermont.name == "Clermont-Ferrand" and clermont.siren == "216301135"
    assert "63000" in clermont.postal_codes and clermont.population > 100_000
    assert all(siren_is_valid(c.siren) for c in ref.communes.values() if c.siren)
    assert ref.commune("2A004").name == "Ajaccio"


@pytest.mark.parametrize(
    ("value", "valid"),
    [
        ("216301135", True),
        ("246300701", True),
        ("200046977", True),
        ("216301136", False),
        ("21630113", False),
        ("2163011350", False),
        ("21630113A", False),
        ("", False),
    ],
)
def test_siren_luhn_key(value, valid):
    assert siren_is_valid(value) is valid


@pytest.mark.parametrize(
    ("population", "expected"), [(None, False), (0, False), (3499, False), (3500, True), (150000, True)]
)
def test_open_data_obligation_threshold(population, expected):
    assert obliged(population) is expected


def test_attribution_ships_with_the_data():
    text = (DATA_FILE.parent / "ATTRIBUTION.md").read_text()
    assert "Licence Ouverte" in text and "@etalab/decoupage-administratif" in text


def test_regeneration_script_builds_the_compact_format(tmp_path):
    data = tmp_path / "package" / "data"
    data.mkdir(parents=True)
    (data / "communes.json").write_text(
        json.dumps(
            [
                {
                    "code": "63113",
                    "nom": "Clermont-Ferrand",
                    "type": "commune-actuelle",
                    "siren": "216301135",
                    "codesPostaux": ["63000", "63100"],
                    "population": 146351,
                    "departement": "63",
                    "region": "84",
                },
                {"code": "99001", "nom": "Ancienne", "type": "commune-deleguee", "chefLieu": "63113"},
                {
                    "code": "13201",
                    "nom": "Marseille 1er",
                    "type": "arrondissement-municipal",
                    "commune": "13055",
                },
            ]
        )
    )
    (data / "epci.json").write_text(
        json.dumps(
            [
                {
                    "code": "246300701",
                    "nom": "Clermont Auvergne Métropole",
                    "type": "METRO",
                    "populationTotale": 1,
                    "membres": [{"code": "63113", "siren": "216301135", "nom": "Clermont-Ferrand"}],
                }
            ]
        )
    )
    spec = importlib.util.spec_from_file_location(
        "build_reference_data", ROOT / "scripts" / "build_reference_data.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    built = Reference(json.loads(json.dumps(module.build(tmp_path / "package", "0.0.0"))))
    assert set(built.communes) == {"63113"}  # neither former communes nor arrondissements
    assert built.successor("99001").insee == "63113"
    assert built.epci("246300701").members == ("63113",)
    # The shipped file has the same shape
    with gzip.open(DATA_FILE, "rt", encoding="utf-8") as f:
        shipped = json.load(f)
    assert set(shipped) == {"source", "licence", "format", "communes", "epci", "former"}
