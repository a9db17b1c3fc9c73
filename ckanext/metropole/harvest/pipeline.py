"""The shared harvest pipeline of every protocol, on ckanext-harvest's stages.

gather: read the whole remote catalogue, map each dataset into our schema and hash it.
  Only new or changed datasets become harvest objects for fetch/import; unchanged ones are
  recorded as "not modified" and never rewritten (no package_update, no activity, no
  re-index). Datasets gone from the source are withdrawn only when the listing completed
  without error and their share stays within max_withdrawal_ratio.
fetch: nothing left to fetch (the listings carry full metadata).
import: create, update (restoring a withdrawn dataset) or withdraw (package_delete).
"""
from __future__ import annotations

import datetime as dt
import json
import logging
from itertools import zip_longest
from urllib.parse import urlsplit

import ckan.model as model
import ckan.plugins.toolkit as tk
import sqlalchemy as sa
from ckanext.harvest.model import HarvestGatherError, HarvestObject, HarvestObjectError, HarvestObjectExtra

from . import indexing, mapping, sourceconfig
from .errors import HarvestError
from .http import Client
from .model import Listing
from .protocols import ADAPTERS, detect

log = logging.getLogger(__name__)
HASH_KEY = "metropole_hash"
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
        raise HarvestError("La source n'a pas d'organisation propriétaire : choisissez la commune qui "
                           "recevra les jeux de données.")
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


def gather(harvester, job) -> list[str]:
    source = job.source
    source_package = model.Package.get(source.id)
    try:
        config = sourceconfig.parse(source.config)
        owner = _owner(source_package)
        client = Client()
        adapter = ADAPTERS[config.protocol] if config.protocol != "auto" else detect(client, source.url)
        listing = Listing()
        remotes = list(adapter.datasets(client, source.url, config, listing))
    except (HarvestError, ValueError) as e:
        HarvestGatherError.create(f"Moissonnage interrompu, rien n'a été modifié ni retiré : {e}", job)
        return []
    except Exception as e:  # a bug must not wipe anything either: report it and stop
        log.exception("gather failed for %s", source.url)
        HarvestGatherError.create(f"Erreur inattendue ({type(e).__name__}), rien n'a été modifié ni retiré : {e}",
                                  job)
        return []

    previous = _previous(source.id)
    portal = _portal_name(source, source_package)
    now = dt.datetime.utcnow()
    to_fetch, unchanged, seen, new = [], [], set(), []
    for remote in remotes:
        if remote.remote_id in seen:
            continue  # a listing may repeat an item across pages
        seen.add(remote.remote_id)
        mapped = mapping.to_dataset(remote, owner, portal, config)
        digest = mapping.content_hash(mapped.dataset)
        old = previous.get(remote.remote_id)
        if old and old[3] == digest and old[2] == "active":
            unchanged.append(remote.remote_id)
            continue
        content = {"action": "upsert", "dataset": mapped.dataset, "notes": mapped.notes}
        if old is None:
            new.append(content)
        obj = HarvestObject(guid=remote.remote_id, job=job, extras=[HarvestObjectExtra(key=HASH_KEY, value=digest)])
        model.Session.add(obj)
        to_fetch.append((obj, content))

    gone = {guid: package_id for guid, (_, package_id, state, _) in previous.items()
            if guid not in seen and package_id}
    moved = _same_dataset_elsewhere(new, gone)
    for obj, content in to_fetch:
        obj.content = json.dumps(content, ensure_ascii=False)
    to_fetch = [obj for obj, _ in to_fetch]
    vanished = [guid for guid, (_, package_id, state, _) in previous.items()
                if guid not in seen and package_id and state == "active" and package_id not in moved]
    if not listing.complete:
        # a short listing is not the catalogue: import what was read, withdraw nothing, and
        # say so as a warning (the datasets read are not refused: no job error)
        _job_note(job, now,
                  f"Liste incomplète : la source annonce {listing.announced} jeux de données, {listing.read} lus"
                  + (f" ({listing.stopped})" if listing.stopped else "") + ". Les jeux lus sont importés ; "
                  "aucun jeu n'est retiré tant que la liste n'est pas complète.")
        vanished = []
    active = sum(1 for (_, package_id, state, _) in previous.values() if package_id and state == "active")
    if vanished:
        share = len(vanished) / active if active else 1.0
        if share > config.max_withdrawal_ratio:
            # no dataset was refused: a warning for the operator, not a job error
            _job_note(job, now,
                      f"Retrait refusé : {len(vanished)} jeux sur {active} ({share:.0%}) ont disparu de la source, "
                      f"au-delà du seuil de {config.max_withdrawal_ratio:.0%} (max_withdrawal_ratio). Rien n'a "
                      "été retiré : vérifiez la source.")
        else:
            for guid in vanished:
                obj = HarvestObject(guid=guid, job=job, content=json.dumps({"action": "withdraw"}))
                model.Session.add(obj)
                to_fetch.append(obj)

    # Unchanged datasets: one row each, in bulk, so the job report counts them.
    model.Session.bulk_insert_mappings(HarvestObject, [
        {"id": model.types.make_uuid(), "guid": guid, "harvest_job_id": job.id, "harvest_source_id": source.id,
         "state": "COMPLETE", "report_status": "not modified", "current": False, "gathered": now,
         "import_finished": now}
        for guid in unchanged])
    model.Session.commit()
    return [obj.id for obj in to_fetch]


def _job_note(job, now, message: str) -> None:
    obj = HarvestObject(guid=JOB_NOTE_GUID, job=job, state="COMPLETE", report_status=JOB_NOTE_STATUS,
                        current=False, gathered=now, import_finished=now,
                        extras=[HarvestObjectExtra(key=WARNING_KEY, value=message)])
    model.Session.add(obj)


def _same_dataset_elsewhere(new: list[dict], gone: dict[str, str]) -> set[str]:
    """Identity across a platform change (Opendatasoft API -> its DCAT export, CKAN -> udata):
    a dataset listed under a new identifier with the landing page, or a distribution URL, of
    one gone from the listing is the same dataset. Its content then names the package to
    update (no duplicate, no withdraw-then-create). Returns the package ids taken over."""
    if not new or not gone:
        return set()
    package_ids = set(gone.values())
    by_url: dict[str, str] = {}
    for package_id, url in (model.Session.query(model.PackageExtra.package_id, model.PackageExtra.value)
                            .filter(model.PackageExtra.package_id.in_(package_ids),
                                    model.PackageExtra.key == "harvest_landing_page",
                                    model.PackageExtra.state == "active")):
        if url:
            by_url.setdefault(_url_key(url), package_id)
    for package_id, url in (model.Session.query(model.Resource.package_id, model.Resource.url)
                            .filter(model.Resource.package_id.in_(package_ids), model.Resource.state == "active")):
        if url:
            by_url.setdefault(_url_key(url), package_id)
    taken = set()
    for content in new:
        dataset = content["dataset"]
        urls = [dataset.get("harvest_landing_page")] + [r.get("url") for r in dataset.get("resources") or []]
        match = next((by_url[_url_key(u)] for u in urls if u and _url_key(u) in by_url
                      and by_url[_url_key(u)] not in taken), None)
        if match:
            taken.add(match)
            content["same_as"] = match
    return taken


def _url_key(url: str) -> str:
    parts = urlsplit(url.strip())
    return f"{(parts.hostname or '').lower()}{parts.path.rstrip('/')}?{parts.query}"


def fetch(harvest_object) -> bool:
    return True


def job_warnings(job_id: str, limit: int = 200) -> list[str]:
    """The job's warnings (not errors), for its page and its API: notes on the whole job (a
    short listing) first, then those on datasets that landed."""
    return [value for (value,) in model.Session.query(HarvestObjectExtra.value)
            .join(HarvestObject, HarvestObject.id == HarvestObjectExtra.harvest_object_id)
            .filter(HarvestObject.harvest_job_id == job_id, HarvestObjectExtra.key == WARNING_KEY)
            .order_by(HarvestObject.guid != JOB_NOTE_GUID, HarvestObjectExtra.value).limit(limit)]


def _error(harvest_object, message: str) -> bool:
    HarvestObjectError.create(message, harvest_object, "Import")
    return False


def import_object(harvest_object):
    result = _import(harvest_object)
    if _last_of_job(harvest_object):
        indexing.commit()  # the job's datasets were indexed without commit: once, now
    return result


def _last_of_job(harvest_object) -> bool:
    """No other object of the job waits or runs (two consumers finishing together may both
    see the other: then Solr's autoSoftCommit, not this commit, shows the last datasets)."""
    return model.Session.query(HarvestObject.id).filter(
        HarvestObject.harvest_job_id == harvest_object.harvest_job_id, HarvestObject.id != harvest_object.id,
        HarvestObject.state.in_(["WAITING", "FETCH", "IMPORT"])).first() is None


def _import(harvest_object):
    content = json.loads(harvest_object.content or "{}")
    previous = (model.Session.query(HarvestObject)
                .filter(HarvestObject.guid == harvest_object.guid,
                        HarvestObject.harvest_source_id == harvest_object.harvest_source_id,
                        HarvestObject.current.is_(True), HarvestObject.id != harvest_object.id).first())
    # the source id lets metropole_review apply the source's "review" setting
    context = {"user": _site_user(), "ignore_auth": True,
               "metropole_harvest_source_id": harvest_object.harvest_source_id}
    if content.get("action") == "withdraw":
        if previous is None or not previous.package_id:
            return "unchanged"
        tk.get_action("package_delete")(context, {"id": previous.package_id})
        previous.current = False
        harvest_object.package_id = previous.package_id
        harvest_object.current = False
        harvest_object.save()
        previous.save()
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
        existing = model.Package.get(dataset["name"])
        if existing is not None:
            if not _owned_by_source(existing.id, harvest_object.harvest_source_id):
                return _error(harvest_object, f"L'adresse « {dataset['name']} » est déjà prise par un jeu de données "
                                              "qui ne vient pas de cette source : rien n'a été écrasé.")
            package_id = existing.id
    notes = list(content.get("notes") or [])
    for _ in range(2):
        try:
            _save(harvest_object, previous, package_id, dataset, context)
            break
        except tk.ValidationError as e:
            model.Session.rollback()  # the previous object stays the current one
            details = "; ".join(f"{k} : {', '.join(map(str, v)) if isinstance(v, list) else v}"
                                for k, v in e.error_dict.items())
            repaired, dropped = _without_invalid(dataset, e.error_dict)
            if not dropped:
                return _error(harvest_object, f"Jeu « {dataset.get('title')} » refusé par le schéma : {details}")
            # one bad secondary field never costs the dataset: drop it, say so, save again
            notes.append(f"champ(s) invalide(s) ignoré(s) : {details}")
            dataset = repaired
    else:
        return _error(harvest_object, f"Jeu « {dataset.get('title')} » refusé par le schéma.")
    for note in notes:
        model.Session.add(HarvestObjectExtra(harvest_object_id=harvest_object.id, key=WARNING_KEY,
                                             value=f"« {dataset.get('title')} » : {note}"))
    model.Session.commit()
    return True


def _save(harvest_object, previous, package_id, dataset, context) -> None:
    # As ckanext-harvest's own harvesters do: this object is the current one and carries the
    # package id *before* package_create/update, so that the harvest plugin's index hook
    # (before_dataset_index) finds it and indexes harvest_source_id / harvest_object_id /
    # harvest_source_title (the source page and package_search fq=harvest_source_id need them).
    if previous is not None:
        previous.current = False
    if package_id is None:
        dataset = {**dataset, "id": dataset.get("id") or model.types.make_uuid()}
    harvest_object.package_id = package_id or dataset["id"]
    harvest_object.current = True
    harvest_object.add()
    # the package row does not exist yet for a creation: check the foreign key at commit
    model.Session.execute(sa.text("SET CONSTRAINTS harvest_object_package_id_fkey DEFERRED"))
    model.Session.flush()
    # return_id_only: the dataset written is not read back (package_show) for nothing; its
    # index is written once, after the action (see indexing.py), without a Solr commit
    context = dict(context, return_id_only=True)
    with indexing.deferred() as written:
        if package_id:
            tk.get_action("package_update")(dict(context, allow_state_change=True),
                                             {**dataset, "id": package_id, "state": "active"})
        else:
            tk.get_action("package_create")(dict(context), dataset)
    indexing.flush(written)


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
