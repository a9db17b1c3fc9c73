"""Controlled vocabularies of the dataset schema, read from the data files of ``config/``.

Their labels are English msgids (extracted by make i18n, French in the one catalogue): what
shows them translates them (scheming's choices, facets, the home page, the DCAT profile)."""

from __future__ import annotations

import json
import unicodedata
from functools import lru_cache

import yaml

from ..resources import config_dir

EU_THEME = "http://publications.europa.eu/resource/authority/data-theme/"
EU_FREQUENCY = "http://publications.europa.eu/resource/authority/frequency/"
SCHEMA_DATA_GOUV = "https://schema.data.gouv.fr/schemas/{id}/latest/schema.json"


def _yaml(name: str):
    with open(config_dir() / name, encoding="utf-8") as f:
        return yaml.safe_load(f)


def fold(text: str) -> str:
    """Lower case without accents, for comparing labels typed anywhere."""
    text = unicodedata.normalize("NFKD", text or "")
    return "".join(c for c in text if not unicodedata.combining(c)).lower().strip()


@lru_cache(maxsize=1)
def themes() -> list[dict]:
    return _yaml("themes.yaml")


@lru_cache(maxsize=1)
def theme_labels() -> dict[str, str]:
    return {t["id"]: t["label"] for t in themes()}


def theme_labels_shown() -> dict[str, str]:
    """The themes' labels in the request's language (template helper metropole_theme_labels)."""
    from ..messages import translate

    return {theme_id: translate(label) for theme_id, label in theme_labels().items()}


@lru_cache(maxsize=1)
def frequencies() -> dict[str, str]:
    return {f["code"]: f["label"] for f in _yaml("frequencies.yaml")}


@lru_cache(maxsize=1)
def licenses() -> list[dict]:
    with open(config_dir() / "licenses.json", encoding="utf-8") as f:
        return json.load(f)


@lru_cache(maxsize=1)
def license_ids() -> dict[str, dict]:
    return {lic["id"]: lic for lic in licenses()}


@lru_cache(maxsize=1)
def table_schemas() -> dict[str, str]:
    return {s["id"]: s["label"] for s in _yaml("table_schemas.yaml")}


@lru_cache(maxsize=1)
def formats() -> dict[str, str]:
    return {str(k).lower(): v for k, v in _yaml("formats.yaml").items()}


@lru_cache(maxsize=1)
def table_schema_urls() -> dict[str, str]:
    """Where a schema lives: schema.data.gouv.fr, or this portal for the schemas of ours."""
    return {s["id"]: s.get("url") or SCHEMA_DATA_GOUV.format(id=s["id"]) for s in _yaml("table_schemas.yaml")}


def schema_url(value: str) -> str:
    """A schema id or a URL, as the URL dct:conformsTo points to."""
    url = table_schema_urls().get(value, value)
    if url.startswith("/"):
        import ckan.plugins.toolkit as tk

        url = tk.config.get("ckan.site_url", "").rstrip("/") + url
    return url


# scheming choices helpers (choices_helper in schemas/dataset.yaml)
def theme_choices(field=None) -> list[dict]:
    return [{"value": t["id"], "label": t["label"]} for t in themes()]


def frequency_choices(field=None) -> list[dict]:
    return [{"value": code, "label": label} for code, label in frequencies().items()]


def table_schema_choices(field=None) -> list[dict]:
    # scheming passes choice labels through gettext: English msgids, as the data file's
    return [{"value": "", "label": "No schema"}] + [
        {"value": sid, "label": label} for sid, label in table_schemas().items()
    ]


def commune_choices(field=None) -> list[dict]:
    from .communes_field import territory_communes

    return [
        {"value": code, "label": f"{name} ({code})"}
        for code, name in sorted(territory_communes().items(), key=lambda kv: fold(kv[1]))
    ]


def commune_names(codes) -> list[str]:
    from .communes_field import territory_communes

    names = territory_communes()
    return [f"{names[c]} ({c})" if c in names else c for c in codes or []]


def default_license() -> str:
    """The licence a new dataset's form offers first: ``ckanext.metropole.default_license``
    when it names a licence of the portal, else the Licence Ouverte 2.0 (the publication
    criteria ask for an open licence, never "not specified")."""
    import ckan.plugins.toolkit as tk

    wanted = (tk.config.get("ckanext.metropole.default_license") or "").strip()
    return wanted if wanted in license_ids() else "lov2"
