"""Licences are matched through data.gouv.fr's own list (config/datagouv/licenses.json, issue
#24 item 5): every title, URL and alternate of it, however a source spells it, names the
portal's licence its id maps to; the historic addresses of the 2011 Licence Ouverte too."""

from __future__ import annotations

import pytest
import yaml

from ckanext.metropole.harvest import licences, mapping
from ckanext.metropole.resources import config_dir

PORTAL_IDS = yaml.safe_load((config_dir() / "harvest_mapping.yaml").read_text(encoding="utf-8"))[
    "datagouv_licenses"
]
UNKNOWN = "unknown-default"


def _titles(title: str) -> list[str]:
    """A title as sources write it: case, spacing, accents."""
    accented = title.replace("Licence", "Licénce")
    return [title, title.upper(), title.lower(), f"  {title} ", accented]


def _urls(url: str) -> list[str]:
    """An address as sources write it: http or https, with or without www., a trailing slash, case."""
    rest = url.split("://", 1)[1]
    host, _, path = rest.partition("/")
    bare = host.removeprefix("www.")
    variants = []
    for s in ("http", "https"):
        for h in (bare, "www." + bare, bare.upper()):
            for p in (path.rstrip("/"), path.rstrip("/") + "/"):
                variants.append(f"{s}://{h}/{p}")
    return variants


def test_every_licence_of_the_national_list_is_decided():
    """A refreshed list bringing a new licence id fails here until the mapping says what it is."""
    assert sorted(e["id"] for e in licences.national_list() if e["id"] not in PORTAL_IDS) == []


@pytest.mark.parametrize("licence", licences.national_list(), ids=lambda e: e["id"])
def test_every_title_and_address_of_a_licence_maps_to_it(licence):
    target = PORTAL_IDS[licence["id"]]
    if target is None:
        return  # not an open licence: a source giving it gets its default, with a warning
    titles = [licence["id"], licence["title"], *licence["alternate_titles"]]
    urls = [u for u in [licence["url"], *licence["alternate_urls"]] if u]
    found = {
        (written, mapping.map_license(written, UNKNOWN)[0])
        for written in [v for t in titles for v in _titles(t)] + [v for u in urls for v in _urls(u)]
    }
    assert {(written, got) for written, got in found if got != target} == set()


@pytest.mark.parametrize(
    "url",
    [
        # the Licence Ouverte's address when Etalab published it, in 2011, and its spellings since
        "http://www.data.gouv.fr/Licence-Ouverte-Open-Licence",
        "https://www.data.gouv.fr/Licence-Ouverte-Open-Licence/",
        "http://data.gouv.fr/licence-ouverte-open-licence",
        "http://wiki.data.gouv.fr/wiki/Licence_Ouverte_/_Open_Licence",
        "https://www.etalab.gouv.fr/wp-content/uploads/2014/05/Licence_Ouverte.pdf",
    ],
)
def test_historic_licence_ouverte_addresses(url):
    assert mapping.map_license(url, UNKNOWN) == ("fr-lo", None)
