"""/accessibilite: the accessibility declaration in the RGAA model (loi 2005-102 art. 47),
built from config/accessibility.yaml (the manual audit's items and the automatic checks)."""

from __future__ import annotations

from functools import lru_cache

import ckan.plugins.toolkit as tk
import yaml
from flask import Blueprint

from ..resources import config_dir

blueprint = Blueprint("metropole_accessibility", __name__)

# RGAA: "totalement conforme" at 100 % of the criteria, "partiellement" from 50 %, "non
# conforme" below, and without a complete audit
FULL, PARTIAL = 100, 50


@lru_cache(maxsize=1)
def _data() -> dict:
    with open(config_dir() / "accessibility.yaml", encoding="utf-8") as f:
        return yaml.safe_load(f)


def declaration() -> dict:
    data = _data()
    audit = data["audit"]
    counts = {s: sum(1 for c in audit["criteria"] if c["status"] == s) for s in ("C", "NC", "NA")}
    assessed = counts["C"] + counts["NC"]
    rate = round(100 * counts["C"] / assessed) if assessed else 0
    if not audit.get("complete"):
        status = "non"
    else:
        status = "full" if rate >= FULL else "partial" if rate >= PARTIAL else "non"
    return {**data, "counts": counts, "rate": rate, "status": status}


def status_label(status: str) -> str:
    return {
        "full": tk._("fully compliant"),
        "partial": tk._("partially compliant"),
        "non": tk._("not compliant"),
    }[status]


def footer_link() -> tuple[str, str]:
    """The footer's link: the declaration's state, to ckanext.metropole.accessibility_url or
    to /accessibilite."""
    label = tk._("Accessibility: %(status)s") % {"status": status_label(declaration()["status"])}
    url = tk.config.get("ckanext.metropole.accessibility_url") or tk.url_for("metropole_accessibility.index")
    return label, url


@blueprint.route("/accessibilite")
def index():
    found = declaration()
    return tk.render(
        "accessibility/index.html",
        {
            "declaration": found,
            "status_label": status_label(found["status"]),
            "contact_url": tk.config.get("ckanext.metropole.contact_url"),
            "site_url": tk.config.get("ckan.site_url"),
        },
    )
