"""The shared harvest pipeline of every protocol, on ckanext-harvest's stages.

gather: stream the remote catalogue, map each dataset into our schema and hash it (memory
  holds ids and hashes, not the catalogue). Only new or changed datasets become harvest
  objects for fetch/import, written as they are read; unchanged ones are
  recorded as "not modified" and never rewritten (no package_update, no activity, no
  re-index). Datasets gone from the source are withdrawn only when the listing completed
  without error and their share stays within max_withdrawal_ratio.
fetch: nothing left to fetch (the listings carry full metadata).
import: create, update (restoring a withdrawn dataset) or withdraw (package_delete), by
  batches of a job's objects in one transaction (ckanext.metropole.harvest.import_batch).
  Gather forms the batches: the fetch queue carries one message per batch (its first object),
  and the consumer that gets it imports the batch's other objects with it.

Errors and warnings are stored as messages (English msgid and parameters, ``N_``), translated
when the job is read, in the reader's language (see ckanext/metropole/messages.py).
"""
from __future__ import annotations

import contextlib
import datetime as dt
import functools
import hashlib
import json
import logging
import sys
from itertools import zip_longest
from urllib.parse import urlsplit

import ckan.model as model
import ckan.plugins.toolkit as tk
import sqlalchemy as sa
from tqdm import tqdm
from ckan.lib import search
from ckanext.harvest.model import HarvestGatherError, HarvestObject, HarvestObjectError, HarvestObjectExtra

from ..messages import N_, display, from_payload, of, payload_of, stored
from . import mapping, sourceconfig
from .commit import commit_indexing_new_datasets_once, sharing_dataset_reads
from .errors import HarvestError
from .http import Client
from .model import Listing
from .protocols import ADAPTERS, detect

log = logging.getLogger(__name__)
HASH_KEY = "metropole_hash"
BATCH_KEY = "metropole_import_batch"  # on an object of another's batch (see _Batches): that object's id
WARNING_KEY = "metropole_warning"  # a note on a dataset that landed: shown, never counted as an error
# A note on the whole job (a short listing) rides on one object of its own, which carries no
# dataset: ckanext-harvest counts gather errors as job errors, and this is not one.
JOB_NOTE_GUID = "metropole:job-note"
JOB_NOTE_STATUS = "warning"
ESSENTIAL = {"id", "name", "title", "owner_org", "state"}


def _site_user() -> str:
    return tk.get_action("get_site_user")({"ignore_auth": True}, {})["name"]


def _owner(source_package) -> dict:
    # A harvest source is also a dataset (same id): its organisation is the commune's.
    org = None
    if source_package and source_package.owner_org:
        try:
            org = tk.get_action("organization_show")(
                {"ignore_auth": True}, {"id": source_package.owner_org, "include_datasets": False,
                                        "include_users": False, "include_groups": False, "include_tags": False,
                                        "include_followers": False})
        except tk.ObjectNotFound:
            pass
    if org is None:
        raise HarvestError(N_("The source has no owner organisation: choose the commune that will receive "
                              "the datasets."))
    return {"id": org["id"], "name": org["name"], "title": org["title"], "insee_code": org.get("insee_code") or None}


def _portal_name(source, source_package) -> str:
    return (source_package.title if source_package else None) or source.title or \
        urlsplit(source.url).hostname or source.url


def _previous(source_id: str) -> dict[str, tuple]:
    """guid -> (harvest object id, package id, package state, stored hash) of the current objects."""
    rows = (model.Session.query(HarvestObject.guid, HarvestObject.id, HarvestObject.package_id,
                                model.Package.state, HarvestObjectExtra.value)
            .outerjoin(model.Package, model.Package.id == HarvestObject.package_id)
            .outerjoin(HarvestObjectExtra, (HarvestObjectExtra.harvest_object_id == HarvestObject.id)
                       & (HarvestObjectExtra.key == HASH_KEY))
            .filter(HarvestObject.harvest_source_id == source_id, HarvestObject.current.is_(True)))
    return {guid: (obj_id, package_id, state, digest) for guid, obj_id, package_id, state, digest in rows}


GATHER_BATCH = 500  # harvest objects written per INSERT while the listing streams


def gather(harvester, job) -> list[str]:
    """Stream the listing: each dataset is mapped, hashed and, when new or changed, written at
    once as a harvest object (in batches); memory keeps only remote ids, object ids and, when a
    dataset may have moved (see _same_dataset_elsewhere), 8-byte hashes of its identity URLs.
    Nothing is committed before the listing ends: an error on the way writes nothing."""
    source = job.source
    source_package = model.Package.get(source.id)
    previous = _previous(source.id)
    # identity keys matter only when some dataset of the previous run may have vanished
    track_identity = any(package_id for (_, package_id, _, _) in previous.values())
    portal = _portal_name(source, source_package)
    now = dt.datetime.utcnow()
    batches = _Batches(tk.config.get("ckanext.metropole.harvest.import_batch"))
    unchanged, seen, identity = [], set(), []
    rows, extras = [], []
    try:
        config = sourceconfig.parse(source.config)
        owner = _owner(source_package)
        client = Client()
        adapter = ADAPTERS[config.protocol] if config.protocol != "auto" else detect(client, source.url)
        listing = Listing()
        # a run from a terminal (ckan harvester run-test) shows the listing's progress; a
        # queue consumer's log does not fill with progress bars
        read = tqdm(adapter.datasets(client, source.url, config, listing), desc=str(N_("Datasets read")), unit="",
                    file=sys.stderr, disable=not sys.stderr.isatty(), mininterval=1, ascii=True)
        for remote in read:
            if remote.remote_id in seen:
                continue  # a listing may repeat an item across pages
            seen.add(remote.remote_id)
            mapped = mapping.to_dataset(remote, owner, portal, config)
            digest = mapping.content_hash(mapped.dataset)
            old = previous.get(remote.remote_id)
            if old and old[3] == digest and old[2] == "active":
                unchanged.append(remote.remote_id)
                continue
            obj_id = model.types.make_uuid()
            rows.append({"id": obj_id, "guid": remote.remote_id, "harvest_job_id": job.id,
                         "harvest_source_id": source.id, "state": "WAITING", "current": False,
                         "gathered": now, "retry_times": 0, "content": json.dumps(
                             {"action": "upsert", "dataset": mapped.dataset, "notes": payload_of(mapped.notes)},
                             ensure_ascii=False)})
            extras.append({"id": model.types.make_uuid(), "harvest_object_id": obj_id, "key": HASH_KEY,
                           "value": digest})
            extras.extend(batches.add(obj_id))
            if old is None and track_identity:
                identity.append((obj_id, _identity_keys(mapped.dataset)))
            if len(rows) >= GATHER_BATCH:
                _write_objects(rows, extras)
        _write_objects(rows, extras)
    except (HarvestError, ValueError) as e:
        model.Session.rollback()
        HarvestGatherError.create(stored(N_("Harvest interrupted, nothing was changed or withdrawn: {error}",
                                            error=of(e))), job)
        return []
    except Exception as e:  # a bug must not wipe anything either: report it and stop
        model.Session.rollback()
        log.exception("gather failed for %s", source.url)
        HarvestGatherError.create(stored(N_("Unexpected error ({type}), nothing was changed or withdrawn: {error}",
                                            type=type(e).__name__, error=str(e))), job)
        return []

    _refused(job, source, now, listing.refused)
    gone = {guid: package_id for guid, (_, package_id, state, _) in previous.items()
            if guid not in seen and package_id}
    moved = _same_dataset_elsewhere(identity, gone)
    vanished = [guid for guid, (_, package_id, state, _) in previous.items()
                if guid not in seen and package_id and state == "active" and package_id not in moved]
    if listing.refused and not listing.stopped and listing.read >= (listing.announced or 0):
        _job_note(job, now, N_("{count} dataset(s) listed by the source could not be read (see the errors): no "
                               "dataset is withdrawn until every one can be.", count=len(listing.refused)))
        vanished = []
    elif not listing.complete:
        # a short listing is not the catalogue: import what was read, withdraw nothing, and
        # say so as a warning (the datasets read are not refused: no job error)
        if listing.stopped:
            note = N_("Incomplete listing: the source announces {announced} datasets, {read} read ({why}). The "
                      "datasets read are imported; no dataset is withdrawn until the listing is complete.",
                      announced=listing.announced, read=listing.read, why=listing.stopped)
        else:
            note = N_("Incomplete listing: the source announces {announced} datasets, {read} read. The "
                      "datasets read are imported; no dataset is withdrawn until the listing is complete.",
                      announced=listing.announced, read=listing.read)
        _job_note(job, now, note)
        vanished = []
    active = sum(1 for (_, package_id, state, _) in previous.values() if package_id and state == "active")
    if vanished:
        share = len(vanished) / active if active else 1.0
        if share > config.max_withdrawal_ratio:
            # no dataset was refused: a warning for the operator, not a job error
            _job_note(job, now, N_(
                "Withdrawal refused: {gone} datasets of {active} ({share:.0%}) have vanished from the source, "
                "beyond the threshold of {threshold:.0%} (max_withdrawal_ratio). Nothing was withdrawn: check "
                "the source.", gone=len(vanished), active=active, share=share,
                threshold=config.max_withdrawal_ratio))
        else:
            for guid in vanished:
                obj = HarvestObject(guid=guid, job=job, harvest_source_id=source.id,
                                    content=json.dumps({"action": "withdraw"}))
                model.Session.add(obj)
                model.Session.flush()
                extras.extend(batches.add(obj.id))
            _write_objects([], extras)

    # Unchanged datasets: one row each, in bulk, so the job report counts them.
    model.Session.bulk_insert_mappings(HarvestObject, [
        {"id": model.types.make_uuid(), "guid": guid, "harvest_job_id": job.id, "harvest_source_id": source.id,
         "state": "COMPLETE", "report_status": "not modified", "current": False, "gathered": now,
         "import_finished": now}
        for guid in unchanged])
    model.Session.commit()
    return batches.first_objects


class _Batches:
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
        return [{"id": model.types.make_uuid(), "harvest_object_id": object_id, "key": BATCH_KEY,
                 "value": self.first_objects[-1]}]


REFUSED_GUID = "metropole:refused:{}"


def _refused(job, source, now, messages: list) -> None:
    """Each listed item that could not be read (no identifier…) is one refused dataset: an
    errored object of its own, so that the job counts it among its errors and shows why."""
    for n, message in enumerate(messages[:1000]):
        obj = HarvestObject(guid=REFUSED_GUID.format(n), job=job, harvest_source_id=source.id, state="ERROR",
                            report_status="errored", current=False, gathered=now, import_finished=now)
        model.Session.add(obj)
        model.Session.flush()
        model.Session.add(HarvestObjectError(harvest_object_id=obj.id, message=stored(message), stage="Fetch"))


def _job_note(job, now, message) -> None:
    obj = HarvestObject(guid=JOB_NOTE_GUID, job=job, state="COMPLETE", report_status=JOB_NOTE_STATUS,
                        current=False, gathered=now, import_finished=now,
                        extras=[HarvestObjectExtra(key=WARNING_KEY, value=stored(message))])
    model.Session.add(obj)


def _write_objects(rows: list[dict], extras: list[dict]) -> None:
    """Insert harvest objects and their extras (not committed), then forget them."""
    if rows:
        model.Session.bulk_insert_mappings(HarvestObject, rows)
        rows.clear()
    if extras:
        model.Session.bulk_insert_mappings(HarvestObjectExtra, extras)
        extras.clear()


def _identity_keys(dataset: dict) -> tuple[int, ...]:
    """8-byte hashes of the URLs that identify a dataset across a platform change (landing
    page first, then distributions): kept instead of the mapped content while gathering."""
    urls = [dataset.get("harvest_landing_page")] + [r.get("url") for r in dataset.get("resources") or []]
    return tuple(_url_hash(u) for u in urls if u)


def _url_hash(url: str) -> int:
    return int.from_bytes(hashlib.blake2b(_url_key(url).encode(), digest_size=8).digest(), "big")


def _same_dataset_elsewhere(identity: list[tuple[str, tuple[int, ...]]], gone: dict[str, str]) -> set[str]:
    """Identity across a platform change (Opendatasoft API -> its DCAT export, CKAN -> udata):
    a dataset listed under a new identifier with the landing page, or a distribution URL, of
    one gone from the listing is the same dataset. Its harvest object's content then names the
    package to update (no duplicate, no withdraw-then-create). Returns the package ids taken over."""
    if not identity or not gone:
        return set()
    package_ids = set(gone.values())
    by_url: dict[int, str] = {}
    for package_id, url in (model.Session.query(model.PackageExtra.package_id, model.PackageExtra.value)
                            .filter(model.PackageExtra.package_id.in_(package_ids),
                                    model.PackageExtra.key == "harvest_landing_page",
                                    model.PackageExtra.state == "active")):
        if url:
            by_url.setdefault(_url_hash(url), package_id)
    for package_id, url in (model.Session.query(model.Resource.package_id, model.Resource.url)
                            .filter(model.Resource.package_id.in_(package_ids), model.Resource.state == "active")):
        if url:
            by_url.setdefault(_url_hash(url), package_id)
    taken, matches = set(), {}
    for obj_id, keys in identity:
        match = next((by_url[k] for k in keys if k in by_url and by_url[k] not in taken), None)
        if match:
            taken.add(match)
            matches[obj_id] = match
    # only the objects matched are read back (their content was written while streaming)
    for obj in model.Session.query(HarvestObject).filter(HarvestObject.id.in_(list(matches))):
        content = json.loads(obj.content)
        content["same_as"] = matches[obj.id]
        obj.content = json.dumps(content, ensure_ascii=False)
    return taken


def _url_key(url: str) -> str:
    parts = urlsplit(url.strip())
    return f"{(parts.hostname or '').lower()}{parts.path.rstrip('/')}?{parts.query}"


def fetch(harvest_object) -> bool:
    return True


def job_warnings(job_id: str, limit: int = 200) -> list[str]:
    """The job's warnings (not errors), for its page and its API: notes on the whole job (a
    short listing) first, then those on datasets that landed, in the reader's language."""
    return [display(value) for (value,) in model.Session.query(HarvestObjectExtra.value)
            .join(HarvestObject, HarvestObject.id == HarvestObjectExtra.harvest_object_id)
            .filter(HarvestObject.harvest_job_id == job_id, HarvestObjectExtra.key == WARNING_KEY)
            .order_by(HarvestObject.guid != JOB_NOTE_GUID, HarvestObjectExtra.value).limit(limit)]


def _error(harvest_object, message, batch: bool = False) -> bool:
    if batch:  # written with the batch, at its commit (HarvestObjectError.create commits)
        model.Session.add(HarvestObjectError(harvest_object_id=harvest_object.id, message=stored(message),
                                             stage="Import"))
    else:
        HarvestObjectError.create(stored(message), harvest_object, "Import")
    return False


class _Refused(Exception):
    """A dataset of a batch was refused by the schema: CKAN rolled the batch's transaction back."""


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
    with _batch_lock(harvest_object.id):
        others = _claim(harvest_object)
        outcomes = _import_batch([harvest_object] + others)
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
    ids = [row[0] for row in model.Session.execute(sa.text(
        "WITH picked AS MATERIALIZED ("
        " SELECT o.id FROM harvest_object o JOIN harvest_object_extra e ON e.harvest_object_id = o.id"
        " WHERE o.harvest_job_id = :job AND o.state = 'WAITING' AND e.key = :key AND e.value = :id"
        " ORDER BY o.gathered, o.id FOR UPDATE OF o SKIP LOCKED)"
        " UPDATE harvest_object SET state = 'IMPORT', import_started = :now FROM picked"
        " WHERE harvest_object.id = picked.id RETURNING harvest_object.id"),
        {"now": dt.datetime.utcnow(), "job": harvest_object.harvest_job_id, "id": harvest_object.id,
         "key": BATCH_KEY})]
    model.Session.commit()
    if not ids:
        return []
    return model.Session.query(HarvestObject).filter(HarvestObject.id.in_(ids)).order_by(HarvestObject.id).all()


def _claiming_batch(object_id: str) -> str | None:
    """The first object of this object's batch (None: a batch's first object, or none)."""
    return model.Session.query(HarvestObjectExtra.value).filter(
        HarvestObjectExtra.harvest_object_id == object_id, HarvestObjectExtra.key == BATCH_KEY).scalar()


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


@functools.lru_cache(maxsize=4)
def _territory_codes(job_id: str) -> frozenset:
    """The territory's INSEE codes (which the dataset schema's communes validator takes from
    the context), read once per job by each consumer: reading the territory costs more than a
    batch's worth of datasets, and communes do not join or leave during a harvest."""
    return frozenset(c["insee_code"] for metro in tk.get_action("metropole_territory_show")({"ignore_auth": True}, {})
                     for c in metro["communes"] if c["insee_code"])


def _import_batch(objects: list) -> dict:
    """Import the objects in one transaction (CKAN's defer_commit): one commit, at which CKAN
    indexes the batch's datasets. A dataset refused by the schema makes CKAN roll back the
    transaction: the batch is then imported again one object at a time."""
    user = _site_user()
    # the user object given, CKAN's access checks do not look it up again for each action
    base = {"user": user, "auth_user_obj": model.User.get(user), "ignore_auth": True,
            "metropole_territory_codes": _territory_codes(objects[0].harvest_job_id)}
    if len(objects) > 1:
        try:
            with sharing_dataset_reads():
                known = _Known.read(objects)
                outcomes = {obj.id: _import(obj, base, known, batch=True) for obj in objects}
                commit_indexing_new_datasets_once()
            return outcomes
        except _Refused:
            model.Session.rollback()
        except Exception:  # Solr refusing the batch's update, a bug: each object tells its own story
            model.Session.rollback()  # (first: a failed flush leaves the session unreadable until then)
            log.exception("import batch of %s failed: its objects are imported one at a time", objects[0].id)
    # one at a time, each read when its turn comes: an earlier one may take a later one's address
    return {obj.id: _import_alone(obj, base) for obj in objects}


def _import_alone(harvest_object, base: dict):
    """Import one object in its own transaction. What fails other than a dataset's validation
    (Solr refusing the update at the commit, a bug) is this object's error, as ckanext-harvest's
    own harvesters record it: the others are imported, the job ends, the next run tries again
    (the object did not become the current one)."""
    try:
        return _import(harvest_object, base, _Known.read([harvest_object]))
    except Exception as e:
        model.Session.rollback()  # (first: a failed flush leaves the session unreadable until then)
        log.exception("import of harvest object %s failed", harvest_object.id)
        return _error(harvest_object, N_("Import interrupted, the dataset was not changed ({type}: {error}). The "
                                         "next harvest will try again.", type=type(e).__name__, error=str(e)[:500]))


def _record(objects: list, outcomes: dict) -> None:
    """What ckanext-harvest's fetch_and_import_stages records of an imported object, for the
    objects imported with another one (their own consumer reports the same when it gets them)."""
    now = dt.datetime.utcnow()
    if not objects:
        return
    # the batch's commit expired them: reloaded in one query, not one each
    model.Session.query(HarvestObject).filter(HarvestObject.id.in_([sa.inspect(o).identity[0] for o in objects])).all()
    # "updated" when another object ever carried the dataset (as fetch_and_import_stages tells
    # it), read for the whole batch at once
    carried = dict(model.Session.query(HarvestObject.package_id, sa.func.count(HarvestObject.id))
                   .filter(HarvestObject.package_id.in_({o.package_id for o in objects if o.package_id}))
                   .group_by(HarvestObject.package_id))
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
    return model.Session.query(HarvestObject.id).filter(
        HarvestObject.harvest_job_id == harvest_object.harvest_job_id, HarvestObject.id != harvest_object.id,
        HarvestObject.state.in_(["WAITING", "FETCH", "IMPORT"])).first() is None


class _Known:
    """What the import of some objects reads at once, not once per object: their contents, the
    current object (of an earlier job) of each of their remote datasets, and which of the
    addresses of their new datasets are taken."""

    def __init__(self, contents: dict, previous: dict, taken: dict):
        # object id -> content; guid -> HarvestObject; address -> package id
        self.contents, self.previous, self.taken = contents, previous, taken

    @classmethod
    def read(cls, objects: list) -> "_Known":
        contents = {obj.id: json.loads(obj.content or "{}") for obj in objects}
        previous = {row.guid: row for row in model.Session.query(HarvestObject).filter(
            HarvestObject.harvest_source_id == objects[0].harvest_source_id, HarvestObject.current.is_(True),
            HarvestObject.guid.in_({o.guid for o in objects}), HarvestObject.id.notin_(list(contents)))}
        names = {(contents[obj.id].get("dataset") or {}).get("name") for obj in objects if obj.guid not in previous}
        names.discard(None)
        taken = dict(model.Session.query(model.Package.name, model.Package.id).filter(model.Package.name.in_(names))) \
            if names else {}
        return cls(contents, previous, taken)


def _import(harvest_object, base: dict, known: _Known, batch: bool = False):
    content = known.contents[harvest_object.id]
    previous = known.previous.get(harvest_object.guid)
    # the source id lets metropole_review apply the source's "review" setting; in a batch,
    # CKAN's defer_commit leaves the commit to the batch's end
    context = {**base, "metropole_harvest_source_id": harvest_object.harvest_source_id, "defer_commit": batch}
    if content.get("action") == "withdraw":
        if previous is None or not previous.package_id:
            return "unchanged"
        tk.get_action("package_delete")(context, {"id": previous.package_id})
        previous.current = False
        harvest_object.package_id = previous.package_id
        harvest_object.current = False
        harvest_object.add()
        previous.add()
        if not batch:
            model.Session.commit()
        return True

    dataset = content["dataset"]
    if previous is None and content.get("same_as"):
        # the same dataset under a new remote identifier: its old object hands over
        previous = (model.Session.query(HarvestObject)
                    .filter(HarvestObject.package_id == content["same_as"], HarvestObject.current.is_(True),
                            HarvestObject.harvest_source_id == harvest_object.harvest_source_id).first())
        if previous is not None:
            existing = model.Package.get(content["same_as"])
            dataset = {**dataset, "name": existing.name if existing else dataset["name"]}
    package_id = previous.package_id if previous else None
    if package_id is None:
        existing_id = known.taken.get(dataset["name"])
        if existing_id is not None:
            if not _owned_by_source(existing_id, harvest_object.harvest_source_id):
                return _error(harvest_object, N_("The address “{name}” is already taken by a dataset that does "
                                                 "not come from this source: nothing was overwritten.",
                                                 name=dataset["name"]), batch)
            package_id = existing_id
    notes = [from_payload(n) for n in content.get("notes") or []]
    for _ in range(2):
        try:
            _save(harvest_object, previous, package_id, dataset, context)
            break
        except tk.ValidationError as e:
            if batch:
                raise _Refused() from e
            model.Session.rollback()  # the previous object stays the current one
            # CKAN's validators' messages are already translated (the portal's language)
            details = [N_("{field}: {errors}", field=k, errors=", ".join(map(str, v)) if isinstance(v, list) else str(v))
                       for k, v in e.error_dict.items()]
            repaired, dropped = _without_invalid(dataset, e.error_dict)
            if not dropped:
                return _error(harvest_object, N_("Dataset “{title}” refused by the schema: {details}",
                                                 title=str(dataset.get("title")), details=details))
            # one bad secondary field never costs the dataset: drop it, say so, save again
            notes.append(N_("invalid field(s) ignored: {details}", details=details))
            dataset = repaired
    else:
        return _error(harvest_object, N_("Dataset “{title}” refused by the schema.", title=str(dataset.get("title"))))
    for note in notes:
        model.Session.add(HarvestObjectExtra(harvest_object_id=harvest_object.id, key=WARNING_KEY,
                                             value=stored(N_("“{title}”: {note}", title=str(dataset.get("title")),
                                                             note=note))))
    if not batch:
        model.Session.commit()
    return True


def _save(harvest_object, previous, package_id, dataset, context) -> None:
    # As ckanext-harvest's own harvesters do: this object is the current one and carries the
    # package id before the dataset is indexed, so that the harvest plugin's index hook
    # (before_dataset_index) finds it and indexes harvest_source_id / harvest_object_id /
    # harvest_source_title (the source page and package_search fq=harvest_source_id need them).
    # Outside a batch, package_create/update commit and index at once: the object is linked
    # before them. In a batch (defer_commit), indexing waits for the batch's commit: a new
    # dataset is linked once created, with the id CKAN gave it.
    if previous is not None:
        previous.current = False
    batch = context.get("defer_commit")
    if package_id is None:
        # the type said, as CKAN would default it: checks on creation need not look the id up
        dataset = {**dataset, "type": dataset.get("type") or "dataset"}
        if not batch:
            dataset["id"] = dataset.get("id") or model.types.make_uuid()
    if package_id or not batch:
        _link(harvest_object, package_id or dataset["id"])
    if not batch:
        # the package row does not exist yet for a creation: check the foreign key at commit
        model.Session.execute(sa.text("SET CONSTRAINTS harvest_object_package_id_fkey DEFERRED"))
        model.Session.flush()
    # return_id_only: the dataset written is not read back (package_show) for nothing
    context = dict(context, return_id_only=True)
    if package_id:
        tk.get_action("package_update")(dict(context, allow_state_change=True),
                                         {**dataset, "id": package_id, "state": "active"})
    else:
        created = tk.get_action("package_create")(dict(context), dataset)
        if batch:
            _link(harvest_object, created if isinstance(created, str) else created["id"])


def _link(harvest_object, package_id: str) -> None:
    harvest_object.package_id = package_id
    harvest_object.current = True
    harvest_object.add()


def _without_invalid(dataset: dict, errors: dict) -> tuple[dict, list[str]]:
    """The dataset without the secondary fields the schema refused (a resource whose URL is
    refused is dropped whole). Nothing is dropped when an essential field is at fault."""
    if set(errors) & ESSENTIAL:
        return dataset, []
    repaired, dropped = dict(dataset), []
    for key, value in errors.items():
        if key == "resources" and isinstance(value, list):
            resources = []
            for resource, resource_errors in zip_longest(dataset.get("resources") or [], value[:len(
                    dataset.get("resources") or [])], fillvalue={}):
                if not resource_errors:
                    resources.append(resource)
                elif "url" not in resource_errors:
                    resources.append({k: v for k, v in resource.items() if k not in resource_errors})
                dropped.extend(f"resources.{k}" for k in resource_errors or {})
            repaired["resources"] = resources
        elif key in repaired:
            repaired.pop(key)
            dropped.append(key)
    return repaired, dropped


def _owned_by_source(package_id: str, source_id: str) -> bool:
    return model.Session.query(HarvestObject.id).filter(
        HarvestObject.package_id == package_id, HarvestObject.harvest_source_id == source_id).first() is not None
