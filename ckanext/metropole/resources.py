"""Where the data shipped with the bundle lives.

``schemas/`` and ``config/`` sit at the top of the repository and are installed inside
the package (``ckanext/metropole/schemas``, ``ckanext/metropole/config``, symbolic links
in a checkout), so one path works for a wheel install and an editable checkout.
"""
from __future__ import annotations

from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent


def schemas_dir() -> Path:
    return PACKAGE_DIR / "schemas"


def config_dir() -> Path:
    return PACKAGE_DIR / "config"


def require_in_option(config, key: str, value: str, plugin: str, needs: str) -> None:
    """Refuse to start when an option read by another plugin before ours lacks our value
    (scheming reads its schemas in its own update_config, earlier than ours)."""
    if value not in (config.get(key) or "").split():
        raise RuntimeError(f"{plugin}: set {key} = {value} in the CKAN configuration (and enable {needs})")
