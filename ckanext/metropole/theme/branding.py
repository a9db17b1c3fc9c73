"""The portal's identity from configuration, checked at start-up (WCAG 2.1 AA contrast)."""

from __future__ import annotations

import os
import re

import ckan.plugins.toolkit as tk
from ckan.lib.navl.dictization_functions import Invalid

from ..messages import N_
from . import accessibility

COLOR_RE = re.compile(r"^#[0-9a-fA-F]{6}$")
MIN_CONTRAST = 4.5
WHITE = "#FFFFFF"


def _luminance(color: str) -> float:
    def channel(hex2: str) -> float:
        c = int(hex2, 16) / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(color[i : i + 2]) for i in (1, 3, 5))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: str, b: str) -> float:
    la, lb = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def _public_dirs(config) -> list[str]:
    paths = config.get("extra_public_paths") or []
    if isinstance(paths, str):
        paths = paths.split(",")
    return [d.strip() for d in paths if d and d.strip()]


def wcag_color(value, context=None):
    """A colour on which white text reaches WCAG 2.1 AA: the validator of the colour options
    (``validators: metropole_wcag_color`` in config_declaration.yaml, registered by the theme
    plugin's IValidators). CKAN builds its validator registry after loading every enabled
    plugin and before validating the declarations (ckan/config/environment.py update_config),
    so a plugin's validator resolves there; a bad value stops start-up with CKAN's
    "Invalid configuration values provided: <key>: <message>". Start-up has no request: the
    messages are in the portal's language (ckan.locale_default), read from our catalogue."""
    value = (value or "").strip()
    if not COLOR_RE.match(value):
        raise Invalid(str(N_("“{value}” is not a colour in the #RRGGBB format (e.g. #1F4E79).", value=value)))
    ratio = contrast(value, WHITE)
    if ratio < MIN_CONTRAST:
        raise Invalid(
            str(
                N_(
                    "{value} contrasts at {ratio:.2f}:1 with white, less than the 4.5:1 required (RGAA, "
                    "WCAG 2.1 AA). Choose a darker colour.",
                    value=value,
                    ratio=ratio,
                )
            )
        )
    return value


def check(config) -> None:
    """Raise RuntimeError naming the configuration key at fault: what a declaration's
    validator cannot see (files of the public directories, CKAN's locales)."""
    logo = (config.get("ckanext.metropole.logo") or "").strip()
    if logo and not logo.startswith(("http://", "https://")):
        here = os.path.dirname(os.path.abspath(__file__))
        candidates = [os.path.join(here, "public", logo.lstrip("/"))] + [
            os.path.join(d, logo.lstrip("/")) for d in _public_dirs(config)
        ]
        if not any(os.path.isfile(c) for c in candidates):
            raise RuntimeError(
                str(
                    N_(
                        "ckanext.metropole.logo: the file “{logo}” is not in CKAN's public folders.",
                        logo=logo,
                    )
                )
            )
    locale = config.get("ckan.locale_default") or "fr"
    offered = config.get("ckan.locales_offered") or []
    if isinstance(offered, str):
        offered = offered.split()
    from ckan.lib.i18n import get_locales

    if locale not in get_locales() or (offered and locale not in offered):
        if not offered:
            raise RuntimeError(str(N_("ckan.locale_default: language “{locale}” unknown.", locale=locale)))
        raise RuntimeError(
            str(
                N_(
                    "ckan.locale_default: language “{locale}” unknown or missing from "
                    "ckan.locales_offered ({offered}).",
                    locale=locale,
                    offered=" ".join(offered),
                )
            )
        )


def identity() -> dict:
    config = tk.config
    return {
        "name": config.get("ckanext.metropole.name"),
        "logo": config.get("ckanext.metropole.logo"),
        "primary": config.get("ckanext.metropole.primary_color"),
        "secondary": config.get("ckanext.metropole.secondary_color"),
        "links": [
            (label, url)
            for label, url in (
                (tk._("Legal notice"), config.get("ckanext.metropole.legal_notice_url")),
                # the declaration's own state, to /accessibilite unless the option names a page
                accessibility.footer_link(),
                (tk._("Contact"), config.get("ckanext.metropole.contact_url")),
            )
            if url
        ],
    }
