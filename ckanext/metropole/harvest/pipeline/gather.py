"""Gather: stream the remote catalogue, map each dataset into our schema and hash it (memory
holds ids and hashes, not the catalogue). Only new or changed datasets become harvest objects
for fetch/import, written as they are read, in import batches (batches.Batches)."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import logging
import sys
import time
from urllib.parse import urlsplit

import ckan.model as model
import ckan.plugins.toolkit as tk
from ckanext.harvest.model import HarvestGatherError, HarvestObject
from tqdm import tqdm

from ...messages import N_, of, payload_of, stored
from .. import mapping, sourceconfig
from ..errors import HarvestError
from ..http import Client
from ..model import Listing
from ..protocols import ADAPTERS, detect
from . import screening
from .batches import Batches
from .diff import is_unchanged, job_note, previous_objects, settle
from .identity import identity_keys
from .records import HASH_KEY, rewrite_object, write_objects

log = logging.getLogger(__name__)


def _owner(source_package) -> dict:
    # A harvest source is also a dataset (same id): its organisation is the commune's.
    org = None
    if source_package and source_package.owner_org:
        with contextlib.suppress(tk.ObjectNotFound):
            org = tk.get_action("organization_show")(
                {"ignore_auth": True},
                {
                    "id": source_package.owner_org,
                    "include_datasets": False,
                    "include_users": False,
                    "include_groups": False,
                    "include_tags": False,
                    "include_followers": False,
                },
            )
    if org is None:
        raise HarvestError(
            N_("The source has no owner organisation: choose the commune that will receive the datasets.")
        )
    return {
        "id": org["id"],
        "name": org["name"],
        "title": org["title"],
        "insee_code": org.get("insee_code") or None,
    }


def _portal_name(source, source_package) -> str:
    return (
        (source_package.title if source_package else None)
        or source.title
        or urlsplit(source.url).hostname
        or source.url
    )


def past_deadline():
    return N_(
        "The harvest's deadline ({seconds} s, ckanext.metropole.harvest.gather_deadline) was reached "
        "before the source's listing ended: nothing was changed or withdrawn.",
        seconds=tk.config.get("ckanext.metropole.harvest.gather_deadline"),
    )


def _content(mapped) -> str:
    notes = payload_of(mapped.notes)
    return json.dumps({"action": "upsert", "dataset": mapped.dataset, "notes": notes}, ensure_ascii=False)


GATHER_BATCH = 500  # harvest objects written per INSERT while the listing streams


def gather(harvester, job) -> list[str]:
    """Stream the listing: each dataset is mapped, hashed and, when new or changed, written at
    once as a harvest object (in batches); memory keeps only remote ids, object ids and, when a
    dataset may have moved (see identity.same_dataset_elsewhere), 8-byte hashes of its identity
    URLs. Nothing is committed before the listing ends: an error on the way writes nothing."""
    source = job.source
    source_package = model.Package.get(source.id)
    previous = previous_objects(source.id)
    # identity keys matter only when some dataset of the previous run may have vanished
    track_identity = any(package_id for (_, package_id, _, _) in previous.values())
    portal = _portal_name(source, source_package)
    now = dt.datetime.utcnow()
    batches = Batches(tk.config.get("ckanext.metropole.harvest.import_batch"))
    unchanged, seen, identity = [], set(), []
    duplicates = screening.Duplicates()
    rows, extras = [], []
    try:
        config = sourceconfig.parse(source.config)
        owner = _owner(source_package)
        # the whole listing ends by the gather's deadline, however slowly the source answers
        deadline = time.monotonic() + tk.config.get("ckanext.metropole.harvest.gather_deadline")
        client = Client(deadline=deadline)
        adapter = ADAPTERS[config.protocol] if config.protocol != "auto" else detect(client, source.url)
        listing = Listing()
        # a run from a terminal (ckan harvester run-test) shows the listing's progress; a
        # queue consumer's log does not fill with progress bars
        read = tqdm(
            adapter.datasets(client, source.url, config, listing),
            desc=str(N_("Datasets read")),
            unit="",
            file=sys.stderr,
            disable=not sys.stderr.isatty(),
            mininterval=1,
            ascii=True,
        )
        for remote in read:
            if time.monotonic() > deadline:
                raise HarvestError(past_deadline(), code=HarvestError.DEADLINE)
            mapped = screening.prepare(remote, owner, portal, config, listing)
            if mapped is None:
                continue  # refused alone, its reason noted: the others are still read
            digest = mapping.content_hash(mapped.dataset)
            # a listing may repeat an item across pages; several datasets may share one
            # identifier (see screening.Duplicates for which one is kept)
            seen_as = duplicates.sort(remote, digest)
            if seen_as in (screening.REPEATED, screening.OLDER):
                continue
            seen.add(remote.remote_id)
            if seen_as == screening.NEWER:
                if rewrite_object(job.id, remote.remote_id, _content(mapped), digest, rows, extras):
                    continue
                unchanged.remove(remote.remote_id)
            old = previous.get(remote.remote_id)
            if is_unchanged(old, digest):
                unchanged.append(remote.remote_id)
                continue
            content = _content(mapped)
            obj_id = model.types.make_uuid()
            rows.append(
                {
                    "id": obj_id,
                    "guid": remote.remote_id,
                    "harvest_job_id": job.id,
                    "harvest_source_id": source.id,
                    "state": "WAITING",
                    "current": False,
                    "gathered": now,
                    "retry_times": 0,
                    "content": content,
                }
            )
            extras.append(
                {"id": model.types.make_uuid(), "harvest_object_id": obj_id, "key": HASH_KEY, "value": digest}
            )
            extras.extend(batches.add(obj_id))
            if old is None and track_identity:
                identity.append((obj_id, identity_keys(mapped.dataset)))
            if len(rows) >= GATHER_BATCH:
                write_objects(rows, extras)
        write_objects(rows, extras)
    except (HarvestError, ValueError) as e:
        model.Session.rollback()
        HarvestGatherError.create(
            stored(N_("Harvest interrupted, nothing was changed or withdrawn: {error}", error=of(e))), job
        )
        return []
    except RecursionError:  # a parser met an answer nested thousands of levels deep
        model.Session.rollback()
        HarvestGatherError.create(
            stored(
                N_("Harvest interrupted, nothing was changed or withdrawn: {error}", error=screening.TOO_DEEP)
            ),
            job,
        )
        return []
    except Exception as e:  # a bug must not wipe anything either: report it and stop
        model.Session.rollback()
        log.exception("gather failed for %s", source.url)
        HarvestGatherError.create(
            stored(
                N_(
                    "Unexpected error ({type}), nothing was changed or withdrawn: {error}",
                    type=type(e).__name__,
                    error=str(e),
                )
            ),
            job,
        )
        return []

    for note in duplicates.notes():
        job_note(job, now, note)
    settle(job, source, now, listing, config, previous, seen, identity, batches)

    # Unchanged datasets: one row each, in bulk, so the job report counts them.
    model.Session.bulk_insert_mappings(
        HarvestObject,
        [
            {
                "id": model.types.make_uuid(),
                "guid": guid,
                "harvest_job_id": job.id,
                "harvest_source_id": source.id,
                "state": "COMPLETE",
                "report_status": "not modified",
                "current": False,
                "gathered": now,
                "import_finished": now,
            }
            for guid in unchanged
        ],
    )
    model.Session.commit()
    return batches.first_objects
