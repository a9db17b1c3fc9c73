"""From a RemoteDataset to a dataset of our schema (schemas/dataset.yaml)."""
from __future__ import annotations

import hashlib
import html
import json
import re
from dataclasses import dataclass, field
from functools import lru_cache

import yaml
from slugify import slugify

from ..dataset import vocabularies as v
from ..resources import config_dir
from .model import RemoteDataset
from .sourceconfig import SourceConfig

TAG_RE = re.compile(r"[^\w\s\-.]", re.UNICODE)


@lru_cache(maxsize=1)
def tables() -> dict:
    with open(config_dir() / "harvest_mapping.yaml", encoding="utf-8") as f:
        raw = yaml.safe_load(f)
    return {"licenses": {v.fold(str(k)): val for k, val in raw["licenses"].items()},
            "frequencies": {v.fold(str(k)): val for k, val in raw["frequencies"].items()},
            "eu_themes": {v.fold(str(k)): val for k, val in raw.get("eu_themes", {}).items()}}


@lru_cache(maxsize=1)
def theme_keywords() -> dict[str, str]:
    keywords = {}
    for theme in v.themes():
        keywords[v.fold(theme["id"])] = theme["id"]
        keywords[v.fold(theme["label"])] = theme["id"]
        for word in theme.get("keywords", []):
            keywords[v.fold(word)] = theme["id"]
    return keywords


@dataclass
class Mapped:
    dataset: dict
    notes: list[str] = field(default_factory=list)  # what the operator should know


def map_license(raw: str, default: str) -> tuple[str, str | None]:
    if not raw:
        return default, None
    key = v.fold(raw).rstrip("/")
    licenses = tables()["licenses"]
    if key in licenses:
        return licenses[key], None
    for known, target in licenses.items():  # URLs with versions, trailing parts…
        if known.startswith("http") and key.startswith(known.rstrip("/")):
            return target, None
    return default, f"licence inconnue « {raw} » remplacée par « {default} »"


def map_frequency(raw: str) -> str:
    if not raw:
        return ""
    key = v.fold(raw)
    if key.upper() in v.frequencies():
        return key.upper()
    if key.startswith(v.fold(v.EU_FREQUENCY)):
        code = raw.rsplit("/", 1)[-1].upper()
        return code if code in v.frequencies() else ""
    return tables()["frequencies"].get(key, "")


def map_themes(labels: list[str], config: SourceConfig) -> list[str]:
    """Whole labels first; then each part of a compound label (Opendatasoft's themes read
    like "Transports, Déplacements")."""
    found = []
    keywords = theme_keywords()

    def lookup(text):
        key = v.fold(text)
        return config.theme_mapping.get(key) or keywords.get(key)

    for label in labels:
        themes = [lookup(label)] if lookup(label) else [lookup(part) for part in label.split(",")]
        for theme in themes:
            if theme and theme not in found:
                found.append(theme)
    if not found:  # coarse EU data-theme codes only when nothing finer matched
        for label in labels:
            theme = tables()["eu_themes"].get(v.fold(label))
            if theme and theme not in found:
                found.append(theme)
    return found


def html_to_text(text: str) -> str:
    """Opendatasoft descriptions are HTML: keep paragraphs and line breaks, drop tags."""
    if "<" not in (text or ""):
        return (text or "").strip()
    text = re.sub(r"(?i)<br\s*/?>", "\n", text)
    text = re.sub(r"(?i)</(p|div|li|h\d)>", "\n\n", text)
    text = re.sub(r"(?i)<li[^>]*>", "- ", text)
    text = re.sub(r"<[^>]+>", "", text)
    text = html.unescape(text)
    return re.sub(r"\n{3,}", "\n\n", text).strip()


def clean_tag(word: str) -> str:
    return re.sub(r"\s+", " ", TAG_RE.sub(" ", word)).strip()[:100]


def dataset_name(owner: str, remote_id: str) -> str:
    """Stable across runs (from the remote id, not the title) and prefixed by the owner
    organisation, so two communes' datasets never collide."""
    name = f"{owner}-{slugify(remote_id)}"
    if len(name) > 100:
        name = name[:91] + "-" + hashlib.sha1(remote_id.encode()).hexdigest()[:8]
    return name


def to_dataset(remote: RemoteDataset, owner: dict, portal: str, config: SourceConfig) -> Mapped:
    notes = []
    license_id, license_note = map_license(remote.license, config.default_license)
    if license_note:
        notes.append(license_note)
    themes = map_themes(remote.themes + remote.keywords, config)
    if not themes:
        themes = [config.default_theme]
        labels = ", ".join(remote.themes) or "aucun"
        notes.append(f"thème de la source non reconnu ({labels}) : « {config.default_theme} » par défaut")
    tags = []
    for word in remote.keywords:
        tag = clean_tag(word)
        if len(tag) >= 2 and tag not in tags:
            tags.append(tag)
    dataset = {
        "name": dataset_name(owner["name"], remote.slug or remote.remote_id),
        "title": (remote.title or remote.remote_id).strip()[:500],
        "notes": html_to_text(remote.notes),
        "owner_org": owner["id"],
        "theme": themes,
        "tags": [{"name": t} for t in tags],
        "license_id": license_id,
        "frequency": map_frequency(remote.frequency),
        "communes": [owner["insee_code"]] if owner.get("insee_code") else [],
        "url": remote.landing_page,
        "harvest_portal": portal,
        "harvest_landing_page": remote.landing_page,
        "temporal_start": (remote.temporal_start or "")[:10],
        "temporal_end": (remote.temporal_end or "")[:10],
        "resources": [
            {"url": r.url, "name": r.name or r.format or "Ressource", "format": r.format,
             "description": html_to_text(r.description), "conforms_to": r.conforms_to}
            for r in remote.resources if r.url
        ],
    }
    return Mapped(dataset, notes)


def content_hash(dataset: dict) -> str:
    return hashlib.sha256(json.dumps(dataset, sort_keys=True, ensure_ascii=False).encode()).hexdigest()
