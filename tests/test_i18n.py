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


def test_french_catalogue_translates_every_extracted_message(tmp_path):
    """`make i18n`'s extraction (babel.cfg) of the templates and validators above: every
    message has its French translation."""
    pot = tmp_path / "messages.pot"
    files = [str(p.relative_to(ROOT)) for p in (*TEMPLATES, *VALIDATORS)]
    subprocess.run([str(ROOT / ".venv" / "bin" / "pybabel"), "-q", "extract", "-F", str(ROOT / "babel.cfg"),
                    "-o", str(pot), *files], check=True, cwd=ROOT, timeout=120)
    with pot.open("rb") as f:
        extracted = {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(f) if m.id}
    translated = set()
    # ours, and CKAN's French catalogue, which CKAN merges with ours at run time (templates that
    # override CKAN's or ckanext-harvest's pages reuse their msgids)
    import ckan
    from pathlib import Path
    ckan_po = Path(ckan.__file__).parent / "i18n" / "fr" / "LC_MESSAGES" / "ckan.po"
    for path in (PO, ckan_po):
        with path.open("rb") as f:
            translated |= {(m.id if isinstance(m.id, str) else m.id[0]) for m in read_po(f)
                           if m.id and (m.string if isinstance(m.string, str) else all(m.string))}
    assert len(extracted) > 40
    assert sorted(extracted - translated) == []


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
