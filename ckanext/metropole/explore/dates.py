"""Dates in ODSQL: date literals, and date_format's patterns (Joda's, as ODS documents them)
in PostgreSQL's to_char."""

from __future__ import annotations

import re


def date_value(token: str) -> str:
    """``date'2018/04/01'`` -> ``2018-04-01``: ISO 8601, or a slash-separated date (ValueError
    otherwise)."""
    value = token[5:-1].strip().replace("/", "-")
    if not re.fullmatch(r"\d{4}(-\d{1,2}(-\d{1,2}([T ][0-9:.]+(Z|[+-]\d{2}:?\d{2})?)?)?)?", value):
        raise ValueError(f"Invalid date literal: {token}")
    parts = value.split("-")
    if len(parts) == 1:  # date'2017': the year's first day
        value += "-01-01"
    elif len(parts) == 2:
        value += "-01"
    return value


# Joda-style patterns of ODS's date_format -> PostgreSQL to_char, longest first
_DATE_FORMAT = [
    ("yyyy", "YYYY"), ("YYYY", "YYYY"), ("xxxx", "IYYY"), ("EEEE", "FMDay"), ("DDD", "DDD"),
    ("yy", "YY"), ("YY", "YY"), ("xx", "IY"), ("ww", "IW"), ("MM", "MM"), ("dd", "DD"),
    ("HH", "HH24"), ("mm", "MI"), ("ss", "SS"), ("w", "FMIW"), ("e", "ID"), ("E", "Dy"),
    ("D", "FMDDD"), ("M", "FMMM"), ("d", "FMDD"), ("H", "FMHH24"), ("m", "FMMI"), ("s", "FMSS"),
]  # fmt: skip


def date_format(pattern: str) -> str:
    out, i = [], 0
    while i < len(pattern):
        if pattern[i] == "'":  # quoted free text ('' is a quote)
            end = pattern.find("'", i + 1)
            end = len(pattern) if end < 0 else end
            text = pattern[i + 1 : end] or "'"
            out.append('"' + text.replace('"', "") + '"')
            i = end + 1
            continue
        for joda, pg in _DATE_FORMAT:
            if pattern.startswith(joda, i):
                out.append(pg)
                i += len(joda)
                break
        else:
            char = pattern[i]
            out.append(char if char in "?,.:/- " else '"' + char.replace('"', "") + '"')
            i += 1
    return "".join(out)
