"""Batched import: gather forms batches of a job's objects and sends one fetch-queue message per
batch; its consumer imports the batch in one transaction, its objects claimed with SELECT … FOR
UPDATE SKIP LOCKED; the objects of a batch are reported as if each had been imported alone, and
an object another consumer holds is never taken."""

from __future__ import annotations

import json

import ckan.lib.plugins as lib_plugins
import ckan.model as model
import pysolr
import pytest
import sqlalchemy as sa
from ckan.tests import helpers
from ckanext.activity.model import Activity
from ckanext.harvest import queue
from ckanext.harvest.model import HarvestJob, HarvestObject, HarvestObjectExtra

from .conftest import harvested, serve_ods


def _gathered_job(portal, make_source):
    serve_ods(portal)
    source = make_source(portal.url, owner="royat")
    sysadmin = helpers.call_action("get_site_user", context={"ignore_auth": True})
    job = HarvestJob.get(
        helpers.call_action(
            "harvest_job_create", context={"user": sysadmin["name"]}, source_id=source["id"], run=False
        )["id"]
    )
    job.status = "Running"
    job.save()
    harvester = queue.get_harvester("intercommunal")
    ids = queue.gather_stage(harvester, job)
    return harvester, job, ids


def _job_objects(job) -> dict:
    model.Session.expire_all()
    return {o.id: o for o in model.Session.query(HarvestObject).filter_by(harvest_job_id=job.id)}


def _batch_of(obj_id: str):
    return (
        model.Session.query(HarvestObjectExtra.value)
        .filter_by(harvest_object_id=obj_id, key="metropole_import_batch")
        .scalar()
    )


@pytest.mark.ckan_config("ckanext.metropole.harvest.import_batch", "2")
def test_gather_sends_one_message_per_batch_and_reports_each_object(portal, make_source, small_pages):
    harvester, job, ids = _gathered_job(portal, make_source)
    objects = _job_objects(job)
    assert len(objects) == 5
    # batches of 2, 2 and 1: one fetch-queue message each, its first object
    assert len(ids) == 3
    batches = {}
    for obj_id in objects:
        batches.setdefault(_batch_of(obj_id) or obj_id, []).append(obj_id)
    assert sorted(batches) == sorted(ids)
    assert sorted(len(members) for members in batches.values()) == [1, 2, 2]
    for obj_id in ids:
        queue.fetch_and_import_stages(harvester, HarvestObject.get(obj_id))
    objects = _job_objects(job)
    assert sorted(o.report_status for o in objects.values()) == ["added"] * 5
    assert all(o.state == "COMPLETE" and o.current and o.import_finished for o in objects.values())
    assert len(harvested("royat")) == 5
    # what ckanext-harvest's harvest_jobs_run reads to finish the job and to report it
    helpers.call_action("harvest_jobs_run", context={"ignore_auth": True}, source_id=job.source_id)
    shown = helpers.call_action("harvest_job_show", context={"ignore_auth": True}, id=job.id)
    assert shown["status"] == "Finished"
    assert shown["stats"]["added"] == 5


def test_an_object_held_by_another_consumer_is_not_claimed(portal, make_source, small_pages):
    harvester, job, ids = _gathered_job(portal, make_source)
    assert len(ids) == 1  # 5 objects, one batch
    first = ids[0]
    held = next(obj_id for obj_id in _job_objects(job) if obj_id != first)
    with model.meta.engine.connect() as other:  # another consumer, busy with `held`
        transaction = other.begin()
        other.execute(sa.text("SELECT id FROM harvest_object WHERE id = :id FOR UPDATE"), {"id": held})
        queue.fetch_and_import_stages(harvester, HarvestObject.get(first))
        transaction.rollback()
    states = {obj_id: o.state for obj_id, o in _job_objects(job).items()}
    assert states[held] == "WAITING"
    assert sorted(states.values()) == ["COMPLETE"] * 4 + ["WAITING"]
    # its own message (harvest_jobs_run sends WAITING objects again): imported alone
    queue.fetch_and_import_stages(harvester, HarvestObject.get(held))
    assert len(harvested("royat")) == 5
    assert sorted(o.report_status for o in _job_objects(job).values()) == ["added"] * 5


def test_an_object_sent_again_before_its_batch_is_imported_once(portal, make_source, small_pages):
    """An object of a batch whose first object waits in the queue, sent again on its own, is
    imported by its own consumer; the batch then imports the others, not that one again."""
    harvester, job, ids = _gathered_job(portal, make_source)
    first = ids[0]
    alone = next(obj_id for obj_id in _job_objects(job) if obj_id != first)
    queue.fetch_and_import_stages(harvester, HarvestObject.get(alone))
    assert len(harvested("royat")) == 1
    queue.fetch_and_import_stages(harvester, HarvestObject.get(first))
    objects = _job_objects(job)
    assert sorted(o.report_status for o in objects.values()) == ["added"] * 5
    assert len(harvested("royat")) == 5
    assert len({o.package_id for o in objects.values()}) == 5
    # and sent once more after its batch: reported from its row, not imported again
    activities = model.Session.query(Activity).filter(Activity.object_id == objects[alone].package_id).count()
    queue.fetch_and_import_stages(harvester, HarvestObject.get(alone))
    assert (
        model.Session.query(Activity).filter(Activity.object_id == objects[alone].package_id).count()
        == activities
    )


class SentDocuments(list):
    requests: list


@pytest.mark.ckan_config("ckanext.metropole.harvest.import_batch", "2")
def test_a_reimport_imports_every_current_object_batched_or_not(portal, make_source, small_pages):
    """`ckan harvester import` (harvest_objects_import) runs the import stage again on the
    source's current objects: each is imported again, those once claimed by a batch included."""
    harvester, job, ids = _gathered_job(portal, make_source)
    for obj_id in ids:
        queue.fetch_and_import_stages(harvester, HarvestObject.get(obj_id))
    names = harvested("royat")
    titles = {name: model.Package.get(name).title for name in names}
    assert len(titles) == 5
    sysadmin = helpers.call_action("get_site_user", context={"ignore_auth": True})
    for name in names:  # edited on the portal by hand since
        helpers.call_action(
            "package_patch", context={"user": sysadmin["name"]}, id=name, title="Modifié à la main"
        )
    assert (
        helpers.call_action(
            "harvest_objects_import", context={"user": sysadmin["name"]}, source_id=job.source_id
        )
        == 5
    )
    model.Session.expire_all()
    assert {name: model.Package.get(name).title for name in names} == titles


@pytest.fixture
def solr_updates(monkeypatch):
    """The documents Solr update requests carry (spied, Solr still answers); ``sent.requests``:
    the documents of each request."""
    sent = SentDocuments()
    sent.requests = []
    real = pysolr.Solr.add

    def add(self, docs, *args, **kwargs):
        sent.extend(doc["id"] for doc in docs)
        sent.requests.append([doc["id"] for doc in docs])
        return real(self, docs, *args, **kwargs)

    monkeypatch.setattr(pysolr.Solr, "add", add)
    return sent


@pytest.mark.ckan_config("ckanext.metropole.harvest.import_batch", "5")
def test_a_batch_indexes_each_new_dataset_once_and_fully(
    portal, make_source, small_pages, solr_updates, monkeypatch
):
    harvester, job, ids = _gathered_job(portal, make_source)
    del solr_updates[:], solr_updates.requests[:]
    validated = []
    real_validate = lib_plugins.plugin_validate

    def validate(plugin, context, data_dict, schema, action):
        validated.append((action, data_dict.get("name")))
        return real_validate(plugin, context, data_dict, schema, action)

    monkeypatch.setattr(lib_plugins, "plugin_validate", validate)
    queue.fetch_and_import_stages(harvester, HarvestObject.get(ids[0]))  # the whole batch of 5
    names = harvested("royat")
    assert len(names) == 5
    ids_ = sorted(model.Package.get(name).id for name in names)
    assert sorted(solr_updates) == ids_  # once each (CKAN's commit alone: twice each)
    assert len(solr_updates.requests) == 1  # in one update request (CKAN's indexer: one each)
    # the show schema's validation, once per dataset: the activity's, which the indexer reuses
    shows = [name for action, name in validated if action == "package_show"]
    assert sorted(shows) == sorted(names)
    # what the index holds is whole: resources, harvest fields, our fields
    found = helpers.call_action("package_search", fq=f'harvest_source_id:"{job.source_id}"', rows=10)[
        "results"
    ]
    assert len(found) == 5
    for indexed in found:  # the index holds what the database holds
        shown = helpers.call_action("package_show", id=indexed["id"])
        for key in ("title", "theme", "communes", "license_id", "metadata_modified"):
            assert indexed.get(key) == shown.get(key), key
        assert [r["url"] for r in indexed["resources"]] == [r["url"] for r in shown["resources"]]
    for fq in ("harvest_object_id:*", "communes:*"):  # fields the index hooks add
        assert helpers.call_action("package_search", fq=fq, rows=0)["count"] == 5, fq


@pytest.mark.ckan_config("ckanext.metropole.harvest.import_batch", "5")
def test_a_batch_solr_refuses_is_not_kept(portal, make_source, small_pages, monkeypatch):
    """Solr refusing the batch's update fails the batch's commit, as it fails CKAN's: no dataset
    is kept that the index does not hold. Each object is then tried alone and, Solr still
    refusing, errs with the reason (as ckanext-harvest's harvesters record an exception): the
    job ends, and the next harvest, Solr back, imports them."""
    harvester, job, ids = _gathered_job(portal, make_source)
    real = pysolr.Solr.add
    tried = []

    def refusing(self, docs, *args, **kwargs):
        tried.append(len(docs))
        raise pysolr.SolrError("Solr is full")

    monkeypatch.setattr(pysolr.Solr, "add", refusing)
    queue.fetch_and_import_stages(harvester, HarvestObject.get(ids[0]))
    assert tried == [5, 1, 1, 1, 1, 1]  # the batch, then each alone
    assert harvested("royat") == []
    assert (
        model.Session.query(Activity)
        .filter(Activity.activity_type == "new package", Activity.object_id != job.source_id)
        .count()
        == 0
    )
    objects = _job_objects(job)
    assert (
        sorted((o.state, o.report_status, o.current) for o in objects.values())
        == [("ERROR", "errored", False)] * 5
    )
    for obj in objects.values():
        assert [e.stage for e in obj.errors] == ["Import"]
        assert "Solr is full" in obj.errors[0].message
    monkeypatch.setattr(pysolr.Solr, "add", real)
    assert (
        helpers.call_action("package_search", fq=f'harvest_source_id:"{job.source_id}"', rows=0)["count"] == 0
    )
    helpers.call_action("harvest_jobs_run", context={"ignore_auth": True}, source_id=job.source_id)
    assert (
        helpers.call_action("harvest_job_show", context={"ignore_auth": True}, id=job.id)["status"]
        == "Finished"
    )
    # the next harvest, Solr back
    sysadmin = helpers.call_action("get_site_user", context={"ignore_auth": True})
    again = HarvestJob.get(
        helpers.call_action(
            "harvest_job_create", context={"user": sysadmin["name"]}, source_id=job.source_id, run=False
        )["id"]
    )
    again.status = "Running"
    again.save()
    for obj_id in queue.gather_stage(harvester, again):
        queue.fetch_and_import_stages(harvester, HarvestObject.get(obj_id))
    assert len(harvested("royat")) == 5
    assert (
        helpers.call_action("package_search", fq=f'harvest_source_id:"{job.source_id}"', rows=0)["count"] == 5
    )


@pytest.mark.ckan_config("ckanext.metropole.harvest.import_batch", "5")
def test_a_batch_does_not_look_up_its_own_datasets_in_the_index(
    portal, make_source, small_pages, monkeypatch
):
    """The activity stream's snapshot of a new dataset (package_show) skips the Solr lookup of a
    dataset the batch's open transaction wrote (it cannot be indexed yet), and shares its
    dictization with the indexer: the snapshot and the index hold what they would without."""
    import ckan.lib.search as search

    looked_up = []
    real = search.show
    monkeypatch.setattr(search, "show", lambda reference: looked_up.append(reference) or real(reference))
    harvester, _job, ids = _gathered_job(portal, make_source)
    queue.fetch_and_import_stages(harvester, HarvestObject.get(ids[0]))  # the whole batch of 5
    packages = [model.Package.get(name) for name in harvested("royat")]
    assert len(packages) == 5
    assert not {p.id for p in packages} & set(looked_up)
    for pkg in packages:
        # (the site user's activities are left out of package_activity_list by CKAN's default
        # ckan.hide_activity_from_users: read from the table)
        activity = model.Session.query(Activity).filter_by(object_id=pkg.id).one()
        assert activity.activity_type == "new package"
        stored = activity.data["package"]
        # the snapshot is package_show's reading of the database, as without the shared reads
        assert stored == json.loads(
            json.dumps(helpers.call_action("package_show", context={"use_cache": False}, id=pkg.id))
        )
        # and the index holds what CKAN's own re-indexing of the committed dataset writes
        indexed = search.show(pkg.id)
        search.rebuild(pkg.id)
        rebuilt = search.show(pkg.id)
        for key in ("data_dict", "validated_data_dict"):
            assert json.loads(indexed[key]) == json.loads(rebuilt[key]), key
    # outside a transaction that wrote it, package_show still reads the index's copy
    del looked_up[:]
    helpers.call_action("package_show", id=packages[0].id)
    assert looked_up == [packages[0].id]


@pytest.fixture
def user_selects():
    """The SELECT statements that look a user up."""
    seen = []

    def count(conn, cursor, statement, params, context, executemany):
        # (a user looked up by name or id; not the members of a group, joined to the user table)
        if statement.lstrip().startswith("SELECT") and 'FROM "user" \nWHERE' in statement:
            seen.append(statement)

    sa.event.listen(model.meta.engine, "before_cursor_execute", count)
    yield seen
    sa.event.remove(model.meta.engine, "before_cursor_execute", count)


@pytest.mark.ckan_config("ckanext.metropole.harvest.import_batch", "5")
def test_a_batch_looks_its_writer_up_once_not_per_dataset(portal, make_source, small_pages, user_selects):
    harvester, _job, ids = _gathered_job(portal, make_source)
    del user_selects[:]
    queue.fetch_and_import_stages(harvester, HarvestObject.get(ids[0]))  # the whole batch of 5
    assert len(harvested("royat")) == 5
    # CKAN alone: four lookups of the site user per dataset; in a batch, one per dataset is
    # left (the activity's user check queries without the model's lookup) and a few per batch
    assert len(user_selects) <= 5 + 4, "\n\n".join(s[-300:] for s in user_selects)
    # the datasets were written by the site user, in the commune's organisation
    site_user = helpers.call_action("get_site_user", context={"ignore_auth": True})
    for name in harvested("royat"):
        pkg = model.Package.get(name)
        assert pkg.creator_user_id == model.User.get(site_user["name"]).id
        assert pkg.owner_org == model.Group.get("royat").id
    # replaced while the batch imported only (harvest/patches.py): CKAN's own again
    assert all(
        getattr(cls, name).__func__.__module__.startswith("ckan.model.")
        for cls, name in ((model.User, "get"), (model.User, "by_name"), (model.Group, "get"))
    )


def test_lookups_are_shared_inside_a_batch_only(user_selects):
    from ckanext.metropole.harvest.patches import batch_scope

    user = model.User(name="agent-lookup", email="agent@example.org", password="x" * 12)
    model.Session.add(user)
    model.Session.commit()
    del user_selects[:]
    assert model.User.get("agent-lookup") is user and model.User.get("agent-lookup") is user
    assert len(user_selects) == 2  # CKAN's own: a query each
    with batch_scope():
        del user_selects[:]
        assert model.User.get("agent-lookup") is user
        assert model.User.get("agent-lookup") is user
        assert model.User.by_name("agent-lookup") is user and model.User.by_name("agent-lookup") is user
        assert model.User.get(user.id) is user
        assert model.User.get("nobody-here") is None and model.User.get("nobody-here") is None
        # one query per reference and method; a miss is asked again
        assert len(user_selects) == 5
    del user_selects[:]
    user.name = "agent-renamed"
    model.Session.commit()
    assert model.User.get("agent-lookup") is None  # outside a batch: the database's answer
    assert model.User.get("agent-renamed") is user


@pytest.mark.ckan_config("ckanext.metropole.harvest.import_batch", "5")
def test_a_failure_in_one_dataset_costs_that_dataset_only(portal, make_source, small_pages, monkeypatch):
    """Something other than the schema failing on one dataset of a batch (a bug, a lost
    connection) rolls the batch back; its objects are then imported one at a time, and the
    one that fails again is that object's error, with the exception's name."""
    from ckanext.metropole.harvest.pipeline import importing

    harvester, job, ids = _gathered_job(portal, make_source)
    unlucky = sorted(o.guid for o in _job_objects(job).values())[2]
    real = importing._save

    def failing(harvest_object, *args, **kwargs):
        if harvest_object.guid == unlucky:  # (in the batch: with what was written before it)
            raise RuntimeError("disque plein")
        return real(harvest_object, *args, **kwargs)

    monkeypatch.setattr(importing, "_save", failing)
    queue.fetch_and_import_stages(harvester, HarvestObject.get(ids[0]))
    objects = {o.guid: o for o in _job_objects(job).values()}
    assert sorted((o.guid == unlucky, o.report_status) for o in objects.values()) == [
        (False, "added")
    ] * 4 + [(True, "errored")]
    assert len(harvested("royat")) == 4
    message = objects[unlucky].errors[0].message
    assert "RuntimeError" in message and "disque plein" in message
    assert objects[unlucky].package_id is None and not objects[unlucky].current
