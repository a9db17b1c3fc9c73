"""The consolidated dataset of a common dataset: one table for the whole territory.

Rows of every commune's *valid* file, with the commune's INSEE code and name added; rows
repeating an identifier (the schema's primary key) already taken are left out; communes with
an invalid, unvalidated or missing file are listed, never blocking the others. Published by
the métropole as CSV and GeoJSON uploaded to CKAN's file store; files are re-uploaded only
when their content changes.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import logging

import ckan.plugins.toolkit as tk
from werkzeug.datastructures import FileStorage

from ..messages import N_, content, in_portal_language
from . import catalogue, files, state, validation

log = logging.getLogger(__name__)

INSEE_COLUMN = "commune_insee"
NAME_COLUMN = "commune_nom"
# why a commune's file is left out, written into the consolidated dataset's notes
STATUS_TEXT = {
    "invalid": N_("file with errors"),
    "error": N_("unreadable file"),
    "pending": N_("validation in progress"),
    "unknown_schema": N_("unknown schema"),
}


def _coordinates(row: dict, common: catalogue.CommonDataset) -> tuple[float, float] | None:
    spec = common.coordinates
    try:
        if "geopoint" in spec:
            lon, lat = (float(x) for x in str(row.get(spec["geopoint"], "")).split(","))
        elif spec:
            lat, lon = float(row.get(spec["latitude"]) or "x"), float(row.get(spec["longitude"]) or "x")
        else:
            return None
    except ValueError:
        return None
    if -90 <= lat <= 90 and -180 <= lon <= 180:
        return lon, lat
    return None


def collect(common: catalogue.CommonDataset, communes: list[dict], entries: list[state.Entry]) -> dict:
    columns = common.field_names
    key = common.primary_key
    by_org: dict[str, list[state.Entry]] = {}
    for e in entries:
        by_org.setdefault(e.org_id, []).append(e)
    rows, seen = [], {}
    contributors, left_out, missing, duplicates = [], [], [], []
    for commune in communes:
        mine = sorted(by_org.get(commune["id"], []), key=lambda e: e.date, reverse=True)
        if not mine:
            missing.append(commune)
            continue
        for e in mine:
            if e.status != "valid":
                left_out.append((commune, e, STATUS_TEXT.get(e.status, e.status)))
                continue
            try:
                body = files.read_bytes(e.resource)
                table = validation.read_table(body, e.resource.get("format") or "", common)
            except validation.FileProblem as problem:
                left_out.append((commune, e, f"fichier illisible ({problem.code})"))
                continue
            count = 0
            for cells in table.rows:
                record = {
                    h: (cells[i].strip() if i < len(cells) else "")
                    for i, h in enumerate(table.header)
                    if h in columns and table.header.index(h) == i
                }
                row = {c: record.get(c, "") for c in columns}
                row[INSEE_COLUMN] = commune.get("insee_code") or ""
                row[NAME_COLUMN] = commune.get("title") or commune["name"]
                ident = tuple(row.get(k, "") for k in key)
                if key and all(ident):
                    if ident in seen:
                        duplicates.append((ident, seen[ident], commune))
                        continue
                    seen[ident] = commune
                rows.append(row)
                count += 1
            contributors.append((commune, e, count))
    return {
        "columns": [*columns, INSEE_COLUMN, NAME_COLUMN],
        "rows": rows,
        "contributors": contributors,
        "left_out": left_out,
        "missing": missing,
        "duplicates": duplicates,
    }


def to_csv(result: dict) -> bytes:
    out = io.StringIO(newline="")
    writer = csv.DictWriter(out, fieldnames=result["columns"], lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(result["rows"])
    return out.getvalue().encode("utf-8")


def to_geojson(result: dict, common: catalogue.CommonDataset) -> tuple[bytes, list | None]:
    features, xs, ys = [], [], []
    for row in result["rows"]:
        point = _coordinates(row, common)
        if point:
            xs.append(point[0])
            ys.append(point[1])
            features.append(
                {
                    "type": "Feature",
                    "geometry": {"type": "Point", "coordinates": list(point)},
                    "properties": row,
                }
            )
    bbox = [min(xs), min(ys), max(xs), max(ys)] if xs else None
    body = json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False)
    return body.encode("utf-8"), bbox


def describe(common: catalogue.CommonDataset, result: dict, mapped: int) -> str:
    # Stored metadata, written in the portal's language (messages.content), like every
    # dataset's notes; the msgids are English, as everywhere in the catalogue.
    lines = [
        in_portal_language(common.description),
        "",
        content(
            N_(
                "Dataset consolidated by the métropole from the communes' files that conform to the "
                "schema `{schema}` (version {version}): {rows} rows, {mapped} placed on the map.",
                schema=common.schema_id,
                version=common.version,
                rows=len(result["rows"]),
                mapped=mapped,
            )
        ),
        "",
        content(N_("**Contributing communes**")),
        "",
    ]
    for commune, e, count in result["contributors"]:
        lines.append(
            content(
                N_(
                    "- {commune} ({insee}): {count} rows — file “{file}” of {date}",
                    commune=commune.get("title"),
                    insee=commune.get("insee_code"),
                    count=count,
                    file=e.resource.get("name") or e.resource["id"],
                    date=e.date[:10],
                )
            )
        )
    if not result["contributors"]:
        lines.append(content(N_("- none yet")))
    if result["left_out"]:
        lines += ["", content(N_("**Files left out**")), ""]
        for commune, e, why in result["left_out"]:
            lines.append(
                content(
                    N_(
                        "- {commune} ({insee}): “{file}”, {why}",
                        commune=commune.get("title"),
                        insee=commune.get("insee_code"),
                        why=why,
                        file=e.resource.get("name") or e.resource["id"],
                    )
                )
            )
    if result["duplicates"]:
        count = len(result["duplicates"])
        key = ", ".join(common.primary_key)
        lines += [
            "",
            content(
                N_(
                    "**Duplicate rows left out: {count}** (same identifier {key} as a row already included)",
                    count=count,
                    key=key,
                )
            ),
            "",
        ]
        for ident, kept, dropped in result["duplicates"][:20]:
            lines.append(
                content(
                    N_(
                        "- {identifier}: kept from {kept}, left out from {dropped}",
                        identifier=" / ".join(ident),
                        kept=kept.get("title"),
                        dropped=dropped.get("title"),
                    )
                )
            )
    if result["missing"]:
        lines += [
            "",
            content(
                N_(
                    "**Communes without a file**: {communes}",
                    communes=", ".join(
                        f"{c.get('title')} ({c.get('insee_code')})" for c in result["missing"]
                    ),
                )
            ),
        ]
    return "\n".join(lines)


def _upload(dataset: dict, name: str, fmt: str, body: bytes, common) -> None:
    digest = hashlib.sha256(body).hexdigest()
    existing = next((r for r in dataset.get("resources", []) if r.get("name") == name), None)
    if existing and existing.get("hash") == digest:
        return
    data = {
        "name": name,
        "format": fmt,
        "conforms_to": common.schema_id,
        "hash": digest,
        "description": content(
            N_("{title}: all communes, {format} format.", title=in_portal_language(common.title), format=fmt)
        ),
        "upload": FileStorage(
            stream=io.BytesIO(body),
            filename=name,
            content_type={"CSV": "text/csv", "GeoJSON": "application/geo+json"}[fmt],
        ),
        "url": name,
    }
    if existing:
        tk.get_action("resource_update")(files.site_context(), {**data, "id": existing["id"]})
    else:
        tk.get_action("resource_create")(files.site_context(), {**data, "package_id": dataset["id"]})


def rebuild(common_id: str) -> dict:
    common = catalogue.by_id(common_id)
    if common is None:
        raise ValueError(str(N_("Unknown common dataset: {id}", id=common_id)))
    metro, communes = state.territory()
    if metro is None:
        log.warning("consolidation %s: no métropole organisation on the portal", common_id)
        return {"common_dataset": common_id, "rows": 0, "status": "no_metropole"}
    entries = [e for e in state.entries() if e.common_id == common_id]
    result = collect(common, communes, entries)
    csv_body = to_csv(result)
    geojson_body, bbox = to_geojson(result, common)
    mapped = len(json.loads(geojson_body)["features"])
    # the consolidated dataset is content: in the portal's language (English msgids in the config)
    fields = {
        "name": common.consolidated_name,
        "title": content(N_("{title} — all communes", title=in_portal_language(common.title))),
        "owner_org": metro["id"],
        "notes": describe(common, result, mapped),
        "theme": [common.theme],
        "license_id": "lov2",
        "communes": sorted({c.get("insee_code") for c, _, _ in result["contributors"]} - {None, ""})
        or [c.get("insee_code") for c in communes if c.get("insee_code")],
    }
    if bbox:
        west, south, east, north = bbox
        if west == east and south == north:  # one point: a tiny box keeps the map's extent valid
            west, south, east, north = west - 0.001, south - 0.001, east + 0.001, north + 0.001
        fields["spatial"] = json.dumps(
            {
                "type": "Polygon",
                "coordinates": [[[west, south], [east, south], [east, north], [west, north], [west, south]]],
            }
        )
    try:
        dataset = tk.get_action("package_show")(files.site_context(), {"id": common.consolidated_name})
        dataset = tk.get_action("package_patch")(files.site_context(), {"id": dataset["id"], **fields})
    except tk.ObjectNotFound:
        dataset = tk.get_action("package_create")(files.site_context(), fields)
    _upload(dataset, f"{common.id}.csv", "CSV", csv_body, common)
    dataset = tk.get_action("package_show")(files.site_context(), {"id": dataset["id"]})
    _upload(dataset, f"{common.id}.geojson", "GeoJSON", geojson_body, common)
    return {
        "common_dataset": common_id,
        "dataset": common.consolidated_name,
        "rows": len(result["rows"]),
        "mapped": mapped,
        "contributors": [c.get("insee_code") for c, _, _ in result["contributors"]],
        "left_out": [c.get("insee_code") for c, _, _ in result["left_out"]],
        "missing": [c.get("insee_code") for c in result["missing"]],
        "duplicates": len(result["duplicates"]),
    }
