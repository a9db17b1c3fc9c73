"""Who published what: the territory's communes and their files for each common dataset.

Read through CKAN actions only (organization_list, package_search): one search lists every
dataset declaring a schema (``conforms_to`` is a Solr field of the dataset schema), then each
resource is matched to a common dataset here, whatever form its conforms_to takes.
"""

from __future__ import annotations

from dataclasses import dataclass

import ckan.plugins.toolkit as tk

from ..messages import translate
from . import catalogue, files, report

PAGE = 25  # organization_list with all_fields is capped (ckan.group_and_organization_list_all_fields_max)
STATUS_ORDER = ("valid", "invalid", "error", "unknown_schema", "pending")


@dataclass
class Entry:
    common_id: str
    org_id: str
    package: dict
    resource: dict
    status: str

    @property
    def date(self) -> str:
        r = self.resource
        return (
            r.get("last_modified")
            or r.get("metadata_modified")
            or r.get("created")
            or self.package.get("metadata_modified")
            or ""
        )[:19]


def organizations() -> list[dict]:
    found, offset = [], 0
    while True:
        page = tk.get_action("organization_list")(
            files.site_context(),
            {"all_fields": True, "include_extras": True, "limit": PAGE, "offset": offset},
        )
        found.extend(page)
        if len(page) < PAGE:
            return found
        offset += PAGE


def territory() -> tuple[dict | None, list[dict]]:
    """The métropole organisation (the first by name when a portal has several) and its communes."""
    orgs = organizations()
    metros = sorted((o for o in orgs if o.get("kind") == "metropole"), key=lambda o: o["name"])
    metro = metros[0] if metros else None
    communes = [
        o
        for o in orgs
        if o.get("kind") == "commune" and (metro is None or o.get("member_of") == metro["name"])
    ]
    return metro, sorted(communes, key=lambda o: o.get("title") or o["name"])


def resource_status(resource: dict) -> str:
    if resource.get("validation_source") == files.fingerprint(resource) and resource.get("validation_status"):
        return resource["validation_status"]
    return "pending"


def entries() -> list[Entry]:
    """Every resource of the portal that names a common dataset's schema (consolidations aside)."""
    result, start = [], 0
    while True:
        page = tk.get_action("package_search")(
            files.site_context(),
            {
                "fq": "conforms_to:[* TO *]",
                "rows": 500,
                "start": start,
                "sort": "name asc",
                "include_private": False,
            },
        )
        for package in page["results"]:
            if files.is_consolidated(package) or not package.get("owner_org"):
                continue
            for resource in package.get("resources", []):
                common = catalogue.resolve(resource.get("conforms_to") or "")
                if common:
                    result.append(
                        Entry(common.id, package["owner_org"], package, resource, resource_status(resource))
                    )
        start += len(page["results"])
        if not page["results"] or start >= page["count"]:
            return result


def best_status(statuses) -> str:
    statuses = set(statuses)
    if not statuses:
        return "missing"
    if "valid" in statuses:
        return "valid"
    if statuses & {"invalid", "error", "unknown_schema"}:
        return "invalid"
    return "pending"


def matrix() -> dict:
    """Communes × common datasets, with counts: what /jeux-communs and the API show."""
    metro, communes = territory()
    all_entries = entries()
    by_cell: dict[tuple[str, str], list[Entry]] = {}
    for e in all_entries:
        by_cell.setdefault((e.org_id, e.common_id), []).append(e)
    commons = catalogue.common_datasets()
    built = {
        p["name"]
        for p in tk.get_action("package_search")(
            files.site_context(), {"fq": f"name:{files.CONSOLIDATED_PREFIX}*", "rows": 1000, "fl": "name"}
        )["results"]
    }
    zero = {"valid": 0, "invalid": 0, "pending": 0, "missing": 0}
    dataset_counts = {c.id: dict(zero) for c in commons}
    rows = []
    for commune in communes:
        cells, counts = {}, dict(zero)
        for c in commons:
            cell_entries = by_cell.get((commune["id"], c.id), [])
            status = best_status(e.status for e in cell_entries)
            counts[status] += 1
            dataset_counts[c.id][status] += 1
            cells[c.id] = {
                "status": status,
                "status_label": report.status_label(status),
                "resources": [
                    {
                        "id": e.resource["id"],
                        "dataset": e.package["name"],
                        "name": e.resource.get("name") or "",
                        "status": e.status,
                        "date": e.date,
                    }
                    for e in cell_entries
                ],
            }
        rows.append(
            {
                "name": commune["name"],
                "title": commune.get("title") or commune["name"],
                "insee_code": commune.get("insee_code") or "",
                "counts": counts,
                "cells": cells,
            }
        )
    return {
        "metropole": {"name": metro["name"], "title": metro.get("title")} if metro else None,
        # config/common_datasets.yaml's titles and descriptions are English msgids
        "common_datasets": [
            {
                "id": c.id,
                "title": translate(c.title),
                "description": translate(c.description),
                "theme": c.theme,
                "schema": c.schema_id,
                "schema_version": c.version,
                "consolidated_dataset": c.consolidated_name if c.consolidated_name in built else None,
                "counts": dataset_counts[c.id],
            }
            for c in commons
        ],
        "communes": rows,
        "totals": {k: sum(r["counts"][k] for r in rows) for k in zero},
    }
