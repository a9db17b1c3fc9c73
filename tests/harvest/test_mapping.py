"""Mapping tables of the harvester (data in config/harvest_mapping.yaml and themes.yaml)."""
from __future__ import annotations

import pytest

from ckanext.metropole.harvest import mapping
from ckanext.metropole.harvest.sourceconfig import SourceConfig


@pytest.mark.parametrize("raw,expected", [
    ("Licence Ouverte v2.0", "lov2"), ("licence-ouverte-v2.0", "notspecified"), ("etalab-2.0", "lov2"),
    ("https://www.etalab.gouv.fr/licence-ouverte-open-licence/", "lov2"), ("Licence Ouverte", "fr-lo"),
    ("ODbL", "odc-odbl"), ("Open Database License (ODbL)", "odc-odbl"),
    ("https://opendatacommons.org/licenses/odbl/1-0/", "odc-odbl"), ("CC-BY-4.0", "cc-by"),
    ("cc0", "cc-zero"), ("Licence maison", "notspecified"),
])
def test_licences(raw, expected):
    assert mapping.map_license(raw, "notspecified")[0] == expected


def test_unknown_licence_is_reported():
    license_id, note = mapping.map_license("Licence maison", "notspecified")
    assert license_id == "notspecified" and "licence inconnue « Licence maison »" in str(note)


@pytest.mark.parametrize("raw,expected", [("annual", "ANNUAL"), ("Mensuelle", "MONTHLY"), ("DAILY", "DAILY"),
                                          ("http://publications.europa.eu/resource/authority/frequency/WEEKLY",
                                           "WEEKLY"), ("punctual", "NEVER"), ("souvent", "")])
def test_frequencies(raw, expected):
    assert mapping.map_frequency(raw) == expected


def test_themes_whole_labels_compound_labels_source_mapping_and_eu_codes():
    config = SourceConfig(theme_mapping={"voirie": "transports"})
    assert mapping.map_themes(["Transports, Déplacements"], config) == ["transports"]
    assert mapping.map_themes(["Administration, Gouvernement, Finances publiques, Citoyenneté"], config) == [
        "administration", "finances", "citoyennete"]
    assert mapping.map_themes(["Voirie"], config) == ["transports"]
    assert mapping.map_themes(["TRAN"], config) == ["transports"]
    assert mapping.map_themes(["EDUC", "piscines"], config) == ["sports"]  # finer keyword wins
    assert mapping.map_themes(["Divers"], config) == []


def test_html_descriptions_become_markdown():
    assert mapping.html_to_text("<p>Un <b>jeu</b> &amp; deux</p><ul><li>a</li><li>b</li></ul>") == \
        "Un **jeu** & deux\n\n- a\n- b"


def test_names_are_stable_prefixed_and_bounded():
    assert mapping.dataset_name("royat", "Bornes à verre") == "royat-bornes-a-verre"
    long = mapping.dataset_name("saint-genes-champanelle", "x" * 200)
    assert len(long) == 100 and long == mapping.dataset_name("saint-genes-champanelle", "x" * 200)
