"""Gather's diff of the listing against the source's current objects: unchanged datasets are
never rewritten; datasets gone from the source are withdrawn only when the listing completed
without error and their share stays within max_withdrawal_ratio."""

from __future__ import annotations

import json

import ckan.model as model
from ckanext.harvest.model import HarvestObject, HarvestObjectError, HarvestObjectExtra

from ...messages import N_, stored
from .identity import same_dataset_elsewhere
from .records import HASH_KEY, JOB_NOTE_GUID, JOB_NOTE_STATUS, WARNING_KEY, write_objects


def previous_objects(source_id: str) -> dict[str, tuple]:
    """guid -> (harvest object id, package id, package state, stored hash) of the current objects."""
    rows = (
        model.Session.query(
            HarvestObject.guid,
            HarvestObject.id,
            HarvestObject.package_id,
            model.Package.state,
            HarvestObjectExtra.value,
        )
        .outerjoin(model.Package, model.Package.id == HarvestObject.package_id)
        .outerjoin(
            HarvestObjectExtra,
            (HarvestObjectExtra.harvest_object_id == HarvestObject.id) & (HarvestObjectExtra.key == HASH_KEY),
        )
        .filter(HarvestObject.harvest_source_id == source_id, HarvestObject.current.is_(True))
    )
    return {guid: (obj_id, package_id, state, digest) for guid, obj_id, package_id, state, digest in rows}


def is_unchanged(old: tuple | None, digest: str) -> bool:
    """The remote dataset is the one an earlier run imported, still active here."""
    return bool(old and old[3] == digest and old[2] == "active")


def settle(job, source, now, listing, config, previous: dict, seen: set, identity: list, batches) -> None:
    """After the listing: what it could not read, the datasets that moved (identity), and the
    withdrawal of those gone from a complete listing, within max_withdrawal_ratio."""
    refused(job, source, now, listing.refused)
    gone = {
        guid: package_id
        for guid, (_, package_id, state, _) in previous.items()
        if guid not in seen and package_id
    }
    moved = same_dataset_elsewhere(identity, gone)
    vanished = [
        guid
        for guid, (_, package_id, state, _) in previous.items()
        if guid not in seen and package_id and state == "active" and package_id not in moved
    ]
    if listing.refused and not listing.stopped and listing.read >= (listing.announced or 0):
        job_note(
            job,
            now,
            N_(
                "{count} dataset(s) listed by the source could not be read (see the errors): no "
                "dataset is withdrawn until every one can be.",
                count=len(listing.refused),
            ),
        )
        vanished = []
    elif not listing.complete:
        # a short listing is not the catalogue: import what was read, withdraw nothing, and
        # say so as a warning (the datasets read are not refused: no job error)
        if listing.stopped:
            note = N_(
                "Incomplete listing: the source announces {announced} datasets, {read} read ({why}). The "
                "datasets read are imported; no dataset is withdrawn until the listing is complete.",
                announced=listing.announced,
                read=listing.read,
                why=listing.stopped,
            )
        else:
            note = N_(
                "Incomplete listing: the source announces {announced} datasets, {read} read. The "
                "datasets read are imported; no dataset is withdrawn until the listing is complete.",
                announced=listing.announced,
                read=listing.read,
            )
        job_note(job, now, note)
        vanished = []
    active = sum(1 for (_, package_id, state, _) in previous.values() if package_id and state == "active")
    if vanished:
        share = len(vanished) / active if active else 1.0
        if share > config.max_withdrawal_ratio:
            # no dataset was refused: a warning for the operator, not a job error
            job_note(
                job,
                now,
                N_(
                    "Withdrawal refused: {gone} datasets of {active} ({share:.0%}) have vanished from the "
                    "source, beyond the threshold of {threshold:.0%} (max_withdrawal_ratio). Nothing was "
                    "withdrawn: check the source.",
                    gone=len(vanished),
                    active=active,
                    share=share,
                    threshold=config.max_withdrawal_ratio,
                ),
            )
        else:
            extras = []
            for guid in vanished:
                obj = HarvestObject(
                    guid=guid,
                    job=job,
                    harvest_source_id=source.id,
                    content=json.dumps({"action": "withdraw"}),
                )
                model.Session.add(obj)
                model.Session.flush()
                extras.extend(batches.add(obj.id))
            write_objects([], extras)


REFUSED_GUID = "metropole:refused:{}"


def refused(job, source, now, messages: list) -> None:
    """Each listed item that could not be read (no identifier…) is one refused dataset: an
    errored object of its own, so that the job counts it among its errors and shows why."""
    for n, message in enumerate(messages[:1000]):
        obj = HarvestObject(
            guid=REFUSED_GUID.format(n),
            job=job,
            harvest_source_id=source.id,
            state="ERROR",
            report_status="errored",
            current=False,
            gathered=now,
            import_finished=now,
        )
        model.Session.add(obj)
        model.Session.flush()
        model.Session.add(
            HarvestObjectError(harvest_object_id=obj.id, message=stored(message), stage="Fetch")
        )


def job_note(job, now, message) -> None:
    obj = HarvestObject(
        guid=JOB_NOTE_GUID,
        job=job,
        state="COMPLETE",
        report_status=JOB_NOTE_STATUS,
        current=False,
        gathered=now,
        import_finished=now,
        extras=[HarvestObjectExtra(key=WARNING_KEY, value=stored(message))],
    )
    model.Session.add(obj)
