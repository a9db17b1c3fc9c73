"""What the pipeline stores on harvest objects beside ckanext-harvest's own columns, and the
job's warnings read back from them."""

from __future__ import annotations

import ckan.model as model
from ckanext.harvest.model import HarvestObject, HarvestObjectExtra

from ...messages import display

HASH_KEY = "metropole_hash"
BATCH_KEY = (
    "metropole_import_batch"  # on an object of another's batch (see batches.Batches): that object's id
)
WARNING_KEY = "metropole_warning"  # a note on a dataset that landed: shown, never counted as an error
# A note on the whole job (a short listing) rides on one object of its own, which carries no
# dataset: ckanext-harvest counts gather errors as job errors, and this is not one.
JOB_NOTE_GUID = "metropole:job-note"
JOB_NOTE_STATUS = "warning"


def write_objects(rows: list[dict], extras: list[dict]) -> None:
    """Insert harvest objects and their extras (not committed), then forget them."""
    if rows:
        model.Session.bulk_insert_mappings(HarvestObject, rows)
        rows.clear()
    if extras:
        model.Session.bulk_insert_mappings(HarvestObjectExtra, extras)
        extras.clear()


def job_warnings(job_id: str, limit: int = 200) -> list[str]:
    """The job's warnings (not errors), for its page and its API: notes on the whole job (a
    short listing) first, then those on datasets that landed, in the reader's language."""
    return [
        display(value)
        for (value,) in model.Session.query(HarvestObjectExtra.value)
        .join(HarvestObject, HarvestObject.id == HarvestObjectExtra.harvest_object_id)
        .filter(HarvestObject.harvest_job_id == job_id, HarvestObjectExtra.key == WARNING_KEY)
        .order_by(HarvestObject.guid != JOB_NOTE_GUID, HarvestObjectExtra.value)
        .limit(limit)
    ]


def rewrite_object(job_id: str, guid: str, content: str, digest: str, rows: list, extras: list) -> bool:
    """Give the object already gathered for ``guid`` in this job another content (a dataset
    listed again under the same identifier, and kept instead: see screening.Duplicates).
    False when the job has no such object (the earlier one was unchanged)."""
    row = next((r for r in rows if r["guid"] == guid), None)
    if row is not None:  # not written yet
        row["content"] = content
        extra = next(e for e in extras if e["harvest_object_id"] == row["id"] and e["key"] == HASH_KEY)
        extra["value"] = digest
        return True
    obj = model.Session.query(HarvestObject).filter_by(harvest_job_id=job_id, guid=guid).first()
    if obj is None:
        return False
    obj.content = content
    model.Session.query(HarvestObjectExtra).filter_by(harvest_object_id=obj.id, key=HASH_KEY).update(
        {"value": digest}
    )
    return True
