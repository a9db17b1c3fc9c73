"""The configuration of an ``intercommunal`` harvest source (JSON), validated in French."""
from __future__ import annotations

import json
from dataclasses import dataclass, field

from ..dataset import vocabularies as v

PROTOCOLS = ("auto", "opendatasoft", "ckan", "udata", "dcat", "csw")
KEYS = {"protocol", "publisher", "remote_organization", "theme_mapping", "default_license", "default_theme",
        "max_withdrawal_ratio", "review"}
# Former names still read. ckanext-harvest copies every key of the configuration onto the
# source's dataset dict when showing it: "organization" replaced the owner organisation's dict
# and /harvest and the source pages answered 500. No key may be named like a dataset field.
RENAMED = {"organization": "remote_organization"}


@dataclass
class SourceConfig:
    protocol: str = "auto"
    publisher: str | None = None
    remote_organization: str | None = None  # the organisation on the remote portal (CKAN, udata)
    theme_mapping: dict[str, str] = field(default_factory=dict)
    default_license: str = "notspecified"
    default_theme: str = "administration"
    max_withdrawal_ratio: float = 0.5
    review: bool = False  # imported datasets wait for the métropole's review (metropole_review)


def parse(text: str | None) -> SourceConfig:
    """Raise ValueError with a French message naming the key at fault."""
    if not text or not text.strip():
        return SourceConfig()
    try:
        raw = json.loads(text)
    except ValueError as e:
        raise ValueError(f"La configuration n'est pas du JSON valide ({e.msg}, ligne {e.lineno}, "
                         f"colonne {e.colno}).")
    if not isinstance(raw, dict):
        raise ValueError("La configuration doit être un objet JSON, par exemple {\"protocol\": \"ckan\"}.")
    raw = _renamed(raw)
    unknown = sorted(set(raw) - KEYS)
    if unknown:
        raise ValueError(f"Clé inconnue : {', '.join(unknown)}. Clés possibles : {', '.join(sorted(KEYS))}.")
    config = SourceConfig()
    if "protocol" in raw:
        if raw["protocol"] not in PROTOCOLS:
            raise ValueError(f"protocol : « {raw['protocol']} » inconnu ; possibles : {', '.join(PROTOCOLS)}.")
        config.protocol = raw["protocol"]
    for key in ("publisher", "remote_organization"):
        if key in raw:
            if not isinstance(raw[key], str) or not raw[key].strip():
                raise ValueError(f"{key} : un texte non vide est attendu.")
            setattr(config, key, raw[key].strip())
    if "theme_mapping" in raw:
        mapping = raw["theme_mapping"]
        if not isinstance(mapping, dict):
            raise ValueError("theme_mapping : un objet {\"libellé de la source\": \"thème\"} est attendu.")
        for label, theme in mapping.items():
            if theme not in v.theme_labels():
                raise ValueError(f"theme_mapping : « {theme} » (pour « {label} ») n'est pas un thème ; "
                                 f"thèmes possibles : {', '.join(v.theme_labels())}.")
        config.theme_mapping = {v.fold(k): t for k, t in mapping.items()}
    if "default_license" in raw:
        if raw["default_license"] not in v.license_ids():
            raise ValueError(f"default_license : « {raw['default_license']} » n'est pas une licence du portail ; "
                             f"possibles : {', '.join(v.license_ids())}.")
        config.default_license = raw["default_license"]
    if "default_theme" in raw:
        if raw["default_theme"] not in v.theme_labels():
            raise ValueError(f"default_theme : « {raw['default_theme']} » n'est pas un thème.")
        config.default_theme = raw["default_theme"]
    if "max_withdrawal_ratio" in raw:
        ratio = raw["max_withdrawal_ratio"]
        if isinstance(ratio, bool) or not isinstance(ratio, (int, float)) or not 0 <= ratio <= 1:
            raise ValueError("max_withdrawal_ratio : un nombre entre 0 et 1 est attendu (ex. 0.5).")
        config.max_withdrawal_ratio = float(ratio)
    if "review" in raw:
        if not isinstance(raw["review"], bool):
            raise ValueError("review : true ou false est attendu.")
        config.review = raw["review"]
    return config


def _renamed(raw: dict) -> dict:
    return {RENAMED.get(key, key) if RENAMED.get(key, key) not in raw else key: value
            for key, value in raw.items()}


def normalise(text: str | None) -> str | None:
    """The text to store: former key names replaced by the current ones (validated first)."""
    parse(text)
    if not text or not text.strip():
        return text
    raw = json.loads(text)
    if not (set(raw) & set(RENAMED)):
        return text
    return json.dumps(_renamed(raw), ensure_ascii=False)
