"""Validation of a commune's file against the table schema of its common dataset.

Files come as CSV (``,`` ``;`` or tab, UTF-8 or Latin-1/Windows-1252), XLSX or GeoJSON. Each is
read into one table of text cells, then checked by frictionless against the shipped schema
(columns matched by name, as agents reorder them). The report holds error *codes* and their
parameters, never sentences: it is rendered in the reader's language (report.py).

Whatever the input (wrong format, oversize, undecodable, not tabular), the result is a report
with status ``error`` and a code; nothing here raises for a bad file.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
import zipfile
from dataclasses import dataclass, field

from .catalogue import CommonDataset

MAX_ERRORS = 20  # errors kept in a report: the first ones are what an agent fixes first
FORMATS = {
    "csv": "CSV",
    "txt": "CSV",
    "text/csv": "CSV",
    "xlsx": "XLSX",
    "geojson": "GeoJSON",
    "json": "GeoJSON",
    "application/geo+json": "GeoJSON",
}


class FileProblem(Exception):
    """A file that cannot be read as a table: ``code`` names the problem for the report."""

    def __init__(self, code: str, **params):
        super().__init__(code)
        self.code = code
        self.params = params


@dataclass
class Table:
    format: str
    header: list[str]
    rows: list[list[str]]
    encoding: str = ""
    delimiter: str = ""
    warnings: list[dict] = field(default_factory=list)


# ------------------------------------------------------------------ reading


def declared_format(value: str) -> str:
    """CSV, XLSX or GeoJSON from a resource's format field; other non-empty values as given."""
    value = (value or "").strip()
    return FORMATS.get(value.lower(), value.upper())


def sniff_format(data: bytes) -> str:
    head = data[:8]
    if head.startswith(b"PK\x03\x04"):
        return "XLSX"
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        return "XLS"
    if head.startswith(b"%PDF"):
        return "PDF"
    stripped = data[:1024].lstrip(b"\xef\xbb\xbf \t\r\n")
    if stripped[:1] in (b"{", b"["):
        return "GeoJSON"
    if b"\x00" in data[:4096]:
        return "binaire"
    return "CSV"


def decode(data: bytes) -> tuple[str, str]:
    try:
        return data.decode("utf-8-sig"), "UTF-8"
    except UnicodeDecodeError:
        pass
    try:
        text = data.decode("cp1252")
    except UnicodeDecodeError as e:
        raise FileProblem("encoding", position=e.start) from None
    if "\x00" in text:
        raise FileProblem("encoding", position=text.index("\x00"))
    return text, "Latin-1 (Windows-1252)"


def read_csv(data: bytes) -> Table:
    text, encoding = decode(data)
    first_line = text.split("\n", 1)[0]
    delimiter = max((";", ",", "\t", "|"), key=first_line.count)
    if first_line.count(delimiter) == 0:
        delimiter = ","
    try:
        rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    except csv.Error as e:
        raise FileProblem("unreadable", detail=str(e)) from e
    rows = [r for r in rows if any(c.strip() for c in r)] if rows else []
    if not rows:
        raise FileProblem("empty")
    warnings = [] if encoding == "UTF-8" else [{"code": "latin1"}]
    return Table("CSV", [h.strip() for h in rows[0]], rows[1:], encoding, delimiter, warnings)


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def read_xlsx(data: bytes) -> Table:
    import openpyxl

    try:
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as e:
        raise FileProblem("unreadable", detail=type(e).__name__) from e
    try:
        sheet = book.worksheets[0]
        rows = [[_cell_text(c) for c in row] for row in sheet.iter_rows(values_only=True)]
    finally:
        book.close()
    rows = [r for r in rows if any(c.strip() for c in r)]
    if not rows:
        raise FileProblem("empty")
    header = [h.strip() for h in rows[0]]
    while header and not header[-1]:
        header.pop()
    return Table("XLSX", header, [r[: len(header)] for r in rows[1:]])


def read_geojson(data: bytes, common: CommonDataset) -> Table:
    try:
        doc = json.loads(data.decode("utf-8-sig"))
    except UnicodeDecodeError as e:
        raise FileProblem("encoding", position=e.start) from None
    except ValueError as e:
        raise FileProblem("unreadable", detail=str(e)[:120]) from e
    features = doc.get("features") if isinstance(doc, dict) else None
    if not isinstance(features, list):
        raise FileProblem("not_geojson")
    coords = common.coordinates
    header: list[str] = []
    records = []
    for feature in features:
        props = dict((feature or {}).get("properties") or {})
        geometry = (feature or {}).get("geometry") or {}
        if geometry.get("type") == "Point" and len(geometry.get("coordinates") or []) >= 2:
            lon, lat = geometry["coordinates"][:2]
            if "geopoint" in coords:
                props.setdefault(coords["geopoint"], f"{lon}, {lat}")
            elif coords:
                props.setdefault(coords["latitude"], lat)
                props.setdefault(coords["longitude"], lon)
        for key in props:
            if key not in header:
                header.append(key)
        records.append(props)
    if not header:
        raise FileProblem("empty")
    return Table("GeoJSON", header, [[_cell_text(r.get(h)) for h in header] for r in records], "UTF-8")


def read_table(data: bytes, declared: str, common: CommonDataset) -> Table:
    detected = sniff_format(data)
    declared = declared_format(declared)
    if detected == "binaire" and declared in ("", "CSV"):
        # Text with NUL bytes: UTF-16 (a spreadsheet's "Unicode text") or another encoding.
        raise FileProblem("encoding", position=data.index(b"\x00"))
    if detected in ("XLS", "PDF", "binaire"):
        raise FileProblem("unsupported_format", detected=detected)
    if declared and declared in ("CSV", "XLSX", "GeoJSON") and declared != detected:
        raise FileProblem("format_mismatch", declared=declared, detected=detected)
    if declared and declared not in ("CSV", "XLSX", "GeoJSON"):
        raise FileProblem("unsupported_format", detected=declared)
    if detected == "XLSX":
        return read_xlsx(data)
    if detected == "GeoJSON":
        return read_geojson(data, common)
    return read_csv(data)


# ------------------------------------------------------------------ checking


def _error(code: str, row=None, column=None, **params) -> dict:
    return {"code": code, "row": row, "column": column, "params": params}


def _note_params(error) -> dict:
    """frictionless explains in English notes; keep their facts, not their words."""
    note = str(getattr(error, "note", "") or "")
    match = re.search(r'constraint "(\w+)" is "(.*)"', note)
    if match:
        return {"constraint": match.group(1), "expected": match.group(2)[:120]}
    match = re.search(r'type is "(\w+)/(\w+)"', note)
    if match:
        return {"type": match.group(1), "type_format": match.group(2)}
    match = re.search(r"position (\d+)", note)
    if match:
        return {"same_as": int(match.group(1))}
    return {}


def check(table: Table, common: CommonDataset) -> tuple[list[dict], int]:
    """Errors of a table against its schema (the first MAX_ERRORS) and their total count."""
    from frictionless import Detector, Resource, Schema

    schema_descriptor = common.schema
    fields = {f["name"]: f for f in schema_descriptor["fields"]}
    errors = []
    present = set(table.header)
    for name, f in fields.items():
        if name not in present and (f.get("constraints") or {}).get("required"):
            errors.append(_error("missing_column", column=name))
    for duplicate in sorted({h for h in table.header if h and table.header.count(h) > 1}):
        errors.append(_error("duplicate_column", column=duplicate))
    if errors and len(present & set(fields)) == 0:
        return errors, len(errors)

    # Only the schema's columns are checked (extra columns are allowed and left out).
    keep = [i for i, h in enumerate(table.header) if h in fields and table.header.index(h) == i]
    header = [table.header[i] for i in keep]
    rows = [[(r[i] if i < len(r) else "") for i in keep] for r in table.rows]
    schema = Schema.from_descriptor(
        {
            **schema_descriptor,
            "fields": [fields[h] for h in header],
            "primaryKey": [k for k in common.primary_key if k in header]
            if all(k in header for k in common.primary_key)
            else [],
        }
    )
    resource = Resource(
        data=[header, *rows],
        schema=schema,
        detector=Detector(schema_sync=False, field_missing_values=schema.missing_values),
    )
    report = resource.validate(limit_errors=MAX_ERRORS * 5)
    total = len(errors)
    for task in report.tasks:
        for e in task.errors:
            total += 1
            if len(errors) >= MAX_ERRORS:
                continue
            errors.append(
                _error(
                    e.type,
                    row=getattr(e, "row_number", None),
                    column=getattr(e, "field_name", None),
                    value=str(getattr(e, "cell", "") or "")[:80],
                    **_note_params(e),
                )
            )
    return errors, total


def validate(data: bytes, declared: str, common: CommonDataset) -> dict:
    """The report of one file: status valid / invalid / error, and what was found."""
    base = {
        "common_dataset": common.id,
        "schema": common.schema_id,
        "schema_version": common.version,
        "validated_at": dt.datetime.now(dt.timezone.utc).replace(microsecond=0).isoformat(),
    }
    try:
        table = read_table(data, declared, common)
    except FileProblem as problem:
        return {
            **base,
            "status": "error",
            "rows": 0,
            "error_count": 1,
            "warnings": [],
            "errors": [_error(problem.code, **problem.params)],
        }
    errors, total = check(table, common)
    return {
        **base,
        "status": "invalid" if errors else "valid",
        "format": table.format,
        "encoding": table.encoding,
        "delimiter": table.delimiter,
        "rows": len(table.rows),
        "columns": table.header,
        "error_count": total,
        "errors": errors,
        "warnings": table.warnings,
    }


def problem_report(common: CommonDataset | None, code: str, **params) -> dict:
    """A report for a file that could not even be read (too big, unreachable, unknown schema)."""
    return {
        "common_dataset": common.id if common else None,
        "schema": common.schema_id if common else None,
        "schema_version": common.version if common else None,
        "validated_at": dt.datetime.now(dt.timezone.utc).replace(microsecond=0).isoformat(),
        "status": "error",
        "rows": 0,
        "error_count": 1,
        "warnings": [],
        "errors": [_error(code, **params)],
    }
