"""A métropole (Clermont), two of its communes, their agents and a reviewer."""

from __future__ import annotations

import uuid

import ckan.plugins.toolkit as tk
import pytest
from ckan.tests import factories, helpers

from ckanext.metropole.communes import territory as t
from ckanext.metropole.communes.logic.action import apply_plan
from tests import snapshot

CLERMONT = "246300701"
NOTES = (
    "Liste des défibrillateurs automatisés externes installés dans les bâtiments communaux, "
    "avec leur adresse, leur accessibilité et la date de la dernière maintenance."
)


def as_user(user, action, **data):
    """An action as this user (None: anonymous), with CKAN's authorisation."""
    return tk.get_action(action)({"user": user["name"] if user else "", "ignore_auth": False}, data)


def complete(**fields):
    """A dataset meeting every blocking criterion of config/review_criteria.yaml."""
    return {
        "theme": ["sante"],
        "license_id": "lov2",
        "notes": NOTES,
        "frequency": "ANNUAL",
        "resources": [{"url": "http://127.0.0.1:9/dae.csv", "format": "CSV", "name": "DAE"}],
        **fields,
    }


@pytest.fixture(autouse=True)
def review_on(ckan_config, monkeypatch):
    """test.ini switches review off for the other capabilities' tests; here it is on."""
    monkeypatch.setitem(ckan_config, "ckanext.metropole.review.enabled", True)


class People:
    def __init__(self):
        # two communes of Clermont Auvergne Métropole are enough (a full load costs seconds)
        apply_plan(
            {"ignore_auth": True, "user": ""},
            t.plan(
                t.from_codes(
                    ["63014", "63141"],
                    name="clermont-auvergne-metropole",
                    title="Clermont Auvergne Métropole",
                    siren=CLERMONT,
                )
            ),
        )
        self.metropole = helpers.call_action("organization_show", id="clermont-auvergne-metropole")
        self.commune = helpers.call_action("organization_show", id="aubiere")
        self.other_commune = helpers.call_action("organization_show", id="durtol")
        self.agent = self._member(self.commune, "editor", "agent")
        self.other_agent = self._member(self.other_commune, "editor", "autre")
        self.reviewer = self._member(self.metropole, "editor", "relecteur")

    @staticmethod
    def _member(org, role, prefix):
        suffix = uuid.uuid4().hex[:8]
        user = factories.User(name=f"{prefix}-{suffix}", email=f"{prefix}-{suffix}@example.org")
        helpers.call_action("organization_member_create", id=org["id"], username=user["name"], role=role)
        return user

    def draft(self, **fields):
        return as_user(self.agent, "package_create", owner_org=self.commune["id"], **complete(**fields))


@pytest.fixture
def people(clean_db, clean_index, with_plugins):
    return snapshot.setup_once("review: people", People)
