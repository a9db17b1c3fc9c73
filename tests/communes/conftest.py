from __future__ import annotations

import pytest

from ckanext.metropole.communes import territory as t
from ckanext.metropole.communes.reference import reference

CLERMONT = "246300701"


@pytest.fixture
def load_territory():
    """Plan and apply a territory load, as the CLI does; returns (plan, summary)."""

    def load(terr):
        the_plan = t.plan(terr)
        return the_plan, t.apply(the_plan)

    return load


@pytest.fixture
def ref():
    return reference()
