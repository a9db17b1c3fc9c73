"""A dataset page stays fast however many resources the dataset has (issue #24, item 3): it
lists them a page at a time (ckanext.metropole.dataset_page_resources), with links to the
others; a resource page's sidebar lists as many, around the resource shown."""

from __future__ import annotations

import re

import pytest
from ckan.tests import factories

from ..conftest import make_dataset


@pytest.mark.ckan_config("ckanext.metropole.dataset_page_resources", "3")
@pytest.mark.usefixtures("clean_db", "clean_index", "with_plugins")
def test_the_dataset_page_lists_its_resources_a_page_at_a_time(app):
    resources = [{"url": f"https://x.test/{n}.csv", "name": f"Fichier n°{n}"} for n in range(7)]
    dataset = make_dataset(owner_org=factories.Organization(kind="partner")["id"], resources=resources)

    def shown(query=""):
        html = app.get(f"/dataset/{dataset['name']}{query}").body
        items = re.findall(r'<li class="resource-item"[^>]*>.*?title="(Fichier n°\d)"', html, re.S)
        return items, html

    items, html = shown()
    assert items == ["Fichier n°0", "Fichier n°1", "Fichier n°2"]
    assert "Ressources 1 à 3 sur 7" in html
    assert re.search(rf'href="/dataset/{dataset["name"]}\?resources_page=3#dataset-resources"', html)
    assert shown("?resources_page=3")[0] == ["Fichier n°6"]
    # a page beyond the last: the last one, never an error (not a number: the first, resource_pages.py)
    assert shown("?resources_page=99")[0] == ["Fichier n°6"]
    # a resource page's sidebar: as many around the one shown, and the way to the others
    last = dataset["resources"][6]["id"]
    html = app.get(f"/dataset/{dataset['name']}/resource/{last}").body
    sidebar = re.search(r'(?s)<section class="module module-narrow resources">.*?</section>', html).group(0)
    assert re.findall(r'title="(Fichier n°\d)"', sidebar) == ["Fichier n°4", "Fichier n°5", "Fichier n°6"]
    assert "Les 7 ressources du jeu de données" in html
