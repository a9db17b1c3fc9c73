"""Which messages of CKAN's and the installed extensions' templates and code have no French.

CKAN merges every ITranslation catalogue over its own (flask-babel, one Translations object),
so a page is French when CKAN's ``ckan.po`` *or* our ``ckanext-metropole.po`` translates its
messages; the extensions we run (harvest, scheming, dcat, spatial, xloader, geoview) ship no
French catalogue at all. The messages are extracted from the *installed* templates, so an
upgrade that adds messages shows up here (and in tests/theme/test_i18n_ckan.py).

    python -m ckanext.metropole.theme.translations          # count by package
    python -m ckanext.metropole.theme.translations --po     # the missing ones, as .po entries
"""

from __future__ import annotations

import argparse
import importlib.util
import sys
from collections import defaultdict
from pathlib import Path

from babel.messages.extract import extract_from_file
from babel.messages.pofile import read_po

OURS = Path(__file__).resolve().parent.parent / "i18n" / "fr" / "LC_MESSAGES" / "ckanext-metropole.po"

# Template folders whose pages the portal serves: CKAN core (Bootstrap 5 templates), the core
# plugins enabled in test.ini/development.ini, the extensions of requirements.txt we enable.
# Scheming's 2.8_templates and CKAN's templates-bs3 are for other CKAN versions / themes.
TEMPLATE_PACKAGES = {
    "ckan": "ckan/templates",
    "activity": "ckanext/activity/templates",
    "datastore": "ckanext/datastore/templates",
    "datatablesview": "ckanext/datatablesview/templates",
    "harvest": "ckanext/harvest/templates",
    "scheming": "ckanext/scheming/templates",
    "dcat": "ckanext/dcat/templates",
    "spatial": "ckanext/spatial/templates",
    "xloader": "ckanext/xloader/templates",
    "geoview": "ckanext/geoview/templates",
}


def _site_root() -> Path:
    return Path(importlib.util.find_spec("ckan").origin).parent.parent


def _key(message_id) -> str:
    return message_id if isinstance(message_id, str) else message_id[0]


def french_catalogues() -> list[Path]:
    """CKAN's French catalogue, the installed extensions' French ones (none so far), ours last:
    the order in which CKAN merges them."""
    root = _site_root()
    found = [root / "ckan" / "i18n" / "fr" / "LC_MESSAGES" / "ckan.po"]
    found += sorted(p for p in (root / "ckanext").glob("*/i18n/fr/LC_MESSAGES/*.po"))
    return [*found, OURS]


def translated_ids(paths: list[Path] | None = None) -> set[str]:
    """msgids with a French translation that ``pybabel compile`` keeps: not empty (every plural
    form), not fuzzy."""
    done: set[str] = set()
    for path in paths or french_catalogues():
        with path.open("rb") as f:
            for m in read_po(f):
                strings = [m.string] if isinstance(m.string, str) else list(m.string)
                if m.id and not m.fuzzy and all(strings):
                    done.add(_key(m.id))
    return done


def template_messages() -> dict[str, dict[str, tuple]]:
    """{package: {msgid: (id or (singular, plural), first "file:line")}} of every template message."""
    from ckan.lib.extract import extract_ckan

    root = _site_root()
    found: dict[str, dict[str, tuple]] = defaultdict(dict)
    for package, folder in TEMPLATE_PACKAGES.items():
        base = root / folder
        found[package] = {}  # dcat's templates carry no message: still listed, empty
        for path in sorted(base.rglob("*.html")):
            for lineno, message, _comments, _context in extract_from_file(
                extract_ckan, str(path), options={"trimmed": "True"}
            ):
                key = _key(message)
                if key and key not in found[package]:
                    found[package][key] = (message, f"{path.relative_to(root)}:{lineno}")
    return dict(found)


# Messages CKAN's own catalogue lists with their source files: besides templates, pages show
# the entity labels of helpers.humanize_entity_type ("Add {object_type}"…), the JavaScript
# modules' messages (served by /api/i18n/fr, built from the same catalogues), and the flash
# and form-error messages of core views and actions.
CATALOGUE_SOURCES = {
    "ckan-helpers": ("ckan/lib/helpers.py",),
    "ckan-javascript": ("ckan/public/base/javascript/", "ckanext/datatablesview/assets/"),
    "ckan-python": ("ckan/views/", "ckan/logic/", "ckanext/activity/", "ckanext/datastore/"),
}


def catalogue_messages(
    sources: dict[str, tuple[str, ...]] = CATALOGUE_SOURCES,
) -> dict[str, dict[str, tuple]]:
    """{source: {msgid: (id, "file:line")}} of CKAN's catalogue entries found in those files."""
    found: dict[str, dict[str, tuple]] = defaultdict(dict)
    with french_catalogues()[0].open("rb") as f:
        for m in read_po(f):
            for source, prefixes in sources.items():
                where = [
                    f"{path}:{line}"
                    for path, line in m.locations
                    if path.startswith(prefixes) and not path.endswith(".html")
                ]
                if m.id and where:
                    found[source][_key(m.id)] = (m.id, where[0])
    return dict(found)


# The extensions' Python: flash messages, form and API errors, labels their helpers hand to
# templates (ckanext-dcat's field names, xloader's load states, geoview's view names).
PYTHON_PACKAGES = {
    f"{name}-python": f"ckanext/{name}"
    for name in ("harvest", "scheming", "dcat", "spatial", "xloader", "geoview")
}


def python_messages() -> dict[str, dict[str, tuple]]:
    """{package: {msgid: (id, "file:line")}} of the _() calls in the extensions' modules."""
    root = _site_root()
    found: dict[str, dict[str, tuple]] = {}
    for package, folder in PYTHON_PACKAGES.items():
        found[package] = {}
        for path in sorted((root / folder).rglob("*.py")):
            if "tests" in path.relative_to(root / folder).parts:
                continue
            for lineno, message, _comments, _context in extract_from_file("python", str(path)):
                key = _key(message)
                if key and key not in found[package]:
                    found[package][key] = (message, f"{path.relative_to(root)}:{lineno}")
    return found


def all_messages() -> dict[str, dict[str, tuple]]:
    return {**template_messages(), **catalogue_messages(), **python_messages()}


def missing_french(listed: dict[str, dict[str, tuple]] | None = None) -> dict[str, dict[str, tuple]]:
    """The messages no French catalogue of the merged result translates, by package/source."""
    done = translated_ids()
    return {
        package: {k: v for k, v in messages.items() if k not in done}
        for package, messages in (listed or all_messages()).items()
    }


def humanize_entity_type(next_helper, entity_type: str, object_type: str, purpose: str):
    """CKAN names a custom type (our ``reuse``) by its machine name, capitalised, inside
    translated messages ("Ajouter : Reuse"): that name goes through the catalogues too.
    Chained over CKAN's helper (registered by metropole_theme)."""
    from ckan.plugins import toolkit

    text = next_helper(entity_type, object_type, purpose)
    if not text or entity_type == "activity":
        return text
    label = object_type.replace("_", " ").capitalize()
    return text.replace(label, toolkit._(label))


def _po_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--po", action="store_true", help="print the missing messages as .po entries")
    args = parser.parse_args(argv)
    missing = missing_french()
    if args.po:
        seen = set()
        for messages in missing.values():
            for key, (message, where) in sorted(messages.items()):
                if key in seen:
                    continue
                seen.add(key)
                print(f"#: {where}")
                if isinstance(message, str):
                    print(f'msgid {_po_string(message)}\nmsgstr ""\n')
                else:
                    print(
                        f"msgid {_po_string(message[0])}\nmsgid_plural {_po_string(message[1])}\n"
                        'msgstr[0] ""\nmsgstr[1] ""\n'
                    )
    else:
        for package, messages in missing.items():
            print(f"{package}: {len(messages)} without French")
    return 1 if any(missing.values()) else 0


if __name__ == "__main__":
    sys.exit(main())
