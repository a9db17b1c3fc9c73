from __future__ import annotations

import pytest

from ckanext.metropole.communes import territory as t
from ckanext.metropole.communes.reference import reference

CLERMONT = "246300701"


@pytest.fixture
def load_territory():
    """Plan and apply a territory load, as the action metropole_territory_load does;
    returns (plan, summary)."""
    from ckanext.metropole.communes.logic.action import apply_plan

    def load(terr):
        the_plan = t.plan(terr)
        return the_plan, apply_plan({"ignore_auth": True, "user": ""}, the_plan)

    return load


@pytest.fixture
def ref():
    return reference()
