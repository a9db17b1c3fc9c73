"""Refuse, before any DataStore change, a table whose header row cannot name its columns.

xloader drops empty header cells and loads the rest: a spreadsheet whose title is merged over
the columns ("Budget 2023" across A1:C1) would become a one-column table. In the worker, when
xloader is about to write the table, the uploaded file's first row is read here; a refusal
fails the job with its reason (shown on the resource page). (xloader 2.5.2 has already dropped
the previous table when the columns changed, as they do with a bad header: the file itself,
the dataset and its other resources are untouched.)
"""

from __future__ import annotations

import csv
import io
import os

import ckan.plugins.toolkit as tk

# Larger spreadsheets are not opened here (openpyxl reads the whole sheet to see merges).
MAX_XLSX_BYTES = 50_000_000
SAMPLE_BYTES = 65_536

MERGED = "Merged header cells in the first row: {cells}."
EMPTY = "Empty header cell in column {column}: every column needs a name."
REPEATED = 'Repeated header name: "{name}" names more than one column.'


def _header_problem(names: list) -> str | None:
    names = ["" if n is None else str(n).strip() for n in names]
    while names and not names[-1]:
        names.pop()
    seen = set()
    for index, name in enumerate(names, start=1):
        if not name:
            return EMPTY.format(column=index)
        if name.lower() in seen:
            return REPEATED.format(name=name)
        seen.add(name.lower())
    return None


def check_xlsx(path: str) -> str | None:
    from openpyxl import load_workbook

    if os.path.getsize(path) > MAX_XLSX_BYTES:
        return None
    try:
        # a file object: openpyxl refuses paths without an .xlsx extension (uploads have none)
        with open(path, "rb") as f:
            sheet = load_workbook(f, read_only=False, data_only=True).worksheets[0]
    except Exception:  # not a readable workbook: xloader will say so
        return None
    for row in sheet.iter_rows(min_row=1, max_row=min(sheet.max_row, 20)):
        if any(cell.value not in (None, "") for cell in row):
            header = row[0].row
            merged = [str(r) for r in sheet.merged_cells.ranges if r.min_row <= header <= r.max_row]
            if merged:
                return MERGED.format(cells=", ".join(merged))
            return _header_problem([cell.value for cell in row])
    return None


def check_text(path: str, fmt: str) -> str | None:
    with open(path, "rb") as f:
        sample = f.read(SAMPLE_BYTES)
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            text = sample.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        return None  # xloader detects the encoding and reports it
    first = text.splitlines()[0] if text.strip() else ""
    if not first:
        return None
    delimiter = "\t" if fmt == "tsv" else max(",;\t|", key=first.count)
    try:
        names = next(csv.reader(io.StringIO(first), delimiter=delimiter))
    except (csv.Error, StopIteration):
        return None
    return _header_problem(names) if len(names) > 1 else None


def _starts_with(path: str, magic: bytes) -> bool:
    with open(path, "rb") as f:
        return f.read(len(magic)) == magic


def check_resource(resource_id: str) -> str | None:
    """The problem of an uploaded table's header row (English, see load_errors.yaml), or None."""
    from ckan.lib.uploader import get_resource_uploader

    resource = tk.get_action("resource_show")({"ignore_auth": True}, {"id": resource_id})
    if resource.get("url_type") != "upload":
        return None  # a link: xloader reads it, its errors are reported as they come
    path = get_resource_uploader(resource).get_path(resource_id)
    if not os.path.exists(path):
        return None
    fmt = (resource.get("format") or "").lower()
    if fmt in ("xlsx", "xls") and _starts_with(path, b"PK"):
        return check_xlsx(path)
    if fmt in ("csv", "tsv", "text/csv"):
        return check_text(path, fmt)
    return None


def before_update(resource_id: str, new_headers: list[dict]) -> None:
    """xloader's hook in the worker, before it writes the table: refuse a bad header row
    (the job fails with this message)."""
    from ckanext.xloader.job_exceptions import LoaderError

    problem = check_resource(resource_id) or _header_problem([h.get("id") for h in new_headers])
    if problem:
        raise LoaderError(problem)
