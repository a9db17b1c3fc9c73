"""data.gouv.fr's licence list (config/datagouv/licenses.json, vendored: see its SOURCES.md)
as keys the harvester matches a source's licence against: every title and alternate title,
every URL and alternate URL, each naming the portal's licence its data.gouv.fr id maps to
(harvest_mapping.yaml, ``datagouv_licenses``; an id mapped to nothing, a licence that is not
open, is left unmatched: the source's default then applies, with a warning)."""

from __future__ import annotations

import json

from ..resources import config_dir

LIST = config_dir() / "datagouv" / "licenses.json"


def national_list() -> list[dict]:
    with open(LIST, encoding="utf-8") as f:
        return json.load(f)


def national_keys(portal_ids: dict) -> tuple[dict[str, str], dict[str, str]]:
    """(titles, urls): each title or URL of the national list -> the portal's licence id."""
    titles, urls = {}, {}
    for licence in national_list():
        target = portal_ids.get(licence["id"])
        if not target:
            continue
        for title in [licence["id"], licence.get("title"), *(licence.get("alternate_titles") or [])]:
            if title:
                titles.setdefault(title, target)
        for url in [licence.get("url"), *(licence.get("alternate_urls") or [])]:
            if url:
                urls.setdefault(url, target)
    return titles, urls
