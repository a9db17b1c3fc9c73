"""Import: create, update (restoring a withdrawn dataset) or withdraw (package_delete) the
datasets of harvest objects, by batches of a job's objects in one transaction
(ckanext.metropole.harvest.import_batch), or one object at a time."""

from __future__ import annotations

import functools
import json
import logging
from itertools import zip_longest

import ckan.model as model
import ckan.plugins.toolkit as tk
import sqlalchemy as sa
from ckanext.harvest.model import HarvestObject, HarvestObjectError, HarvestObjectExtra

from ...messages import N_, from_payload, stored
from ..commit import commit_indexing_new_datasets_once
from ..patches import batch_scope
from .records import WARNING_KEY

log = logging.getLogger(__name__)
ESSENTIAL = {"id", "name", "title", "owner_org", "state"}


def _site_user() -> str:
    return tk.get_action("get_site_user")({"ignore_auth": True}, {})["name"]


@functools.lru_cache(maxsize=4)
def _territory_codes(job_id: str) -> frozenset:
    """The territory's INSEE codes (which the dataset schema's communes validator takes from
    the context), read once per job by each consumer: reading the territory costs more than a
    batch's worth of datasets, and communes do not join or leave during a harvest."""
    return frozenset(
        c["insee_code"]
        for metro in tk.get_action("metropole_territory_show")({"ignore_auth": True}, {})
        for c in metro["communes"]
        if c["insee_code"]
    )


def import_batch(objects: list) -> dict:
    """Import the objects in one transaction (CKAN's defer_commit): one commit, at which CKAN
    indexes the batch's datasets. A dataset refused by the schema makes CKAN roll back the
    transaction: the batch is then imported again one object at a time."""
    user = _site_user()
    # the user object given, CKAN's access checks do not look it up again for each action
    base = {
        "user": user,
        "auth_user_obj": model.User.get(user),
        "ignore_auth": True,
        "metropole_territory_codes": _territory_codes(objects[0].harvest_job_id),
    }
    if len(objects) > 1:
        try:
            with batch_scope():
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
        return _error(
            harvest_object,
            N_(
                "Import interrupted, the dataset was not changed ({type}: {error}). The "
                "next harvest will try again.",
                type=type(e).__name__,
                error=str(e)[:500],
            ),
        )


class _Known:
    """What the import of some objects reads at once, not once per object: their contents, the
    current object (of an earlier job) of each of their remote datasets, and which of the
    addresses of their new datasets are taken."""

    def __init__(self, contents: dict, previous: dict, taken: dict):
        # object id -> content; guid -> HarvestObject; address -> package id
        self.contents, self.previous, self.taken = contents, previous, taken

    @classmethod
    def read(cls, objects: list) -> _Known:
        contents = {obj.id: json.loads(obj.content or "{}") for obj in objects}
        previous = {
            row.guid: row
            for row in model.Session.query(HarvestObject).filter(
                HarvestObject.harvest_source_id == objects[0].harvest_source_id,
                HarvestObject.current.is_(True),
                HarvestObject.guid.in_({o.guid for o in objects}),
                HarvestObject.id.notin_(list(contents)),
            )
        }
        names = {
            (contents[obj.id].get("dataset") or {}).get("name") for obj in objects if obj.guid not in previous
        }
        names.discard(None)
        taken = (
            dict(
                model.Session.query(model.Package.name, model.Package.id).filter(
                    model.Package.name.in_(names)
                )
            )
            if names
            else {}
        )
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
        previous = (
            model.Session.query(HarvestObject)
            .filter(
                HarvestObject.package_id == content["same_as"],
                HarvestObject.current.is_(True),
                HarvestObject.harvest_source_id == harvest_object.harvest_source_id,
            )
            .first()
        )
        if previous is not None:
            existing = model.Package.get(content["same_as"])
            dataset = {**dataset, "name": existing.name if existing else dataset["name"]}
    package_id = previous.package_id if previous else None
    if package_id is None:
        existing_id = known.taken.get(dataset["name"])
        if existing_id is not None:
            if not _owned_by_source(existing_id, harvest_object.harvest_source_id):
                return _error(
                    harvest_object,
                    N_(
                        "The address “{name}” is already taken by a dataset that does "
                        "not come from this source: nothing was overwritten.",
                        name=dataset["name"],
                    ),
                    batch,
                )
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
            details = [
                N_(
                    "{field}: {errors}",
                    field=k,
                    errors=", ".join(map(str, v)) if isinstance(v, list) else str(v),
                )
                for k, v in e.error_dict.items()
            ]
            repaired, dropped = _without_invalid(dataset, e.error_dict)
            if not dropped:
                return _error(
                    harvest_object,
                    N_(
                        "Dataset “{title}” refused by the schema: {details}",
                        title=str(dataset.get("title")),
                        details=details,
                    ),
                )
            # one bad secondary field never costs the dataset: drop it, say so, save again
            notes.append(N_("invalid field(s) ignored: {details}", details=details))
            dataset = repaired
    else:
        return _error(
            harvest_object, N_("Dataset “{title}” refused by the schema.", title=str(dataset.get("title")))
        )
    for note in notes:
        model.Session.add(
            HarvestObjectExtra(
                harvest_object_id=harvest_object.id,
                key=WARNING_KEY,
                value=stored(N_("“{title}”: {note}", title=str(dataset.get("title")), note=note)),
            )
        )
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
        tk.get_action("package_update")(
            dict(context, allow_state_change=True), {**dataset, "id": package_id, "state": "active"}
        )
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
            for resource, resource_errors in zip_longest(
                dataset.get("resources") or [], value[: len(dataset.get("resources") or [])], fillvalue={}
            ):
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
    return (
        model.Session.query(HarvestObject.id)
        .filter(HarvestObject.package_id == package_id, HarvestObject.harvest_source_id == source_id)
        .first()
        is not None
    )


def _error(harvest_object, message, batch: bool = False) -> bool:
    if batch:  # written with the batch, at its commit (HarvestObjectError.create commits)
        model.Session.add(
            HarvestObjectError(harvest_object_id=harvest_object.id, message=stored(message), stage="Import")
        )
    else:
        HarvestObjectError.create(stored(message), harvest_object, "Import")
    return False


class _Refused(Exception):
    """A dataset of a batch was refused by the schema: CKAN rolled the batch's transaction back."""
