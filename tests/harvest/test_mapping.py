"""Mapping tables of the harvester (data in config/harvest_mapping.yaml and themes.yaml)."""

from __future__ import annotations

import pytest

from ckanext.metropole.harvest import mapping
from ckanext.metropole.harvest.sourceconfig import SourceConfig


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Licence Ouverte v2.0", "lov2"),
        ("licence-ouverte-v2.0", "lov2"),
        ("etalab-2.0", "lov2"),
        ("https://www.etalab.gouv.fr/licence-ouverte-open-licence/", "lov2"),
        ("Licence Ouverte", "fr-lo"),
        ("ODbL", "odc-odbl"),
        ("Open Database License (ODbL)", "odc-odbl"),
        ("https://opendatacommons.org/licenses/odbl/1-0/", "odc-odbl"),
        ("CC-BY-4.0", "cc-by"),
        ("cc0", "cc-zero"),
        ("Licence maison", "notspecified"),
    ],
)
def test_licences(raw, expected):
    assert mapping.map_license(raw, "notspecified")[0] == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        # Opendatasoft's licence choices (its API documentation), as metas.default.license says them
        ("Licence Ouverte v2.0 (Etalab)", "lov2"),
        # data.gouv.fr's list names it an alternate title of the Licence Ouverte 2.0
        ("Licence Ouverte (Etalab)", "lov2"),
        ("CC BY-SA", "cc-by-sa"),
        ("Open Database License (ODbL)", "odc-odbl"),
        ("CC BY", "cc-by"),
        ("CC BY-NC", "notspecified"),
        # CKAN's licence titles (license_title)
        ("Open Data Commons Open Database License (ODbL)", "odc-odbl"),
        ("Creative Commons CCZero", "cc-zero"),
        # the same address in http or https, with or without www., with a version or a page below it
        ("http://www.etalab.gouv.fr/licence-ouverte-open-licence", "lov2"),
        ("https://www.opendatacommons.org/licenses/odbl/1.0/", "odc-odbl"),
        ("http://creativecommons.org/licenses/by/4.0/deed.fr", "cc-by"),
        # never another licence under a shared prefix: by-sa is not by, by-nc is not open
        ("https://creativecommons.org/licenses/by-sa/4.0/", "cc-by-sa"),
        ("https://creativecommons.org/licenses/by-nc/4.0/", "notspecified"),
        # DCAT-AP's EU licence authority table and SPDX pages
        ("http://publications.europa.eu/resource/authority/licence/CC_BY_4_0", "cc-by"),
        ("http://publications.europa.eu/resource/authority/licence/ODBL", "odc-odbl"),
        ("https://spdx.org/licenses/etalab-2.0.html", "lov2"),
        ("http://spdx.org/licenses/ODbL-1.0", "odc-odbl"),
    ],
)
def test_licence_spellings_and_addresses(raw, expected):
    assert mapping.map_license(raw, "notspecified")[0] == expected


def test_unknown_licence_is_reported():
    license_id, note = mapping.map_license("Licence maison", "notspecified")
    assert license_id == "notspecified" and "licence inconnue « Licence maison »" in str(note)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("annual", "ANNUAL"),
        ("Mensuelle", "MONTHLY"),
        ("DAILY", "DAILY"),
        ("http://publications.europa.eu/resource/authority/frequency/WEEKLY", "WEEKLY"),
        ("punctual", "NEVER"),
        ("souvent", ""),
    ],
)
def test_frequencies(raw, expected):
    assert mapping.map_frequency(raw) == expected


def test_themes_whole_labels_compound_labels_source_mapping_and_eu_codes():
    config = SourceConfig(theme_mapping={"voirie": "transports"})
    assert mapping.map_themes(["Transports, Déplacements"], config) == ["transports"]
    assert mapping.map_themes(["Administration, Gouvernement, Finances publiques, Citoyenneté"], config) == [
        "administration",
        "finances",
        "citoyennete",
    ]
    assert mapping.map_themes(["Voirie"], config) == ["transports"]
    assert mapping.map_themes(["TRAN"], config) == ["transports"]
    assert mapping.map_themes(["EDUC", "piscines"], config) == ["sports"]  # finer keyword wins
    assert mapping.map_themes(["Divers"], config) == []


def test_html_descriptions_become_markdown():
    assert (
        mapping.html_to_text("<p>Un <b>jeu</b> &amp; deux</p><ul><li>a</li><li>b</li></ul>")
        == "Un **jeu** & deux\n\n- a\n- b"
    )


def test_word_html_lists_conditional_comments_and_styles():
    """Word's HTML as pasted into portals (MsoListParagraph paragraphs whose marker sits in a
    span styled mso-list:Ignore inside <![if !supportLists]>, <o:p>, &nbsp;, a conditional
    comment and a <style> block): lists come out as Markdown items, nothing of Word's marks."""
    word = """<style><!-- p.MsoNormal {margin:0cm;} --></style>
<!--[if gte mso 9]><xml><o:OfficeDocumentSettings><o:AllowPNG/></o:OfficeDocumentSettings></xml>
<![endif]-->
<p class=MsoNormal>Fichier FANTOIR :<o:p></o:p></p>
<p class=MsoListParagraphCxSpFirst
style='text-indent:-.25in;mso-list:l0 level1 lfo1'><![if !supportLists]><span
style='font-family:Symbol;mso-fareast-font-family:Symbol;mso-bidi-font-family:
Symbol'><span style='mso-list:Ignore'>&middot;<span
style='font:7.0pt "Times New Roman"'>&nbsp;&nbsp;&nbsp;&nbsp;&nbsp;
</span></span></span><![endif]>ajout des voies privées<o:p></o:p></p>
<p class=MsoListParagraphCxSpLast
style='text-indent:-.25in;mso-list:l0 level1 lfo1'><![if !supportLists]><span
style='font-family:Symbol'><span style='mso-list:Ignore'>&middot;<span
style='font:7.0pt "Times New Roman"'>&nbsp;&nbsp;
</span></span></span><![endif]>suppression des lieux-dits<o:p></o:p></p>
<p class=MsoNormal><o:p>&nbsp;</o:p></p>
<p class=MsoListParagraph style='text-indent:-.25in;mso-list:l1 level1 lfo2'><![if !supportLists]><span
style='mso-list:Ignore'>1.<span style='font:7.0pt "Times New Roman"'>&nbsp;&nbsp;&nbsp;
</span></span><![endif]>Télécharger le fichier<o:p></o:p></p>
<p class=MsoNormal>Mise&nbsp;à jour&nbsp;: annuelle<br style='mso-special-character:line-break'>
<![if !supportLineBreakNewLine]><br style='mso-special-character:line-break'><![endif]></p>"""
    assert mapping.html_to_text(word) == (
        "Fichier FANTOIR :\n\n- ajout des voies privées\n\n"
        "- suppression des lieux-dits\n\n1. Télécharger le fichier\n\n"
        "Mise à jour : annuelle"
    )
    # plain text stays as written (no Markdown escaping of "code_insee", "<" or "&")
    assert (
        mapping.html_to_text("Population < 3500 & plus : code_insee")
        == "Population < 3500 & plus : code_insee"
    )
    assert mapping.html_to_text("<p>a</p><script>alert(1)</script>") == "a"


@pytest.mark.parametrize(
    ("remote_id", "readable"),
    [
        ("https://data.capatlantique.fr/explore/dataset/vanves-fantoir/", "vanves-fantoir"),
        # ArcGIS Online / Hub items: the id parameter, not "item.html" nor "sublayer=0"
        (
            "https://www.arcgis.com/home/item.html?id=4cc62b3a510949c7a8167f6baa3e069d&sublayer=0",
            "4cc62b3a510949c7a8167f6baa3e069d",
        ),
        # GeoNetwork's record page: the uuid in the fragment
        (
            "https://geo.example.fr/geonetwork/srv/fre/catalog.search#/metadata/955c3e47-411e-4969-b61b-3556d1b9f879",
            "955c3e47-411e-4969-b61b-3556d1b9f879",
        ),
        ("https://data.example.fr/api/records/1.0/search/?dataset=arbres&format=json", "arbres"),
        ("https://data.example.fr/dataset/arbres.json", "arbres"),
    ],
)
def test_readable_part_of_url_identifiers(remote_id, readable):
    assert mapping.readable_id(remote_id) == readable
    name = mapping.dataset_name("royat", remote_id)
    assert name.startswith(f"royat-{readable}-") and name == mapping.dataset_name("royat", remote_id)


def test_names_are_stable_prefixed_and_bounded():
    assert mapping.dataset_name("royat", "Bornes à verre") == "royat-bornes-a-verre"
    long = mapping.dataset_name("saint-genes-champanelle", "x" * 200)
    assert len(long) == 100 and long == mapping.dataset_name("saint-genes-champanelle", "x" * 200)
