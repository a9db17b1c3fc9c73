"""Dates as source portals write them, read into ISO 8601.

Portals give their dates in many shapes: ISO 8601 (CKAN, udata, Opendatasoft, DCAT), epoch
seconds or milliseconds, and DKAN 7's Drupal "medium" format ``D, m/d/Y - H:i`` whose weekday
a French site translates (``mar, 10/12/2019 - 09:23``) and whose day/month order a French
site often swaps (d/m/Y). When both day and month are 12 or less, the weekday tells which
order is meant; without a weekday such a date is ambiguous and is dropped, never guessed.
A date that cannot be read is dropped with a French note: never a refused dataset.
"""

from __future__ import annotations

import datetime as dt
import re

from ..dataset.vocabularies import fold
from ..messages import N_, Message

# Monday = 0, as datetime.weekday()
WEEKDAYS = {
    **{
        name: i
        for i, names in enumerate(
            (
                ("mon", "monday", "lun", "lundi"),
                ("tue", "tues", "tuesday", "mar", "mardi"),
                ("wed", "wednesday", "mer", "mercredi"),
                ("thu", "thur", "thurs", "thursday", "jeu", "jeudi"),
                ("fri", "friday", "ven", "vendredi"),
                ("sat", "saturday", "sam", "samedi"),
                ("sun", "sunday", "dim", "dimanche"),
            )
        )
        for name in names
    },
}
MONTHS = {
    name: i + 1
    for i, names in enumerate(
        (
            ("jan", "janv", "january", "janvier"),
            ("feb", "february", "fev", "fevr", "fevrier"),
            ("mar", "march", "mars"),
            ("apr", "april", "avr", "avril"),
            ("may", "mai"),
            ("jun", "june", "juin"),
            ("jul", "july", "juil", "juillet"),
            ("aug", "august", "aou", "aout"),
            ("sep", "sept", "september", "septembre"),
            ("oct", "october", "octobre"),
            ("nov", "november", "novembre"),
            ("dec", "december", "decembre"),
        )
    )
    for name in names
}

_TIME = (
    r"(?:\s*(?:-|a|at|,|t)?\s*(?P<hour>\d{1,2})\s*[:h]\s*(?P<minute>\d{2})(?::(?P<second>\d{2}))?"
    r"(?:[.,]\d+)?)?\s*(?P<tz>z|utc|gmt|[+-]\d{2}:?\d{2})?"
)
_WEEKDAY = r"(?:(?P<weekday>[a-z]+)\.?,?\s+)?"
NUMERIC_RE = re.compile(_WEEKDAY + r"(?P<a>\d{1,4})[/.-](?P<b>\d{1,2})[/.-](?P<c>\d{2,4})" + _TIME + "$")
DAY_MONTH_RE = re.compile(
    _WEEKDAY + r"(?P<day>\d{1,2})(?:er|st|nd|rd|th)?\s+(?P<month>[a-z]+)\.?,?\s+"
    r"(?P<year>\d{4})" + _TIME + "$"
)
MONTH_DAY_RE = re.compile(
    _WEEKDAY + r"(?P<month>[a-z]+)\.?\s+(?P<day>\d{1,2})(?:st|nd|rd|th)?,?\s+"
    r"(?P<year>\d{4})" + _TIME + "$"
)
EPOCH_RE = re.compile(r"^-?\d{9,13}(?:\.\d+)?$")
YEAR_MONTH_RE = re.compile(r"^(?P<year>\d{4})(?:-(?P<month>\d{2}))?$")
YEARS = range(1900, 2101)


def source_date(value) -> tuple[str, Message | None]:
    """(ISO 8601 date or date-time, note): ``("", note)`` when the value is not a date."""
    if value is None or value == "" or isinstance(value, bool):
        return "", None
    if isinstance(value, (int, float)):
        return _epoch(float(value), str(value))
    text = str(value).strip()
    if not text:
        return "", None
    shown = text[:60]
    if EPOCH_RE.match(text):
        return _epoch(float(text), shown)
    iso = _iso(text)
    if iso:
        return iso, None
    folded = re.sub(r"\s+", " ", fold(text))
    match = YEAR_MONTH_RE.match(folded)
    if match and int(match["year"]) in YEARS and 1 <= int(match["month"] or 1) <= 12:
        return f"{match['year']}-{match['month'] or '01'}-01", None
    for pattern in (NUMERIC_RE, DAY_MONTH_RE, MONTH_DAY_RE):
        match = pattern.match(folded)
        if match:
            break
    else:
        return "", N_("date “{value}” unreadable, ignored", value=shown)
    weekday = match["weekday"]
    if weekday is not None and weekday not in WEEKDAYS:
        return "", N_("date “{value}” unreadable, ignored", value=shown)
    if pattern is NUMERIC_RE:
        candidates = _numeric_candidates(match["a"], match["b"], match["c"])
    else:
        month = MONTHS.get(match["month"])
        candidates = _valid(int(match["year"]), month, int(match["day"])) if month else []
    if weekday is not None and len(candidates) > 1:
        # the weekday tells day from month (10/12/2019 was a Tuesday: "mar" -> 10 December)
        candidates = [d for d in candidates if d.weekday() == WEEKDAYS[weekday]] or candidates
    if not candidates:
        return "", N_("date “{value}” unreadable, ignored", value=shown)
    if len(candidates) > 1:
        return "", N_("date “{value}” ambiguous (day and month interchangeable), ignored", value=shown)
    return _with_time(candidates[0], match), None


def _numeric_candidates(a: str, b: str, c: str) -> list[dt.date]:
    if len(a) == 4:  # 2019/12/10, 2019.12.10
        return _valid(int(a), int(b), int(c))
    if len(a) > 2:
        return []
    year = int(c) if len(c) == 4 else (2000 + int(c) if int(c) < 70 else 1900 + int(c)) if len(c) == 2 else 0
    found = []
    for day, month in ((int(a), int(b)), (int(b), int(a))):  # d/m/Y (French), m/d/Y (Drupal's default)
        for date in _valid(year, month, day):
            if date not in found:
                found.append(date)
    return found


def _valid(year: int, month: int, day: int) -> list[dt.date]:
    if year not in YEARS:
        return []
    try:
        return [dt.date(year, month, day)]
    except ValueError:
        return []


def _with_time(date: dt.date, match) -> str:
    if match["hour"] is None:
        return date.isoformat()
    try:
        moment = dt.datetime(
            date.year,
            date.month,
            date.day,
            int(match["hour"]),
            int(match["minute"]),
            int(match["second"] or 0),
        )
    except ValueError:
        return date.isoformat()
    tz = match["tz"]
    if tz in ("z", "utc", "gmt"):
        moment = moment.replace(tzinfo=dt.timezone.utc)
    elif tz:
        sign = 1 if tz[0] == "+" else -1
        digits = tz[1:].replace(":", "")
        moment = moment.replace(
            tzinfo=dt.timezone(sign * dt.timedelta(hours=int(digits[:2]), minutes=int(digits[2:])))
        )
    return moment.isoformat()


def _iso(text: str) -> str:
    """ISO 8601 as Python reads it (3.11: "Z", offsets, fractions, a space for "T")."""
    if not re.match(r"^\d{4}-\d{2}-\d{2}", text):
        return ""
    try:
        moment = dt.datetime.fromisoformat(text)
    except ValueError:
        try:
            return dt.date.fromisoformat(text[:10]).isoformat() if len(text) == 10 else ""
        except ValueError:
            return ""
    if moment.year not in YEARS:
        return ""
    if len(text) == 10:
        return moment.date().isoformat()
    return moment.isoformat()


def _epoch(seconds: float, shown: str) -> tuple[str, Message | None]:
    if abs(seconds) >= 1e11:  # milliseconds (JavaScript, Elasticsearch)
        seconds /= 1000
    if seconds <= 0:  # 0 stands for "no date" in many exports
        return "", N_("date “{value}” unreadable, ignored", value=shown)
    try:
        moment = dt.datetime.fromtimestamp(seconds, tz=dt.timezone.utc)
    except (OverflowError, OSError, ValueError):
        return "", N_("date “{value}” unreadable, ignored", value=shown)
    if moment.year not in YEARS:
        return "", N_("date “{value}” unreadable, ignored", value=shown)
    return moment.replace(microsecond=0).isoformat(), None
