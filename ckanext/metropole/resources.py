"""Where the data shipped with the bundle lives.

``schemas/`` and ``config/`` sit at the top of the repository and are installed inside
the package (``ckanext/metropole/schemas``, ``ckanext/metropole/config``, symbolic links
in a checkout), so one path works for a wheel install and an editable checkout.
"""
from __future__ import annotations

from pathlib import Path

import ckan.plugins as p
from ckan.exceptions import CkanConfigurationException
from ckan.lib.plugins import DefaultTranslation

PACKAGE_DIR = Path(__file__).resolve().parent


def schemas_dir() -> Path:
    return PACKAGE_DIR / "schemas"


def config_dir() -> Path:
    return PACKAGE_DIR / "config"


def require_in_option(config, key: str, value: str, plugin: str, needs: str) -> None:
    """Refuse to start when an option read by another plugin before ours lacks our value
    (scheming reads its schemas in its own update_config, earlier than ours)."""
    if value not in (config.get(key) or "").split():
        raise CkanConfigurationException(f"{plugin}: set {key} = {value} in the CKAN configuration "
                                         f"(and enable {needs})")


def require_plugins(plugin: str, *needed: str) -> None:
    """Refuse to start, naming what is missing, when a plugin this one builds on is not
    enabled (CKAN's CLI and server print a CkanConfigurationException as one line, no
    traceback). Called from update_config: CKAN has loaded every plugin by then."""
    missing = [name for name in needed if not p.plugin_loaded(name)]
    if missing:
        raise CkanConfigurationException(
            f"{plugin} needs the plugin{'s' if len(missing) > 1 else ''} {', '.join(missing)}: "
            f"add {' '.join(missing)} to ckan.plugins")


class Translation(DefaultTranslation):
    """ITranslation of every plugin of the bundle: one catalogue, ``ckanext/metropole/i18n``
    (DefaultTranslation would look for an ``i18n`` folder beside each plugin's module)."""

    def i18n_directory(self):
        return str(PACKAGE_DIR / "i18n")

    def i18n_domain(self):
        return "ckanext-metropole"
