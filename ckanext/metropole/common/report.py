"""Validation reports in the reader's language: reports store codes, this renders them."""

from __future__ import annotations

import json

import ckan.plugins.toolkit as tk

STATUSES = ("valid", "invalid", "error", "pending", "missing")


def type_label(kind: str) -> str:
    return {
        "string": tk._("text"),
        "integer": tk._("whole number"),
        "number": tk._("number"),
        "boolean": tk._("true or false"),
        "date": tk._("date (YYYY-MM-DD)"),
        "datetime": tk._("date and time"),
        "geopoint": tk._("point (lon, lat)"),
    }.get(kind, kind)


def status_label(status: str) -> str:
    return {
        "valid": tk._("Valid"),
        "invalid": tk._("Published with errors"),
        "error": tk._("Could not be validated"),
        "pending": tk._("Validation pending"),
        "missing": tk._("Missing"),
        "unknown_schema": tk._("Schema unknown to the portal"),
    }.get(status, status)


def _constraint(params: dict) -> str:
    expected = params.get("expected", "")
    return {
        "required": tk._("a value is required"),
        "pattern": tk._("the value must match the pattern {expected}"),
        "enum": tk._("the value must be one of {expected}"),
        "minimum": tk._("the value must be at least {expected}"),
        "maximum": tk._("the value must be at most {expected}"),
        "minLength": tk._("the value must be at least {expected} characters long"),
        "maxLength": tk._("the value must be at most {expected} characters long"),
        "unique": tk._("the value must be unique in the column"),
    }.get(params.get("constraint", ""), tk._("the value breaks the rule {constraint} ({expected})")).format(
        expected=expected, constraint=params.get("constraint", "")
    )


def message(error: dict) -> str:
    """One error of a report as a sentence."""
    code, p = error.get("code"), error.get("params") or {}
    value = p.get("value", "")
    if code == "type-error":
        return tk._("“{value}” is not a valid {kind}").format(value=value, kind=type_label(p.get("type", "")))
    if code == "constraint-error":
        return tk._("“{value}”: {rule}").format(value=value, rule=_constraint(p)) if value else _constraint(p)
    texts = {
        "missing_column": tk._("Required column missing from the file"),
        "duplicate_column": tk._("Column present twice in the header"),
        "missing-cell": tk._("Value missing: the row has fewer cells than the header"),
        "extra-cell": tk._("Extra cell: the row has more cells than the header"),
        "blank-row": tk._("Empty row"),
        "primary-key": tk._("Duplicate identifier: already used in row {same_as}"),
        "unique-error": tk._("Duplicate value: already used in row {same_as}"),
        "blank-label": tk._("Column without a name in the header"),
        "duplicate-label": tk._("Column present twice in the header"),
        "encoding": tk._(
            "The file is neither UTF-8 nor Latin-1 text (first bad byte at position {position}): "
            "save it as CSV UTF-8"
        ),
        "unreadable": tk._("The file cannot be read as a table ({detail})"),
        "empty": tk._("The file contains no data"),
        "not_geojson": tk._("The JSON file is not a GeoJSON FeatureCollection"),
        "format_mismatch": tk._("The file is declared as {declared} but its content is {detected}"),
        "unsupported_format": tk._("Format {detected} is not accepted: publish CSV, XLSX or GeoJSON"),
        "too_large": tk._("The file is too large to be validated ({size} MB; limit {limit} MB)"),
        "unreachable": tk._("The file could not be downloaded: {detail}"),
        "no_file": tk._("The resource has no file or address to validate"),
        "unknown_schema": tk._(
            "The schema “{schema}” is not one of the portal's common datasets: the file cannot be validated"
        ),
        "internal": tk._("Validation stopped on an unexpected problem; the portal team has been notified"),
    }
    text = texts.get(code) or tk._("Problem “{code}”").format(code=code)
    try:
        return text.format(
            **{
                "same_as": "?",
                "position": "?",
                "detail": "",
                "declared": "",
                "detected": "",
                "size": "?",
                "limit": "?",
                "schema": "",
                **p,
            }
        )
    except (KeyError, IndexError, ValueError):
        return text


def warning_message(warning: dict) -> str:
    if warning.get("code") == "latin1":
        return tk._("The file is encoded in Latin-1: accepted, but UTF-8 is recommended")
    if warning.get("code") == "missing_optional_column":
        return tk._("Optional column missing: {column}").format(column=warning.get("column", ""))
    return warning.get("code", "")


def load(value) -> dict | None:
    """A report stored on a resource (JSON text) as a dict; None when absent or unreadable."""
    if isinstance(value, dict):
        return value
    try:
        report = json.loads(value or "")
    except (TypeError, ValueError):
        return None
    return report if isinstance(report, dict) else None


def rendered(report: dict) -> dict:
    """The report with its sentences, for pages and the API."""
    return {
        **report,
        "status_label": status_label(report.get("status", "")),
        "errors": [{**e, "message": message(e)} for e in report.get("errors") or []],
        "warnings": [{**w, "message": warning_message(w)} for w in report.get("warnings") or []],
    }
