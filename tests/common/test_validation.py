"""Reading and checking a commune's file: formats, encodings and errors, without CKAN."""

import io
import json
from pathlib import Path

import openpyxl
import pytest

from ckanext.metropole.common import catalogue, validation

FIXTURES = Path(__file__).parent / "fixtures"
TOILETS = ["id", "nom", "insee", "adresse", "acces_pmr", "gratuit", "horaires", "latitude", "longitude"]
GOOD = [
    [
        "63113-0001",
        "Place de Jaude",
        "63113",
        "Place de Jaude",
        "true",
        "true",
        "Mo-Su 06:00-22:00",
        "45.7772",
        "3.0819",
    ],
    ["63113-0002", "Jardin Lecoq", "63113", "Boulevard Lafayette", "false", "true", "", "45.7720", "3.0900"],
]


@pytest.fixture
def toilets():
    return catalogue.by_id("toilettes-publiques")


def csv_bytes(rows, delimiter=",", encoding="utf-8"):
    return "\n".join(delimiter.join(r) for r in rows).encode(encoding)


def test_schema_authors_examples_are_judged_as_their_authors_say():
    parking = catalogue.by_id("stationnement")
    valid = validation.validate((FIXTURES / "stationnement-exemple-valide.csv").read_bytes(), "CSV", parking)
    invalid = validation.validate(
        (FIXTURES / "stationnement-exemple-invalide.csv").read_bytes(), "CSV", parking
    )
    assert valid["status"] == "valid" and valid["rows"] == 2
    assert invalid["status"] == "invalid"
    assert {(e["row"], e["column"]) for e in invalid["errors"]} >= {(2, "id"), (2, "tarif_pmr")}


@pytest.mark.parametrize("delimiter", [",", ";", "\t"])
def test_csv_any_delimiter_and_reordered_columns(toilets, delimiter):
    header = TOILETS[::-1]
    rows = [header] + [r[::-1] for r in GOOD]
    report = validation.validate(csv_bytes(rows, delimiter), "CSV", toilets)
    assert report["status"] == "valid", report["errors"]
    assert report["delimiter"] == delimiter and report["rows"] == 2


def test_latin1_csv_is_accepted_with_a_warning(toilets):
    rows = [
        TOILETS,
        [
            "63113-0003",
            "Hôtel de ville — entrée",
            "63113",
            "10 rue Philippe-Marcombes",
            "true",
            "true",
            "",
            "45.7786",
            "3.0866",
        ],
    ]
    report = validation.validate(csv_bytes(rows, ";", "cp1252"), "csv", toilets)
    assert report["status"] == "valid" and report["encoding"].startswith("Latin-1")
    assert report["warnings"] == [{"code": "latin1"}]


def test_invalid_values_give_row_column_and_value(toilets):
    rows = [TOILETS, GOOD[0], ["63113-0002", "Lecoq", "6311", "", "oui", "true", "", "95", "3.09"]]
    report = validation.validate(csv_bytes(rows), "CSV", toilets)
    assert report["status"] == "invalid"
    found = {(e["code"], e["row"], e["column"]): e["params"] for e in report["errors"]}
    assert found[("constraint-error", 3, "insee")]["constraint"] == "pattern"
    assert found[("type-error", 3, "acces_pmr")] == {
        "value": "oui",
        "type": "boolean",
        "type_format": "default",
    }
    assert found[("constraint-error", 3, "latitude")] == {
        "value": "95",
        "constraint": "maximum",
        "expected": "90",
    }


def test_duplicate_primary_key_in_a_file(toilets):
    report = validation.validate(csv_bytes([TOILETS, GOOD[0], GOOD[0]]), "CSV", toilets)
    assert [(e["code"], e["row"]) for e in report["errors"]] == [("primary-key", 3)]


def test_missing_required_column_is_named(toilets):
    header = [h for h in TOILETS if h != "gratuit"]
    rows = [header] + [[c for h, c in zip(TOILETS, r, strict=True) if h != "gratuit"] for r in GOOD]
    report = validation.validate(csv_bytes(rows), "CSV", toilets)
    assert report["status"] == "invalid"
    assert {"code": "missing_column", "row": None, "column": "gratuit", "params": {}} in report["errors"]


def test_xlsx_with_typed_cells(toilets):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(TOILETS)
    sheet.append(["63113-0001", "Jaude", "63113", "", True, True, None, 45.7772, 3.0819])
    sheet.append(["63113-0002", "Lecoq", "63113", "", False, True, None, 45, 3])
    data = io.BytesIO()
    book.save(data)
    report = validation.validate(data.getvalue(), "XLSX", toilets)
    assert report["status"] == "valid", report["errors"]
    assert report["format"] == "XLSX" and report["rows"] == 2


def test_geojson_points_fill_the_coordinate_columns(toilets):
    features = [
        {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [3.0819, 45.7772]},
            "properties": {
                "id": "63113-0001",
                "nom": "Jaude",
                "insee": "63113",
                "acces_pmr": True,
                "gratuit": True,
                "horaires": None,
            },
        }
    ]
    data = json.dumps({"type": "FeatureCollection", "features": features}).encode()
    report = validation.validate(data, "GeoJSON", toilets)
    assert report["status"] == "valid", report["errors"]
    assert "latitude" in report["columns"]


@pytest.mark.parametrize(
    ("data", "declared", "code"),
    [
        (b"%PDF-1.7\n...", "CSV", "unsupported_format"),
        (b"PK\x03\x04not really a workbook", "XLSX", "unreadable"),
        (csv_bytes([TOILETS, GOOD[0]]), "XLSX", "format_mismatch"),
        (csv_bytes([TOILETS, GOOD[0]]), "PDF", "unsupported_format"),
        ("id,nom\n1,é".encode("utf-16"), "CSV", "encoding"),
        (b"", "CSV", "empty"),
        (b'{"type": "Feature"}', "GeoJSON", "not_geojson"),
        (b'{"type": ', "GeoJSON", "unreadable"),
    ],
)
def test_bad_files_get_a_report_never_an_exception(toilets, data, declared, code):
    report = validation.validate(data, declared, toilets)
    assert report["status"] == "error"
    assert [e["code"] for e in report["errors"]] == [code]
