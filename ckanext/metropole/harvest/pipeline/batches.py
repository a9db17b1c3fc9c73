"""Import batches: formed by gather, one fetch-queue message each, claimed by the consumer that
gets it (SELECT ... FOR UPDATE SKIP LOCKED, under an advisory lock named after the batch), and
their objects reported as if each had been imported alone."""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib

import ckan.model as model
import sqlalchemy as sa
from ckan.lib import search
from ckanext.harvest.model import HarvestJob, HarvestObject, HarvestObjectError, HarvestObjectExtra

from ...messages import stored
from . import jobdeadline
from .importing import import_batch
from .records import BATCH_KEY


class Batches:
    """Import batches, formed as gather writes the objects: each batch's first object goes to
    the fetch queue, the others carry its id (BATCH_KEY) and are imported with it, by whichever
    consumer gets that message. A job of 1,000 datasets is 20 messages, not 1,000 rounds of
    ckanext-harvest's per-object bookkeeping (five commits each); consumers still share a job
    batch by batch. Memory keeps the first objects' ids only."""

    def __init__(self, size: int):
        self.size = max(1, size)
        self.first_objects: list[str] = []
        self._left = 0

    def add(self, object_id: str) -> list[dict]:
        """The extra row that puts this object in the current batch (none for a batch's first)."""
        if self._left == 0:
            self.first_objects.append(object_id)
            self._left = self.size - 1
            return []
        self._left -= 1
        return [
            {
                "id": model.types.make_uuid(),
                "harvest_object_id": object_id,
                "key": BATCH_KEY,
                "value": self.first_objects[-1],
            }
        ]


def import_object(harvest_object):
    """Import this object and, in the same database transaction, the other waiting objects of
    the batch gather made it the first of (claimed with SELECT ... FOR UPDATE SKIP LOCKED). An
    object of a batch that gets a message of its own (harvest_jobs_run resends WAITING objects
    missing from the queue) is not imported twice: its consumer waits for that batch and
    reports its outcome, or imports it alone if the batch never reached it."""
    # Only an object a fetch consumer hands over (fetch_and_import_stages marks it "IMPORT") may
    # have been imported by another's batch: a re-import of the source's current objects
    # (harvest_objects_import, `ckan harvester import`) imports each, claimed once or not.
    if harvest_object.state == "IMPORT":
        if harvest_object.report_status is not None:
            # an outcome recorded in this run: the batch that claimed the object is over
            return _outcome(harvest_object.report_status)
        owner = _claiming_batch(harvest_object.id)
        if owner is not None:
            outcome = _batch_outcome(owner, harvest_object.id)
            if outcome is not None:
                return outcome
            # that batch's consumer stopped before reaching this object: import it here
        job = model.Session.get(HarvestJob, harvest_object.harvest_job_id)
        if job is not None and jobdeadline.passed(job.created):
            # nothing more of a job past its deadline is written (nor withdrawn): `ckan
            # harvester run` ends it (recovery.py)
            HarvestObjectError.create(stored(jobdeadline.message()), harvest_object, "Import")
            return False
    with _batch_lock(harvest_object.id):
        others = _claim(harvest_object)
        outcomes = import_batch([harvest_object, *others])
        _record(others, outcomes)
    if _last_of_job(harvest_object):
        # with ckan.search.solr_commit off (Solr's autoSoftCommit shows them meanwhile), the
        # job's datasets were indexed without commit: commit once, now
        search.commit()
    return outcomes[harvest_object.id]


def _batch_key(object_id: str) -> int:
    return int.from_bytes(hashlib.blake2b(object_id.encode(), digest_size=8).digest(), "big", signed=True)


@contextlib.contextmanager
def _batch_lock(owner_id: str):
    """A PostgreSQL session advisory lock named after the batch's first object, held on a
    connection of its own for the whole batch (it outlives the batch's commits and rollbacks,
    and is released if the consumer dies)."""
    with model.meta.engine.connect() as conn:
        conn.execute(sa.text("SELECT pg_advisory_lock(:k)"), {"k": _batch_key(owner_id)})
        try:
            yield
        finally:
            conn.execute(sa.text("SELECT pg_advisory_unlock(:k)"), {"k": _batch_key(owner_id)})


def _claim(harvest_object) -> list:
    """The waiting objects of this object's batch, marked as being imported (committed, the
    batch's lock held, before any import). The whole batch, whatever import_batch says now."""
    # The claimed rows are picked once, in a materialised CTE: as "WHERE id IN (SELECT …
    # FOR UPDATE SKIP LOCKED)", PostgreSQL may run the subquery again for some plans. An object
    # whose own message a consumer already took (resubmitted by harvest_jobs_run) is no longer
    # WAITING, or is locked: it is left to that consumer.
    ids = [
        row[0]
        for row in model.Session.execute(
            sa.text(
                "WITH picked AS MATERIALIZED ("
                " SELECT o.id FROM harvest_object o JOIN harvest_object_extra e ON e.harvest_object_id = o.id"
                " WHERE o.harvest_job_id = :job AND o.state = 'WAITING' AND e.key = :key AND e.value = :id"
                " ORDER BY o.gathered, o.id FOR UPDATE OF o SKIP LOCKED)"
                " UPDATE harvest_object SET state = 'IMPORT', import_started = :now FROM picked"
                " WHERE harvest_object.id = picked.id RETURNING harvest_object.id"
            ),
            {
                "now": dt.datetime.utcnow(),
                "job": harvest_object.harvest_job_id,
                "id": harvest_object.id,
                "key": BATCH_KEY,
            },
        )
    ]
    model.Session.commit()
    if not ids:
        return []
    return (
        model.Session.query(HarvestObject).filter(HarvestObject.id.in_(ids)).order_by(HarvestObject.id).all()
    )


def _claiming_batch(object_id: str) -> str | None:
    """The first object of this object's batch (None: a batch's first object, or none)."""
    return (
        model.Session.query(HarvestObjectExtra.value)
        .filter(HarvestObjectExtra.harvest_object_id == object_id, HarvestObjectExtra.key == BATCH_KEY)
        .scalar()
    )


def _outcome(status: str):
    """A recorded report status as import_stage returns it."""
    return {"errored": False, "not modified": "unchanged"}.get(status, True)


def _batch_outcome(owner_id: str, object_id: str):
    """Wait for the batch that claimed this object, then its outcome as import_stage returns it
    (None: the batch never reached it)."""
    with _batch_lock(owner_id):
        pass
    status = model.Session.query(HarvestObject.report_status).filter(HarvestObject.id == object_id).scalar()
    return None if status is None else _outcome(status)


def _record(objects: list, outcomes: dict) -> None:
    """What ckanext-harvest's fetch_and_import_stages records of an imported object, for the
    objects imported with another one (their own consumer reports the same when it gets them)."""
    now = dt.datetime.utcnow()
    if not objects:
        return
    # the batch's commit expired them: reloaded in one query, not one each
    model.Session.query(HarvestObject).filter(
        HarvestObject.id.in_([sa.inspect(o).identity[0] for o in objects])
    ).all()
    # "updated" when another object ever carried the dataset (as fetch_and_import_stages tells
    # it), read for the whole batch at once
    carried = dict(
        model.Session.query(HarvestObject.package_id, sa.func.count(HarvestObject.id))
        .filter(HarvestObject.package_id.in_({o.package_id for o in objects if o.package_id}))
        .group_by(HarvestObject.package_id)
    )
    for obj in objects:
        outcome = outcomes[obj.id]
        obj.import_finished = now
        obj.state = "COMPLETE" if outcome else "ERROR"
        if not outcome:
            obj.report_status = "errored"
        elif outcome == "unchanged":
            obj.report_status = "not modified"
        elif obj.current is False:
            obj.report_status = "deleted"
        else:
            obj.report_status = "updated" if carried.get(obj.package_id, 0) >= 2 else "added"
    model.Session.commit()


def _last_of_job(harvest_object) -> bool:
    """No other object of the job waits or runs (two consumers finishing together may both
    see the other: then Solr's autoSoftCommit, not this commit, shows the last datasets)."""
    return (
        model.Session.query(HarvestObject.id)
        .filter(
            HarvestObject.harvest_job_id == harvest_object.harvest_job_id,
            HarvestObject.id != harvest_object.id,
            HarvestObject.state.in_(["WAITING", "FETCH", "IMPORT"]),
        )
        .first()
        is None
    )
