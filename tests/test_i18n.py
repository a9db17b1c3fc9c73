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
VALIDATORS = [
    PACKAGE / "communes" / "validators.py",
    PACKAGE / "dataset" / "validators.py",
    PACKAGE / "communes" / "territory.py",
    *sorted(PACKAGE.glob("*/logic/*.py")),
]
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
        or (isinstance(node.func, ast.Attribute) and node.func.attr == "_")
    )


@pytest.mark.parametrize("path", VALIDATORS, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_validator_messages_go_through_the_catalogue(path):
    literal = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not isinstance(node, ast.Call) or not node.args:
            continue
        name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
        if (
            name in ("Invalid", "append", "TerritoryError", "ObjectNotFound", "NotAuthorized")
            and isinstance(node.args[0], (ast.Constant, ast.JoinedStr))
            and not _is_gettext(node.args[0])
        ):
            literal.append(f"line {node.lineno}")
        if name == "ValidationError" and isinstance(node.args[0], ast.Dict):
            for value in node.args[0].values:
                if isinstance(value, ast.List) and any(
                    isinstance(e, (ast.Constant, ast.JoinedStr)) for e in value.elts
                ):
                    literal.append(f"line {node.lineno}")
    assert literal == []


SCHEMAS = sorted((PACKAGE / "schemas").glob("*.yaml"))
# Words that only French prose uses (function words, our domain's nouns), French typography
FRENCH = re.compile(
    r"\b(?:le|la|les|des|du|de|et|ou|un|une|au|aux|pour|avec|dans|sur|par|qui|que|ce|cette|"
    r"ces|est|sont|données|jeu|jeux|nom|titre|adresse|fichier|lien|courriel|thèmes?|"
    r"mots|laissez|ex)\b|\b[dlj]'|\s[:;?!](?:\s|$)|«",
    re.I,
)
# Accented words an English msgid may keep: French institutions and schema names
PROPER = {"métropole", "métropoles", "géodae", "délibérations", "défibrillateurs", "décret"}


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
    assert not _looks_french("Update frequency") and not _looks_french(
        "Datasets of a métropole and its communes"
    )


def _translated() -> set[str]:
    """Msgids with a French translation: ours, and CKAN's French catalogue, which CKAN merges
    with ours at run time (templates that override CKAN's or ckanext-harvest's pages reuse
    their msgids)."""
    from pathlib import Path

    import ckan

    translated = set()
    ckan_po = Path(ckan.__file__).parent / "i18n" / "fr" / "LC_MESSAGES" / "ckan.po"
    for path in (PO, ckan_po):
        with path.open("rb") as f:
            translated |= {
                (m.id if isinstance(m.id, str) else m.id[0])
                for m in read_po(f)
                if m.id and (m.string if isinstance(m.string, str) else all(m.string))
            }
    return translated


def test_french_catalogue_translates_every_extracted_message(tmp_path):
    """`make i18n`'s extraction (babel.cfg) of the templates and validators above: every
    message has its French translation."""
    pot = tmp_path / "messages.pot"
    files = [str(p.relative_to(ROOT)) for p in (*TEMPLATES, *VALIDATORS)]
    subprocess.run(
        [
            str(ROOT / ".venv" / "bin" / "pybabel"),
            "-q",
            "extract",
            "-F",
            str(ROOT / "babel.cfg"),
            "-o",
            str(pot),
            *files,
        ],
        check=True,
        cwd=ROOT,
        timeout=120,
    )
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


# --- messages written now and read later (ckanext/metropole/messages.py): the harvester's
# errors and warnings, the CLIs' help and output

HARVEST = sorted((PACKAGE / "harvest").rglob("*.py"))
MARKERS = ("N_", "_")  # a message marked for the catalogue


def french_literals(source: str) -> list[str]:
    """String constants of a module that look French and are not a message of the catalogue:
    docstrings, the arguments of N_()/_() and the values of UPPER_CASE constants (matching
    data, such as the French words a harvester recognises) are not display text."""
    tree = ast.parse(source)
    skip = set()
    for node in ast.walk(tree):
        if (
            isinstance(node, (ast.Module, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))
            and node.body
            and isinstance(node.body[0], ast.Expr)
        ):
            skip.add(id(node.body[0].value))
        if (
            isinstance(node, ast.Call)
            and getattr(node.func, "id", getattr(node.func, "attr", None)) in MARKERS
        ):
            skip.update(id(n) for n in ast.walk(node))
        if isinstance(node, ast.Assign) and all(
            isinstance(t, ast.Name) and t.id.isupper() for t in node.targets
        ):
            skip.update(id(n) for n in ast.walk(node.value))
    return [
        f"line {node.lineno}: {node.value[:60]!r}"
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and id(node) not in skip
        and _looks_french(node.value)
    ]


def test_french_literal_detector_catches_harvest_messages():
    assert french_literals('raise HarvestError(f"Adresse invalide : {url}")') != []
    assert french_literals('notes.append("aucune licence indiquée par la source")') != []
    assert french_literals('raise HarvestError(N_("Invalid address: {url}", url=url))') == []
    assert french_literals('SPLIT_RE = re.compile(r"\\s+(?:et|and|ou)\\s+")') == []


@pytest.mark.parametrize("path", HARVEST, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_harvest_messages_are_msgids_not_french_literals(path):
    """The harvester stores its messages as msgids, translated when a job is read."""
    assert french_literals(path.read_text(encoding="utf-8")) == []


def _extracted(tmp_path, paths) -> set[str]:
    pot = tmp_path / "extracted.pot"
    files = [str(p.relative_to(ROOT)) for p in paths]
    subprocess.run(
        [
            str(ROOT / ".venv" / "bin" / "pybabel"),
            "-q",
            "extract",
            "-F",
            str(ROOT / "babel.cfg"),
            "-o",
            str(pot),
            *files,
        ],
        check=True,
        cwd=ROOT,
        timeout=120,
    )
    with pot.open("rb") as f:
        return {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(f) if m.id}


def test_harvest_msgids_are_english_and_translated(tmp_path):
    extracted = _extracted(tmp_path, HARVEST)
    assert len(extracted) > 60
    assert sorted(m for m in extracted if _looks_french(m)) == []
    assert sorted(extracted - _translated()) == []


CLI_MODULES = ["common", "communes", "dataset", "demo", "previews"]
# and what they print from elsewhere: the demo folder's errors
CLIS = [PACKAGE / "cli.py", *(PACKAGE / m / "cli.py" for m in CLI_MODULES), PACKAGE / "demo" / "content.py"]


@pytest.mark.parametrize("path", CLIS, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_cli_help_and_output_are_msgids_not_french_literals(path):
    """--help texts, docstrings click would show as help, and what the commands print."""
    source = path.read_text(encoding="utf-8")
    assert french_literals(source) == []
    # _ is the translation function there: a throwaway variable named _ would shadow it
    assert [
        n.lineno
        for n in ast.walk(ast.parse(source))
        if isinstance(n, ast.Name) and n.id == "_" and isinstance(n.ctx, ast.Store)
    ] == []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.FunctionDef) and any(
            "command" in ast.unparse(d) or "group" in ast.unparse(d) for d in node.decorator_list
        ):
            assert ast.get_docstring(node) is None, (
                f"{node.name}: click would show this docstring untranslated"
            )


def test_cli_msgids_are_english_and_translated(tmp_path):
    extracted = _extracted(tmp_path, CLIS)
    assert len(extracted) > 50
    assert sorted(m for m in extracted if _looks_french(m)) == []
    assert sorted(extracted - _translated()) == []


def _help(cli, *args, through_ckan: bool = False) -> str:
    """``ckan metropole ARGS --help``: through CKAN's own command once (it builds the whole
    application at every call, seconds each), then through our group, the same click objects."""
    from ckan.cli.cli import ckan

    from ckanext.metropole import cli as metropole_cli

    if through_ckan:
        result = cli.invoke(ckan, ["metropole", *args, "--help"])
    else:
        result = cli.invoke(metropole_cli.metropole, [*args, "--help"], prog_name="ckan metropole")
    assert result.exit_code == 0, result.output
    return result.output


@pytest.mark.usefixtures("with_plugins", "with_extended_cli")
def test_cli_help_is_in_the_portal_language(cli, ckan_config, monkeypatch):
    """The portal's default language (test.ini: fr); an English portal's CLI speaks English."""
    import importlib

    from ckanext.metropole import cli as metropole_cli

    assert "Commandes du portail métropolitain." in _help(cli, through_ckan=True)
    assert "Jeux communs : validation et consolidation." in _help(cli)
    common = _help(cli, "common", "validate")
    assert "Toutes les ressources, même déjà validées." in common and "Every resource" not in common
    assert "SIREN de l'EPCI" in _help(cli, "territory", "load")
    assert "Crée ou met à jour les groupes des thèmes" in _help(cli, "themes", "sync")
    assert "Dossier de démonstration." in _help(cli, "demo", "remove")
    assert "Charge les données de démonstration des aperçus" in _help(cli, "previews")

    modules = [importlib.import_module(f"ckanext.metropole.{m}.cli") for m in CLI_MODULES]
    monkeypatch.setitem(ckan_config, "ckan.locale_default", "en")
    try:
        english = [importlib.reload(m) for m in modules]
        metropole_cli.get_commands()
        assert "Commands of the métropole portal." in _help(cli, through_ckan=True)
        common = _help(cli, "common", "validate")
        assert (
            "Every resource, even those already validated." in common
            and "Toutes les ressources" not in common
        )
        assert "SIREN of the EPCI" in _help(cli, "territory", "load")
        assert "Load the previews' demonstration data" in _help(cli, "previews")
        assert len(english) == len(CLI_MODULES)
    finally:
        monkeypatch.undo()
        for m in modules:
            importlib.reload(m)
        metropole_cli.get_commands()


# Vocabularies as data (config/): their labels are English msgids, shown translated
CONFIG_TEXTS = [
    ROOT / "config" / name
    for name in (
        "themes.yaml",
        "frequencies.yaml",
        "table_schemas.yaml",
        "review_criteria.yaml",
        "mqa.yaml",
        "common_datasets.yaml",
    )
]


@pytest.mark.parametrize("path", CONFIG_TEXTS, ids=lambda p: p.name)
def test_config_labels_are_english_msgids_with_a_french_translation(path):
    texts = _schema_texts(path)
    assert len(texts) >= 8
    assert [t for t in texts if _looks_french(t)] == []
    assert sorted(set(texts) - _translated()) == []


def test_make_i18n_extracts_the_config_labels(tmp_path):
    """babel.cfg names each data file whose labels are shown: a file left out would never
    reach the catalogue."""
    extracted = _extracted(tmp_path, CONFIG_TEXTS)
    assert {
        "Economy",
        "Monthly",
        "Public toilets (portal schema)",
        "At least one theme",
        "Findability",
        "Polling stations",
    } <= extracted


@pytest.mark.usefixtures("clean_db", "clean_index", "with_plugins")
def test_english_pages_show_the_vocabularies_in_english(app):
    """Home tiles, search facets, a dataset's page and form: the vocabularies in the page's
    language; a theme group's title is content in the portal's language."""
    from ckan.tests import factories, helpers

    from .conftest import make_dataset

    helpers.call_action("metropole_territory_load", epci="246300701")
    helpers.call_action("metropole_theme_groups_sync")
    org = helpers.call_action("organization_show", id="royat")["id"]
    dataset = make_dataset(
        owner_org=org, title="Marché hebdomadaire", theme=["economie"], frequency="MONTHLY"
    )
    english_home = app.get("/en/").body
    assert "Economy" in english_home and "Économie" not in english_home
    french_home = app.get("/").body
    assert "Économie" in french_home and "Economy" not in french_home
    english = app.get("/en/dataset/").body
    assert "Economy" in english and "Économie" not in english
    assert "Économie" in app.get("/dataset/").body
    page = app.get(f"/en/dataset/{dataset['name']}").body
    assert "Monthly" in page and "Economy" in page and "Mensuelle" not in page
    page = app.get(f"/dataset/{dataset['name']}").body
    assert "Mensuelle" in page and "Monthly" not in page
    assert helpers.call_action("group_show", id="economie")["title"] == "Économie"
    headers = {"Authorization": factories.SysadminWithToken()["token"]}
    form = app.get("/en/dataset/new", headers=headers).body
    assert "Economy" in form and "Every two weeks" in form and "Économie" not in form
    english = app.get("/en/jeux-communs").body
    assert (
        "Automated external defibrillators (AED)" in english and "Défibrillateurs automatisés" not in english
    )
    assert "Défibrillateurs automatisés externes (DAE)" in app.get("/jeux-communs").body
