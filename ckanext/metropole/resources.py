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
