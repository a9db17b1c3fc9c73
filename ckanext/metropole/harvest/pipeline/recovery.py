"""What `ckan harvester run` (harvest_jobs_run) does for our jobs before ckanext-harvest's own
round: imports left unfinished by a consumer that died are put back in the queue, and jobs past
their deadline are ended.

A fetch consumer killed (kill -9, out of memory) in the middle of a batch leaves its objects
marked as being imported (FETCH / IMPORT) with nothing written: the batch's transaction dies with
its connection, and so does the batch's advisory lock (batches._batch_lock). ckanext-harvest
resends only WAITING objects (resubmit_objects), and its Redis backend re-queues the killed
message only after three hours: the job would stay "Running" until ckan.harvest.timeout. An
object whose batch's lock is free and that has been "importing" for longer than
ckanext.metropole.harvest.recover_after is therefore set back to WAITING, and
harvest_jobs_run's resubmit_objects sends it again: its batch is claimed anew and each of its
datasets lands once (an object whose dataset the batch did commit is recorded as done).
"""

from __future__ import annotations

import datetime as dt
import logging

import ckan.model as model
import ckan.plugins.toolkit as tk
import sqlalchemy as sa
from ckanext.harvest.model import HarvestGatherError, HarvestJob, HarvestObject, HarvestSource

from ...messages import stored
from . import jobdeadline
from .batches import _batch_key
from .records import BATCH_KEY

log = logging.getLogger(__name__)

SOURCE_TYPE = "intercommunal"
IN_PROGRESS = ("FETCH", "IMPORT")


def running_jobs(source_id: str | None = None) -> list[HarvestJob]:
    query = (
        model.Session.query(HarvestJob)
        .join(HarvestSource, HarvestSource.id == HarvestJob.source_id)
        .filter(HarvestJob.status == "Running", HarvestSource.type == SOURCE_TYPE)
    )
    if source_id:
        query = query.filter(HarvestJob.source_id == source_id)
    return query.all()


def before_jobs_run(source_id: str | None = None) -> None:
    """Recover dead consumers' imports, end jobs past their deadline (committed)."""
    now = dt.datetime.utcnow()
    for job in running_jobs(source_id):
        if jobdeadline.passed(job.created, now):
            end_past_deadline(job, now)
        else:
            recover(job, now)
    model.Session.commit()


def _lock_free(owner_id: str) -> bool:
    with model.meta.engine.connect() as conn:
        key = _batch_key(owner_id)
        if not conn.execute(sa.text("SELECT pg_try_advisory_lock(:k)"), {"k": key}).scalar():
            return False
        conn.execute(sa.text("SELECT pg_advisory_unlock(:k)"), {"k": key})
        return True


def _owners(objects: list[HarvestObject]) -> dict[str, str]:
    """object id -> the first object of its batch (its own id for a batch's first)."""
    ids = [o.id for o in objects]
    rows = model.Session.execute(
        sa.text(
            "SELECT harvest_object_id, value FROM harvest_object_extra"
            " WHERE key = :key AND harvest_object_id = ANY(:ids)"
        ),
        {"key": BATCH_KEY, "ids": ids},
    )
    owners = dict(rows.fetchall())
    return {i: owners.get(i, i) for i in ids}


def _stalled(job: HarvestJob, now: dt.datetime) -> list[HarvestObject]:
    """The job's objects being imported by nobody (their batch's lock free) for long enough."""
    grace = dt.timedelta(seconds=tk.config.get("ckanext.metropole.harvest.recover_after"))
    objects = (
        model.Session.query(HarvestObject)
        .filter(HarvestObject.harvest_job_id == job.id, HarvestObject.state.in_(IN_PROGRESS))
        .all()
    )
    objects = [
        o for o in objects if now - (o.import_started or o.fetch_started or o.gathered or now) >= grace
    ]
    if not objects:
        return []
    owners = _owners(objects)
    free = {owner: _lock_free(owner) for owner in set(owners.values())}
    return [o for o in objects if free[owners[o.id]]]


def recover(job: HarvestJob, now: dt.datetime) -> int:
    stalled = _stalled(job, now)
    for obj in stalled:
        if obj.current and obj.package_id:
            # the batch committed this dataset before its consumer died: done, not imported again
            obj.state, obj.report_status, obj.import_finished = "COMPLETE", "added", now
        else:
            obj.state, obj.report_status, obj.import_started, obj.fetch_started = "WAITING", None, None, None
    if stalled:
        _forget_messages([o.id for o in stalled])
        log.warning("harvest job %s: %d import(s) of a dead consumer put back", job.id, len(stalled))
    return len(stalled)


def _forget_messages(object_ids: list[str]) -> None:
    """The dead consumer's unacknowledged messages (ckanext-harvest's Redis backend would resend
    them after three hours): the objects are sent again now, by resubmit_objects."""
    if tk.config.get("ckan.harvest.mq.type") != "redis":
        return
    from ckanext.harvest import queue

    redis = queue.get_connection()
    prefix = queue.get_fetch_routing_key() + ":"
    redis.delete(*[prefix + i for i in object_ids])


def end_past_deadline(job: HarvestJob, now: dt.datetime) -> None:
    """Every import of the job not done is refused (withdrawals too), the job is Finished."""
    pending = (
        model.Session.query(HarvestObject)
        .filter(
            HarvestObject.harvest_job_id == job.id,
            HarvestObject.state.in_(("WAITING", *IN_PROGRESS)),
        )
        .all()
    )
    owners = _owners(pending) if pending else {}
    free = {owner: _lock_free(owner) for owner in set(owners.values())}
    busy = [o for o in pending if not free[owners[o.id]]]
    if busy:
        return  # a consumer is importing this batch now: ended at the next run
    for obj in pending:
        obj.state, obj.report_status, obj.import_finished = "ERROR", "errored", now
    model.Session.add(HarvestGatherError(message=stored(jobdeadline.message()), job=job))
    job.status, job.finished = "Finished", now
