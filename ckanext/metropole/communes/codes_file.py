"""A territory given as a file of INSEE codes (``ckan metropole territory load --communes``):
one code per line (``#`` comments), or a CSV (``,`` ``;`` or tab) with an ``insee`` column."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from ckan.plugins.toolkit import _

from .territory import TerritoryError
from .validators import INSEE_RE


def read_codes(path: Path) -> list[str]:
    """INSEE codes from a file: one per line, or a CSV with an ``insee`` column."""
    try:
        raw = path.read_bytes()
    except OSError as e:
        raise TerritoryError(
            _("Cannot read the file {path}: {reason}.").format(path=path, reason=e.strerror)
        ) from e
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("latin-1")
    lines = text.splitlines()
    if not any(line.strip() for line in lines):
        raise TerritoryError(
            _("The file {path} is empty: one INSEE code per line, or a CSV with an insee column.").format(
                path=path
            )
        )
    first = next(line for line in lines if line.strip())
    codes: list[tuple[int, str]] = []
    if any(sep in first for sep in ",;\t") or first.strip().lower() == "insee":
        dialect = (
            csv.Sniffer().sniff(first, delimiters=",;\t") if any(s in first for s in ",;\t") else csv.excel
        )
        reader = csv.DictReader(io.StringIO(text), dialect=dialect)
        columns = {(c or "").strip().lower(): c for c in reader.fieldnames or []}
        if "insee" not in columns:
            raise TerritoryError(
                _("The CSV file {path} has no “insee” column (columns: {columns}).").format(
                    path=path, columns=", ".join(c for c in columns if c)
                )
            )
        for number, row in enumerate(reader, start=2):
            value = (row.get(columns["insee"]) or "").strip()
            if value:
                codes.append((number, value))
    else:
        for number, line in enumerate(lines, start=1):
            value = line.split("#", 1)[0].strip()
            if value:
                codes.append((number, value))
    bad = [
        _("“{value}” (line {number})").format(value=value, number=number)
        for number, value in codes
        if not INSEE_RE.match(value.upper())
    ]
    if bad:
        raise TerritoryError(
            _(
                "Malformed INSEE codes in {path}: {codes} — 5 characters expected, e.g. 01053 or 2A004."
            ).format(path=path, codes=", ".join(bad[:10]) + (" …" if len(bad) > 10 else ""))
        )
    if not codes:
        raise TerritoryError(_("No INSEE code in {path}.").format(path=path))
    return [value.upper() for _, value in codes]
