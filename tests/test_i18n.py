"""One message catalogue: our templates and validators say nothing outside it, the French
catalogue translates every message extracted from them, and the English UI shows English."""
from __future__ import annotations

import ast
import re
import subprocess

import pytest
from babel.messages.pofile import read_po

from .conftest import ROOT

PACKAGE = ROOT / "ckanext" / "metropole"
PO = PACKAGE / "i18n" / "fr" / "LC_MESSAGES" / "ckanext-metropole.po"
TEMPLATES = sorted(PACKAGE.glob("*/templates/**/*.html"))
# Python modules whose messages users read beside a field or in an API answer
VALIDATORS = [PACKAGE / "communes" / "validators.py", PACKAGE / "dataset" / "validators.py",
              PACKAGE / "communes" / "territory.py",
              *sorted(PACKAGE.glob("*/logic/*.py"))]
JINJA = re.compile(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}", re.S)
# Words that are the same in both languages or are not prose
NEUTRAL = {"SIREN", "INSEE", "CSV", "GeoJSON", "DCAT", "RSS"}


def _literal_texts(html: str) -> list[str]:
    """Text nodes and human-read attributes left once Jinja expressions are removed."""
    bare = re.sub(r"<(style|script)\b.*?</\1>", " ", JINJA.sub(" ", html), flags=re.S)
    found = []
    for attr in re.findall(r'\b(?:title|alt|aria-label|placeholder)="([^"]*)"', bare):
        found.append(attr)
    text = re.sub(r"<[^>]+>", " ", bare)
    found.extend(text.split("\n"))
    return [t.strip() for t in found if re.search(r"[A-Za-zÀ-ÿ]{2,}", t) and t.strip() not in NEUTRAL]


@pytest.mark.parametrize("path", TEMPLATES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_templates_say_nothing_outside_the_catalogue(path):
    assert _literal_texts(path.read_text(encoding="utf-8")) == []


def _is_gettext(node) -> bool:
    """_("…") or _("…").format(…)"""
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "format":
        node = node.func.value
    if isinstance(node, ast.BinOp):  # _("…") + hint
        return _is_gettext(node.left)
    return isinstance(node, ast.Call) and (
        (isinstance(node.func, ast.Name) and node.func.id == "_")
        or (isinstance(node.func, ast.Attribute) and node.func.attr == "_"))


@pytest.mark.parametrize("path", VALIDATORS, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_validator_messages_go_through_the_catalogue(path):
    literal = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not isinstance(node, ast.Call) or not node.args:
            continue
        name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
        if name in ("Invalid", "append", "TerritoryError", "ObjectNotFound", "NotAuthorized") \
                and isinstance(node.args[0], (ast.Constant, ast.JoinedStr)) and not _is_gettext(node.args[0]):
            literal.append(f"line {node.lineno}")
        if name == "ValidationError" and isinstance(node.args[0], ast.Dict):
            for value in node.args[0].values:
                if isinstance(value, ast.List) and any(isinstance(e, (ast.Constant, ast.JoinedStr)) for e in value.elts):
                    literal.append(f"line {node.lineno}")
    assert literal == []


SCHEMAS = sorted((PACKAGE / "schemas").glob("*.yaml"))
# Words that only French prose uses (function words, our domain's nouns), French typography
FRENCH = re.compile(r"\b(?:le|la|les|des|du|de|et|ou|un|une|au|aux|pour|avec|dans|sur|par|qui|que|ce|cette|"
                    r"ces|est|sont|données|jeu|jeux|nom|titre|adresse|fichier|lien|courriel|thèmes?|"
                    r"mots|laissez|ex)\b|\b[dlj]'|\s[:;?!](?:\s|$)|«", re.I)
# Accented words an English msgid may keep: French institutions and schema names
PROPER = {"métropole", "délibérations", "défibrillateurs", "décret"}


def _schema_texts(path):
    from ckanext.metropole.babel_yaml import extract_yaml

    with path.open("rb") as f:
        return [text for _, _, text, _ in extract_yaml(f, [], [], {})]


def _looks_french(text: str) -> bool:
    accented = {w.lower() for w in re.findall(r"\w*[À-ÿ]\w*", text)} - PROPER
    return bool(FRENCH.search(text) or accented)


@pytest.mark.parametrize("path", SCHEMAS, ids=lambda p: p.name)
def test_schema_texts_are_english_msgids_with_a_french_translation(path):
    """Scheming passes a string label, help text, placeholder or choice label through gettext
    (scheming_language_text): a French literal there would show French in the English UI."""
    texts = _schema_texts(path)
    assert len(texts) > 10
    assert [t for t in texts if _looks_french(t)] == []
    translated = _translated()
    assert sorted(set(texts) - translated) == []


def test_french_detector_catches_french_literals():
    assert _looks_french("Fréquence de mise à jour") and _looks_french("Ex. : CSV, GeoJSON")
    assert _looks_french("Nom") and _looks_french("Type d'organisation")
    assert not _looks_french("Update frequency") and not _looks_french("Datasets of a métropole and its communes")


def _translated() -> set[str]:
    """Msgids with a French translation: ours, and CKAN's French catalogue, which CKAN merges
    with ours at run time (templates that override CKAN's or ckanext-harvest's pages reuse
    their msgids)."""
    import ckan
    from pathlib import Path

    translated = set()
    ckan_po = Path(ckan.__file__).parent / "i18n" / "fr" / "LC_MESSAGES" / "ckan.po"
    for path in (PO, ckan_po):
        with path.open("rb") as f:
            translated |= {(m.id if isinstance(m.id, str) else m.id[0]) for m in read_po(f)
                           if m.id and (m.string if isinstance(m.string, str) else all(m.string))}
    return translated


def test_french_catalogue_translates_every_extracted_message(tmp_path):
    """`make i18n`'s extraction (babel.cfg) of the templates and validators above: every
    message has its French translation."""
    pot = tmp_path / "messages.pot"
    files = [str(p.relative_to(ROOT)) for p in (*TEMPLATES, *VALIDATORS)]
    subprocess.run([str(ROOT / ".venv" / "bin" / "pybabel"), "-q", "extract", "-F", str(ROOT / "babel.cfg"),
                    "-o", str(pot), *files], check=True, cwd=ROOT, timeout=120)
    with pot.open("rb") as f:
        extracted = {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(f) if m.id}
    assert len(extracted) > 40
    assert sorted(extracted - _translated()) == []


@pytest.mark.usefixtures("clean_db", "with_plugins")
def test_english_ui_shows_english_and_french_ui_french(app):
    from ckan.tests import helpers

    helpers.call_action("metropole_territory_load", epci="246300701")
    english = app.get("/en/communes").body
    assert "The communes" in english and "INSEE code" in english and "Under the obligation" in english
    assert "Les communes" not in english and "Soumise à l'obligation" not in english
    french = app.get("/communes").body
    assert "Les communes" in french and "Code INSEE" in french and "Soumise à l'obligation" in french


def test_catalogue_has_each_message_once():
    """Engineers append blocks to the one catalogue: a message translated twice would keep
    only one of the translations, silently (Babel merges duplicates when it reads)."""
    text = PO.read_text(encoding="utf-8")
    # an entry: optional context, then the msgid and its continuation lines
    keys = re.findall(r'^(?:msgctxt ((?:".*"\n)+))?msgid ((?:".*"\n)+)', text + "\n", re.M)
    keys = [k for k in keys if k[1].strip() != '""']  # the header
    assert len(keys) > 100
    assert sorted({k for k in keys if keys.count(k) > 1}) == []


@pytest.mark.usefixtures("clean_db", "with_plugins")
def test_english_forms_show_english_labels_and_french_forms_french(app):
    """The scheming forms of datasets and organisations, in both languages."""
    from ckan.tests import factories

    headers = {"Authorization": factories.SysadminWithToken()["token"]}
    factories.Organization(kind="partner")  # CKAN's form asks for an organisation first
    english = app.get("/en/dataset/new", headers=headers).body
    assert "Update frequency" in english and "Communes covered" in english and "Contact point" in english
    assert "Fréquence de mise à jour" not in english and "Point de contact" not in english
    french = app.get("/dataset/new", headers=headers).body
    assert "Fréquence de mise à jour" in french and "Point de contact" in french
    assert "Update frequency" not in french
    english = app.get("/en/organization/new", headers=headers).body
    assert "Organization type" in english and "Partner" in english and "Partenaire" not in english
    french = app.get("/organization/new", headers=headers).body
    assert "Type d&#39;organisation" in french or "Type d'organisation" in french
    assert "Partenaire" in french
