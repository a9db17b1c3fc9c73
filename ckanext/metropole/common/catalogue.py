"""The common datasets (config/common_datasets.yaml) and the table schemas shipped for them."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from functools import cache, lru_cache
from pathlib import Path

import yaml

from ..resources import config_dir

SCHEMAS_DIR = Path(__file__).resolve().parent / "table_schemas"

# How a resource may name a schema: its id, a schema.data.gouv.fr URL (schema or documentation
# page, any version), a GitHub/GitLab URL of the schema's repository, or this portal's URL.
_URL_PATTERNS = (
    re.compile(r"^https?://schema\.data\.gouv\.fr/(?:schemas/)?(?P<id>[\w.-]+/[\w.-]+?)(?:/|\.html|$)", re.I),
    re.compile(r"^https?://(?:raw\.)?git(?:hub|lab)\.com/(?P<id>[\w.-]+/[\w.-]+?)(?:\.git)?(?:/|$)", re.I),
    re.compile(r"/jeux-communs/schemas/(?P<id>[\w.-]+/[\w.-]+)/schema\.json$", re.I),
)


@dataclass(frozen=True)
class CommonDataset:
    id: str
    title: str
    description: str
    theme: str
    schema_id: str
    key: tuple = ()
    coordinates: dict = field(default_factory=dict, hash=False, compare=False)

    @property
    def schema(self) -> dict:
        return schema_descriptor(self.schema_id)

    @property
    def source(self) -> dict:
        return sources().get(self.schema_id, {})

    @property
    def version(self) -> str:
        return self.source.get("version") or str(self.schema.get("version") or "")

    @property
    def primary_key(self) -> list[str]:
        """The schema's primaryKey, else the key set in the configuration."""
        pk = self.schema.get("primaryKey") or list(self.key)
        return [pk] if isinstance(pk, str) else list(pk)

    @property
    def field_names(self) -> list[str]:
        return [f["name"] for f in self.schema.get("fields", [])]

    @property
    def consolidated_name(self) -> str:
        return f"jeu-commun-{self.id}"


@cache
def schema_descriptor(schema_id: str) -> dict:
    path = SCHEMAS_DIR / schema_id / "schema.json"
    with open(path, encoding="utf-8") as f:
        return json.load(f)


@lru_cache(maxsize=1)
def sources() -> dict:
    with open(SCHEMAS_DIR / "SOURCES.json", encoding="utf-8") as f:
        return json.load(f)


@lru_cache(maxsize=1)
def common_datasets() -> tuple[CommonDataset, ...]:
    with open(config_dir() / "common_datasets.yaml", encoding="utf-8") as f:
        entries = yaml.safe_load(f)
    result = []
    for e in entries:
        common = CommonDataset(
            id=e["id"],
            title=e["title"],
            description=e["description"].strip(),
            theme=e["theme"],
            schema_id=e["schema"],
            key=tuple(e.get("key") or ()),
            coordinates=dict(e.get("coordinates") or {}),
        )
        schema_descriptor(common.schema_id)  # a missing schema file fails at start-up, not in a job
        result.append(common)
    return tuple(result)


def by_id(common_id: str) -> CommonDataset | None:
    return next((c for c in common_datasets() if c.id == common_id), None)


def schema_id_of(value: str) -> str | None:
    """The schema id a conforms_to value names (not necessarily one we ship), or None."""
    value = (value or "").strip()
    if not value:
        return None
    for pattern in _URL_PATTERNS:
        match = pattern.search(value)
        if match:
            return match.group("id")
    if re.match(r"^[\w.-]+/[\w.-]+$", value):
        return value
    return None


def resolve(conforms_to: str) -> CommonDataset | None:
    """The common dataset whose schema a resource's conforms_to names, or None."""
    sid = schema_id_of(conforms_to)
    if not sid:
        return None
    sid = sid.lower()
    return next((c for c in common_datasets() if c.schema_id.lower() == sid), None)
