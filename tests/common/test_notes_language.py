"""The consolidated dataset's notes are content: written in the portal's language
(``ckan.locale_default``), whatever the language of the request that rebuilt them."""

from __future__ import annotations

import pytest

from ckanext.metropole.common.consolidation import STATUS_TEXT
from ckanext.metropole.messages import N_, content

LEFT_OUT = N_(
    "- {commune} ({insee}): “{file}”, {why}",
    commune="Aubière",
    insee="63014",
    file="bornes.csv",
    why=STATUS_TEXT["invalid"],
)


@pytest.mark.ckan_config("ckan.locale_default", "fr")
def test_notes_are_french_on_a_french_portal_even_for_an_english_request(app):
    with app.flask_app.test_request_context("/en/dataset/"):
        assert content(LEFT_OUT) == "- Aubière (63014) : « bornes.csv », fichier avec erreurs"
        assert content(N_("- none yet")) == "- aucune pour l'instant"
    assert content("texte tel quel") == "texte tel quel"


@pytest.mark.ckan_config("ckan.locale_default", "en")
def test_notes_are_english_on_an_english_portal():
    assert content(LEFT_OUT) == "- Aubière (63014): “bornes.csv”, file with errors"
