"""Dates as source portals write them (harvest/dates.py): the class, not one example."""

from __future__ import annotations

import pytest

from ckanext.metropole.harvest.dates import source_date


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        # DKAN 7 / Drupal "medium" format, French translated and reordered d/m/Y, or English m/d/Y:
        # the weekday tells day from month (10 December 2019 was a Tuesday, 12 October a Saturday)
        ("mar, 10/12/2019 - 09:23", "2019-12-10T09:23:00"),
        ("Tue, 12/10/2019 - 09:23", "2019-12-10T09:23:00"),
        ("sam, 12/10/2019 - 18:00", "2019-10-12T18:00:00"),
        ("Mardi 10/12/2019 - 09h23", "2019-12-10T09:23:00"),
        ("ven., 13/03/2020 - 17:05", "2020-03-13T17:05:00"),
        ("Wed, 03/11/2020 - 17:05", "2020-03-11T17:05:00"),
        ("dim, 05/01/20 - 00:00", "2020-01-05T00:00:00"),
        # without a weekday, only when day and month cannot be swapped
        ("25/12/2019 - 09:23", "2019-12-25T09:23:00"),
        ("12/25/2019", "2019-12-25"),
        ("2019/12/10", "2019-12-10"),
        # ISO 8601 as CKAN, udata, Opendatasoft and DCAT write it
        ("2024-03-01T10:00:00.000000", "2024-03-01T10:00:00"),
        ("2021-04-12T08:31:05.000Z", "2021-04-12T08:31:05+00:00"),
        ("2019-06-01T00:00:00+00:00", "2019-06-01T00:00:00+00:00"),
        ("2024-03-01 10:00:00", "2024-03-01T10:00:00"),
        ("2019-06-01", "2019-06-01"),
        ("2019-06", "2019-06-01"),
        ("2019", "2019-01-01"),
        # epoch seconds and milliseconds, as numbers or text
        (1575969780, "2019-12-10T09:23:00+00:00"),
        ("1575969780000", "2019-12-10T09:23:00+00:00"),
        # RFC 2822 and written dates, French and English
        ("Tue, 10 Dec 2019 09:23:00 GMT", "2019-12-10T09:23:00+00:00"),
        ("10 décembre 2019", "2019-12-10"),
        ("1er janvier 2020", "2020-01-01"),
        ("mardi 10 déc. 2019 à 09:23", "2019-12-10T09:23:00"),
        ("December 10, 2019", "2019-12-10"),
    ],
)
def test_dates_read(raw, expected):
    assert source_date(raw) == (expected, None)


@pytest.mark.parametrize(
    ("raw", "word"),
    [
        ("10/12/2019 - 09:23", "ambiguë"),  # 10 December or 12 October: never guessed
        ("jeu, 12/10/19 - 09:23", "ambiguë"),  # a Thursday neither way
        ("Thu, 03/12/2020 - 17:05", "ambiguë"),  # 12 March and 3 December 2020 were both Thursdays
        ("hello", "illisible"),
        ("2019-13-45", "illisible"),
        ("31/02/2019", "illisible"),
        ("lundi prochain", "illisible"),
        ("foo, 10/12/2019", "illisible"),
        (0, "illisible"),
        ("99999999999999999", "illisible"),
    ],
)
def test_unreadable_dates_are_dropped_with_a_french_note(raw, word):
    value, note = source_date(raw)
    assert value == "" and word in str(note) and str(raw)[:20] in str(note)


@pytest.mark.parametrize("raw", [None, "", "   "])
def test_no_date_is_no_note(raw):
    assert source_date(raw) == ("", None)
