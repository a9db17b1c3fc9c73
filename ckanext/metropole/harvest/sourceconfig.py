"""The configuration of an ``intercommunal`` harvest source (JSON), validated with messages
in the reader's language (shown on the source form, or stored as a gather error)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from ..dataset import vocabularies as v
from ..messages import N_

PROTOCOLS = ("auto", "opendatasoft", "ckan", "udata", "dcat", "csw")
KEYS = {
    "protocol",
    "publisher",
    "remote_organization",
    "theme_mapping",
    "default_license",
    "default_theme",
    "max_withdrawal_ratio",
    "review",
}
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
    """Raise ValueError with a message (``N_``) naming the key at fault."""
    if not text or not text.strip():
        return SourceConfig()
    try:
        raw = json.loads(text)
    except ValueError as e:
        raise ValueError(
            N_(
                "The configuration is not valid JSON ({error}, line {line}, column {column}).",
                error=e.msg,
                line=e.lineno,
                column=e.colno,
            )
        ) from None
    if not isinstance(raw, dict):
        raise ValueError(
            N_(
                "The configuration must be a JSON object, for example {example}.",
                example='{"protocol": "ckan"}',
            )
        )
    raw = _renamed(raw)
    unknown = sorted(set(raw) - KEYS)
    if unknown:
        raise ValueError(
            N_(
                "Unknown key: {keys}. Possible keys: {possible}.",
                keys=", ".join(unknown),
                possible=", ".join(sorted(KEYS)),
            )
        )
    config = SourceConfig()
    if "protocol" in raw:
        if raw["protocol"] not in PROTOCOLS:
            raise ValueError(
                N_(
                    "protocol: “{value}” unknown; possible: {possible}.",
                    value=str(raw["protocol"]),
                    possible=", ".join(PROTOCOLS),
                )
            )
        config.protocol = raw["protocol"]
    for key in ("publisher", "remote_organization"):
        if key in raw:
            if not isinstance(raw[key], str) or not raw[key].strip():
                raise ValueError(N_("{key}: a non-empty text is expected.", key=key))
            setattr(config, key, raw[key].strip())
    if "theme_mapping" in raw:
        mapping = raw["theme_mapping"]
        if not isinstance(mapping, dict):
            raise ValueError(N_('theme_mapping: an object {{"source label": "theme"}} is expected.'))
        for label, theme in mapping.items():
            if theme not in v.theme_labels():
                raise ValueError(
                    N_(
                        "theme_mapping: “{theme}” (for “{label}”) is not a theme; possible themes: "
                        "{possible}.",
                        theme=str(theme),
                        label=label,
                        possible=", ".join(v.theme_labels()),
                    )
                )
        config.theme_mapping = {v.fold(k): t for k, t in mapping.items()}
    if "default_license" in raw:
        if raw["default_license"] not in v.license_ids():
            raise ValueError(
                N_(
                    "default_license: “{value}” is not a licence of the portal; possible: {possible}.",
                    value=str(raw["default_license"]),
                    possible=", ".join(v.license_ids()),
                )
            )
        config.default_license = raw["default_license"]
    if "default_theme" in raw:
        if raw["default_theme"] not in v.theme_labels():
            raise ValueError(N_("default_theme: “{value}” is not a theme.", value=str(raw["default_theme"])))
        config.default_theme = raw["default_theme"]
    if "max_withdrawal_ratio" in raw:
        ratio = raw["max_withdrawal_ratio"]
        if isinstance(ratio, bool) or not isinstance(ratio, (int, float)) or not 0 <= ratio <= 1:
            raise ValueError(N_("max_withdrawal_ratio: a number between 0 and 1 is expected (e.g. 0.5)."))
        config.max_withdrawal_ratio = float(ratio)
    if "review" in raw:
        if not isinstance(raw["review"], bool):
            raise ValueError(N_("review: true or false is expected."))
        config.review = raw["review"]
    return config


def _renamed(raw: dict) -> dict:
    return {
        RENAMED.get(key, key) if RENAMED.get(key, key) not in raw else key: value
        for key, value in raw.items()
    }


def normalise(text: str | None) -> str | None:
    """The text to store: former key names replaced by the current ones (validated first)."""
    parse(text)
    if not text or not text.strip():
        return text
    raw = json.loads(text)
    if not (set(raw) & set(RENAMED)):
        return text
    return json.dumps(_renamed(raw), ensure_ascii=False)
