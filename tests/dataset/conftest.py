from __future__ import annotations

import pytest
from ckan.tests import factories, helpers

from ..conftest import load_territory

CLERMONT = "246300701"


@pytest.fixture
def territory(clean_db, with_plugins):
    """Clermont Auvergne Métropole and its 21 communes, and the theme groups."""
    load_territory(groups=True, epci=CLERMONT)


@pytest.fixture
def sysadmin():
    return factories.Sysadmin()


@pytest.fixture
def create(sysadmin):
    def _create(**data):
        return helpers.call_action("package_create", context={"user": sysadmin["name"]}, **data)

    return _create


def full_dataset(**overrides):
    data = {
        "name": "defibrillateurs-clermont",
        "title": "Défibrillateurs automatisés externes",
        "notes": "Emplacements des défibrillateurs (DAE) des bâtiments municipaux.",
        "owner_org": "clermont-ferrand",
        "theme": ["sante", "equipements"],
        "tag_string": "santé,secours",
        "communes": ["63113", "63014"],
        "license_id": "lov2",
        "frequency": "MONTHLY",
        "temporal_start": "2020-01-01",
        "temporal_end": "2024-12-31",
        "contact": [{"name": "Service SIG", "email": "sig@ville-clermont.fr"}],
        "url": "https://clermont-ferrand.fr/defibrillateurs",
        "resources": [
            {
                "url": "http://example.org/dae.csv",
                "name": "Liste des DAE",
                "format": "csv",
                "conforms_to": "atlasante/schema-dae",
            },
            {"url": "http://example.org/dae.geojson", "format": "application/geo+json"},
        ],
    }
    data.update(overrides)
    return data
