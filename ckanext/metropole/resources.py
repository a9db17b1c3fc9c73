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


def require_in_option(config, key: str, value: str, plugin: str, needs: str | None = None) -> None:
    """Refuse to start when an option read by another plugin before ours lacks our value
    (scheming reads its schemas in its own update_config, earlier than ours)."""
    if value not in p.toolkit.aslist(config.get(key)):
        also = f" (and enable {needs})" if needs else ""
        raise CkanConfigurationException(f"{plugin}: set {key} = {value} in the CKAN configuration{also}")


def require_plugins(plugin) -> None:
    """Refuse to start, naming what is missing, when a plugin ``plugin.required_plugins``
    names is not enabled (CKAN's CLI and server print a CkanConfigurationException as one
    line, no traceback). Called from update_config: CKAN has loaded every plugin by then."""
    missing = [name for name in plugin.required_plugins if not p.plugin_loaded(name)]
    if missing:
        raise CkanConfigurationException(
            f"{plugin.name} needs the plugin{'s' if len(missing) > 1 else ''} {', '.join(missing)}: "
            f"add {' '.join(missing)} to ckan.plugins"
        )


def only_loaded(functions: dict, owners: dict[str, str]) -> dict:
    """``functions`` (actions, auth functions, helpers) without those chaining a function of
    a plugin that is not loaded: ``owners`` maps a name prefix to the plugin defining those
    names. CKAN refuses to start on a chain whose base is absent ("not found for chained
    action"); a plugin that only hardens another's functions does not need it."""

    def base_loaded(name: str) -> bool:
        owner = next((plugin for prefix, plugin in owners.items() if name.startswith(prefix)), None)
        return owner is None or p.plugin_loaded(owner)

    return {name: f for name, f in functions.items() if base_loaded(name)}


class Translation(DefaultTranslation):
    """ITranslation of every plugin of the bundle: one catalogue, ``ckanext/metropole/i18n``
    (DefaultTranslation would look for an ``i18n`` folder beside each plugin's module)."""

    def i18n_directory(self):
        return str(PACKAGE_DIR / "i18n")

    def i18n_domain(self):
        return "ckanext-metropole"
