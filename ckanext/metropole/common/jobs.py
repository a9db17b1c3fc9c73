"""Background jobs (CKAN jobs on Redis): validate a commune's file, rebuild a consolidation.

A resource keeps its report in three fields: ``validation_status``, ``validation_report``
(JSON) and ``validation_source``, the fingerprint of what was validated (address, file date,
size, format, schema). A write that changes none of them (our own report write included)
enqueues nothing, so storing a report cannot loop.
"""

from __future__ import annotations

import json
import logging

import ckan.plugins.toolkit as tk

from . import catalogue, consolidation, validation
from .files import fingerprint, is_consolidated, read_bytes, site_context

log = logging.getLogger(__name__)

REPORT_FIELDS = ("validation_status", "validation_report", "validation_source")


def concerns(resource: dict) -> bool:
    """Whether a resource names a schema (ours to validate, or unknown to report)."""
    value = (resource.get("conforms_to") or "").strip()
    if not value:
        return False
    if catalogue.resolve(value):
        return True
    from ..dataset.vocabularies import table_schemas

    # National schemas that are not common datasets are declared, not validated here.
    return value not in table_schemas()


def needs_validation(resource: dict) -> bool:
    return concerns(resource) and resource.get("validation_source") != fingerprint(resource)


def enqueue_package_validation(package_id: str) -> None:
    tk.enqueue_job(
        validate_package,
        [package_id],
        title=f"metropole: validation {package_id}",
        rq_kwargs={"timeout": 1800},
    )


def enqueue_forget(package_id: str) -> None:
    tk.enqueue_job(
        forget_package, [package_id], title=f"metropole: retrait {package_id}", rq_kwargs={"timeout": 600}
    )


def forget_package(package_id: str) -> list[str]:
    """Rebuild the consolidations a deleted dataset contributed to."""
    try:
        package = tk.get_action("package_show")(site_context(), {"id": package_id})
    except tk.ObjectNotFound:
        return []
    if is_consolidated(package):
        return []
    commons = sorted(
        {
            c.id
            for c in (catalogue.resolve(r.get("conforms_to") or "") for r in package.get("resources", []))
            if c
        }
    )
    for common_id in commons:
        enqueue_consolidation(common_id)
    return commons


def enqueue_validation(resource_id: str) -> None:
    tk.enqueue_job(
        validate_resource,
        [resource_id],
        title=f"metropole: validation {resource_id}",
        rq_kwargs={"timeout": 900},
    )


def enqueue_consolidation(common_id: str) -> None:
    tk.enqueue_job(
        consolidate, [common_id], title=f"metropole: consolidation {common_id}", rq_kwargs={"timeout": 1800}
    )


# ------------------------------------------------------------------ jobs


def run_validation(resource: dict) -> dict:
    """The report of one resource (never raises for a bad file)."""
    common = catalogue.resolve(resource.get("conforms_to") or "")
    if common is None:
        report = validation.problem_report(None, "unknown_schema", schema=resource.get("conforms_to") or "")
        report["status"] = "unknown_schema"
        return report
    try:
        return validation.validate(read_bytes(resource), resource.get("format") or "", common)
    except validation.FileProblem as problem:
        return validation.problem_report(common, problem.code, **problem.params)
    except Exception:  # a bug of ours or of a library must not lose the report nor kill the worker
        log.exception("validation of resource %s", resource.get("id"))
        return validation.problem_report(common, "internal")


def validate_package(package_id: str) -> list[dict]:
    """Validate the files of a dataset that changed since their last report."""
    try:
        package = tk.get_action("package_show")(site_context(), {"id": package_id})
    except tk.ObjectNotFound:
        return []
    reports = [
        validate_resource(r["id"], consolidate=False)
        for r in package.get("resources", [])
        if needs_validation(r)
    ]
    # One rebuild per common dataset touched, after all the files of the dataset are checked.
    for common_id in sorted({r["common_dataset"] for r in reports if r and r.get("common_dataset")}):
        enqueue_consolidation(common_id)
    return reports


def validate_resource(resource_id: str, consolidate: bool = True) -> dict | None:
    try:
        resource = tk.get_action("resource_show")(site_context(), {"id": resource_id})
    except tk.ObjectNotFound:
        return None
    if not concerns(resource):
        return None
    report = run_validation(resource)
    tk.get_action("resource_patch")(
        {**site_context(), "metropole_common_report": True},
        {
            "id": resource_id,
            "validation_status": report["status"],
            "validation_report": json.dumps(report, ensure_ascii=False),
            "validation_source": fingerprint(resource),
        },
    )
    if consolidate and report.get("common_dataset"):
        enqueue_consolidation(report["common_dataset"])
    return report


def consolidate(common_id: str) -> dict | None:
    return consolidation.rebuild(common_id)
