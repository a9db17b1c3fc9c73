#!/usr/bin/env python3
"""Regenerate ckanext/metropole/data/territories.json.gz from @etalab/decoupage-administratif.

    python scripts/build_reference_data.py [--version 6.0.0] [--source DIR]

Without --source, the npm package is fetched with `npm pack` (npm registry). The output
keeps only what the portal uses, in a compact form (see the "format" key of the file).
Data: Etalab, @etalab/decoupage-administratif, Licence Ouverte 2.0 (see ATTRIBUTION.md).
"""

from __future__ import annotations

import argparse
import gzip
import json
import subprocess
import tarfile
import tempfile
from pathlib import Path

OUT = Path(__file__).resolve().parent.parent / "ckanext" / "metropole" / "data" / "territories.json.gz"
PACKAGE = "@etalab/decoupage-administratif"


def fetch(version: str, workdir: Path) -> Path:
    subprocess.run(
        ["npm", "pack", f"{PACKAGE}@{version}", "--silent"], cwd=workdir, check=True, capture_output=True
    )
    (tgz,) = workdir.glob("*.tgz")
    with tarfile.open(tgz) as tar:
        tar.extractall(workdir, filter="data")
    return workdir / "package"


def build(source: Path, version: str) -> dict:
    communes = json.loads((source / "data" / "communes.json").read_text(encoding="utf-8"))
    epcis = json.loads((source / "data" / "epci.json").read_text(encoding="utf-8"))
    current = sorted((c for c in communes if c["type"] == "commune-actuelle"), key=lambda c: c["code"])
    # Former communes (merged into a "commune nouvelle", or associated): code -> current code
    former = {
        c["code"]: c["chefLieu"]
        for c in communes
        if c["type"] in ("commune-deleguee", "commune-associee")
        and c.get("chefLieu")
        and c["code"] != c["chefLieu"]
    }
    return {
        "source": f"{PACKAGE}@{version}",
        "licence": "Licence Ouverte 2.0 (Etalab)",
        "format": {
            "communes": ["insee", "name", "siren", "population", "postal_codes", "departement", "region"],
            "epci": ["siren", "name", "type", "population", "members"],
            "former": "former INSEE code -> INSEE code of the commune it belongs to now",
        },
        "communes": [
            [
                c["code"],
                c["nom"],
                c.get("siren"),
                c.get("population"),
                c.get("codesPostaux", []),
                c.get("departement"),
                c.get("region"),
            ]
            for c in current
        ],
        "epci": [
            [e["code"], e["nom"], e["type"], e.get("populationTotale"), [m["code"] for m in e["membres"]]]
            for e in sorted(epcis, key=lambda e: e["code"])
        ],
        "former": dict(sorted(former.items())),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--version", default="6.0.0")
    parser.add_argument("--source", type=Path, help="an unpacked npm package folder")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        source = args.source or fetch(args.version, Path(tmp))
        data = build(source, args.version)
    payload = json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    # mtime=0: the same input gives byte-identical output
    OUT.write_bytes(gzip.compress(payload, mtime=0))
    print(
        f"{OUT}: {len(data['communes'])} communes, {len(data['epci'])} EPCI, "
        f"{len(data['former'])} former communes ({OUT.stat().st_size // 1024} KiB)"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
