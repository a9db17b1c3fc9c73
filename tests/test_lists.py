"""The one list reading shared by the capabilities (ckanext/metropole/lists.py)."""

import pytest
from ckan.lib.navl.dictization_functions import missing

from ckanext.metropole.lists import as_list


@pytest.mark.parametrize(
    ("value", "split", "expected"),
    [
        (None, None, []),
        ("", None, []),
        ("   ", None, []),
        (missing, None, []),
        ([], None, []),
        (["", None, "  "], None, []),
        # scheming's JSON text, with odd types and padding
        ('["culture", " sports ", ""]', None, ["culture", "sports"]),
        ('[63113, "63014"]', None, ["63113", "63014"]),
        # a JSON scalar is not a list: one item, not its characters
        ("63113", None, ["63113"]),
        ('"culture"', None, ['"culture"']),
        # broken JSON falls back to text
        ('["culture",', r"[,;]", ['["culture"']),
        ("culture, sports;tourisme", r"[,;]", ["culture", "sports", "tourisme"]),
        ("culture, sports", None, ["culture, sports"]),
        ("63000 63100\n63170", r"[\s,;]+", ["63000", "63100", "63170"]),
        (("a", "b"), None, ["a", "b"]),
        (
            ["http://publications.europa.eu/resource/authority/data-theme/EDUC"],
            None,
            ["http://publications.europa.eu/resource/authority/data-theme/EDUC"],
        ),
        (42, None, ["42"]),
    ],
)
def test_as_list(value, split, expected):
    assert as_list(value, split=split) == expected
