"""French pages say nothing in English: every message of CKAN's and the installed extensions'
templates (plus CKAN's helpers, JavaScript and view/action messages, and the extensions' Python)
has a French translation in the merged catalogues, and the pages visitors, commune agents and
operators read show none of the English leftovers CKAN 2.11's French catalogue used to let through.

The messages are extracted from the *installed* packages at test time: an upgrade of CKAN or
of an extension that adds messages fails here until they are translated (list them with
``python -m ckanext.metropole.theme.translations --po``)."""

from __future__ import annotations

import re
from html import unescape
from html.parser import HTMLParser

import pytest
from babel.messages.pofile import read_po
from ckan.tests import factories, helpers

from ckanext.metropole.theme import translations

from ..conftest import load_territory, make_dataset


def test_every_message_of_ckan_and_the_extensions_has_french():
    listed = translations.all_messages()
    # the extraction really read every package (an empty one would pass vacuously)
    assert set(listed) == (
        set(translations.TEMPLATE_PACKAGES)
        | set(translations.CATALOGUE_SOURCES)
        | set(translations.PYTHON_PACKAGES)
    )
    assert len(listed["ckan"]) > 400 and len(listed["activity"]) > 100 and len(listed["harvest"]) > 50
    root = translations._site_root()
    assert all((root / folder).is_dir() for folder in translations.TEMPLATE_PACKAGES.values())
    assert all(listed[package] for package in listed if package != "dcat")
    missing = translations.missing_french(listed)
    assert {package: sorted(messages) for package, messages in missing.items() if messages} == {}


def test_an_empty_or_fuzzy_translation_does_not_count(tmp_path):
    """pybabel compile leaves empty and fuzzy entries out of the .mo: they show English."""
    po = tmp_path / "x.po"
    po.write_text(
        'msgid ""\nmsgstr ""\n"Plural-Forms: nplurals=2; plural=(n > 1);\\n"\n\n'
        'msgid "Done"\nmsgstr "Fait"\n\nmsgid "Empty"\nmsgstr ""\n\n'
        '#, fuzzy\nmsgid "Fuzzy"\nmsgstr "Flou"\n\n'
        'msgid "{n} file"\nmsgid_plural "{n} files"\nmsgstr[0] "{n} fichier"\nmsgstr[1] ""\n',
        encoding="utf-8",
    )
    assert translations.translated_ids([po]) == {"Done"}


PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|%[sd]|\{\w*\}|</?[a-z]+\d?\b")


def test_our_translations_keep_placeholders_and_tags():
    """A lost {pkg_link} or %(url)s raises at render time (KeyError) or drops a link."""
    with translations.OURS.open("rb") as f:
        catalogue = read_po(f)
    wrong = []
    for m in catalogue:
        if not m.id:
            continue
        pairs = [(m.id, m.string)] if isinstance(m.id, str) else list(zip(m.id, m.string, strict=False))
        for source, target in pairs:
            if target and sorted(PLACEHOLDER.findall(source)) != sorted(PLACEHOLDER.findall(target)):
                wrong.append(source)
    assert wrong == []


# What CKAN 2.11's French pages showed in English (seen on the portal before this catalogue block)
ENGLISH_LEFTOVERS = [
    "Dataset description:",
    "Skip to main content",
    "Search Datasets...",
    "Toggle navigation",
    "Submit",
    "Close",
    "You might need to login to access this page.",
    "Breadcrumb",
    "There is no description for this dataset",
    "Profile settings",
    "Username or Email",
    "Request Reset",
    "No Organization",
    "API Tokens",
    "Account",
    "View dashboard",
    "Harvest Sources",
    "Search harvest sources...",
    "Filter by location",
    "Dataset extent",
    "True",
    "False",
    "Has views",
    "Reuse",
    "Add Reuse",
    "No reuses found",
]


class _Strings(HTMLParser):
    """Text nodes and the attributes people read (screen readers included)."""

    def __init__(self):
        super().__init__()
        self.found, self._skip = [], 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self._skip += 1
        for name, value in attrs:
            if name in ("title", "alt", "aria-label", "placeholder") and value:
                self.found.append(value.strip())

    def handle_endtag(self, tag):
        if tag in ("script", "style") and self._skip:
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip and data.strip():
            self.found.append(re.sub(r"\s+", " ", data.strip()))


@pytest.fixture(scope="module")
def english_only():
    """CKAN's msgids whose French differs from the English, as shown on a page (ours too)."""
    shown = {}
    for path in translations.french_catalogues():
        with path.open("rb") as f:
            for m in read_po(f):
                if isinstance(m.id, str) and m.id and m.string and m.string != m.id:
                    shown[m.id] = m.string
    return shown


def _english_on(html: str, english_only: dict) -> list[str]:
    parser = _Strings()
    parser.feed(html)
    strings = [unescape(s) for s in parser.found]
    leftovers = [s for s in strings if s in ENGLISH_LEFTOVERS or s in english_only]
    leftovers += [phrase for phrase in ENGLISH_LEFTOVERS if len(phrase) > 12 and phrase in unescape(html)]
    return sorted(set(leftovers))


@pytest.fixture
def portal(clean_db, clean_index, with_plugins):
    load_territory(groups=True, epci="246300701")
    royat = helpers.call_action("organization_show", id="royat")
    dataset = make_dataset(
        owner_org=royat["id"],
        title="Piscine municipale",
        theme=["sports"],
        notes="Horaires et tarifs de la piscine.",
        resources=[{"url": "https://royat.fr/piscine.html", "format": "HTML", "name": "Page de la piscine"}],
    )
    return {"dataset": dataset, "organization": royat}


def test_public_pages_in_french_show_no_english(app, portal, english_only):
    dataset, resource = portal["dataset"], portal["dataset"]["resources"][0]
    pages = {
        "resource": f"/dataset/{dataset['name']}/resource/{resource['id']}",
        "dataset": f"/dataset/{dataset['name']}",
        "organisation": f"/organization/{portal['organization']['name']}",
        "organisations": "/organization/",
        "search": "/dataset/?q=piscine",
        "login": "/user/login",
        "reset": "/user/reset",
        "harvest sources": "/harvest",
        "reuses (scheming's type page)": "/reuse/",
    }
    found = {name: _english_on(app.get(url).body, english_only) for name, url in pages.items()}
    assert {name: words for name, words in found.items() if words} == {}
    # and the French is there (the leftovers were not simply moved out of the pages)
    resource_page = unescape(app.get(pages["resource"]).body)
    assert "Description du jeu de données :" in resource_page
    assert "Aller au contenu principal" in resource_page or "Passer au contenu" in resource_page


def test_pages_of_a_signed_in_agent_in_french_show_no_english(app, portal, english_only):
    agent = factories.UserWithToken()
    helpers.call_action(
        "organization_member_create", id=portal["organization"]["id"], username=agent["name"], role="editor"
    )
    headers = {"Authorization": agent["token"]}
    dataset = portal["dataset"]
    pages = {
        "dashboard": "/dashboard/datasets",
        "profile": f"/user/{agent['name']}",
        "profile settings": f"/user/edit/{agent['name']}",
        "new resource": f"/dataset/{dataset['name']}/resource/new",
        "dataset activity": f"/dataset/activity/{dataset['name']}",
    }
    found = {
        name: _english_on(app.get(url, headers=headers).body, english_only) for name, url in pages.items()
    }
    assert {name: words for name, words in found.items() if words} == {}


def test_operator_pages_in_french_show_no_english(app, portal, english_only):
    sysadmin = factories.SysadminWithToken()
    headers = {"Authorization": sysadmin["token"]}
    # /ckan-admin itself keeps CKAN's hard-coded placeholder "Username" (admin/index.html, no _())
    pages = {
        "admin config": "/ckan-admin/config",
        "trash": "/ckan-admin/trash",
        "new harvest source": "/harvest/new",
        "new dataset": "/dataset/new",
        "organisation members": f"/organization/members/{portal['organization']['name']}",
    }
    found = {
        name: _english_on(app.get(url, headers=headers).body, english_only) for name, url in pages.items()
    }
    assert {name: words for name, words in found.items() if words} == {}


def test_a_custom_type_is_named_in_french(app, portal):
    """CKAN writes our reuse type's machine name into its generic messages ("Add {object_type}")."""
    from ckan.lib.helpers import helper_functions as h

    with app.flask_app.test_request_context("/"):
        assert h.humanize_entity_type("package", "reuse", "add link") == "Ajouter : Réutilisation"
        assert h.humanize_entity_type("package", "dataset", "add link") is None  # CKAN's own text
    page = app.get("/reuse/").body
    assert "Aucune réutilisation trouvée" in page and "Reuse" not in page
