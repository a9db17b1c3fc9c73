#!/usr/bin/env python3
"""Refresh data.gouv.fr's licence list vendored with the bundle (the harvester matches sources'
licences against it, without network access at run time).

    python scripts/refresh_datagouv_licenses.py                 # from data.gouv.fr's API
    python scripts/refresh_datagouv_licenses.py --source FILE   # from a saved answer of it

Writes ckanext/metropole/config/datagouv/licenses.json: the API's entries, their fields as
published (udata's License: id, title, url, alternate_titles, alternate_urls, flags,
maintainer), sorted by id, and the date in SOURCES.md. Not run by the tests: it needs the network.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import re
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET = ROOT / "ckanext" / "metropole" / "config" / "datagouv"
API = "https://www.data.gouv.fr/api/1/datasets/licenses/"
FIELDS = ("id", "title", "url", "alternate_titles", "alternate_urls", "flags", "maintainer")


def read(source: str) -> list[dict]:
    if source.startswith(("http://", "https://")):
        request = urllib.request.Request(source, headers={"Accept": "application/json"})
        with urllib.request.urlopen(request, timeout=60) as response:
            return json.load(response)
    return json.loads(Path(source).read_text(encoding="utf-8"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", default=API, help="the API's URL, or a saved answer (JSON file)")
    args = parser.parse_args()
    answer = read(args.source)
    if not isinstance(answer, list) or not all(isinstance(e, dict) and e.get("id") for e in answer):
        raise SystemExit(f"{args.source}: not a list of licences")
    licences = sorted(({k: entry.get(k) for k in FIELDS} for entry in answer), key=lambda e: e["id"])
    path = TARGET / "licenses.json"
    path.write_text(json.dumps(licences, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    sources = TARGET / "SOURCES.md"
    row = f"| {args.source} (the API's answer, unchanged but for the order) | {dt.date.today()} |"
    text = re.sub(
        r"^\| (?!origin|---).*$",
        row + " data.gouv.fr's published API content |",
        sources.read_text(encoding="utf-8"),
        count=1,
        flags=re.M,
    )
    sources.write_text(text, encoding="utf-8")
    print(f"{len(licences)} licences written to {path.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
