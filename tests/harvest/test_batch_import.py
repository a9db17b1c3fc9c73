"""Batched import: a consumer imports a batch of its job's waiting objects in one transaction,
claimed with SELECT … FOR UPDATE SKIP LOCKED; the objects of a batch are reported as if each
had been imported alone, and an object another consumer holds is never taken."""
from __future__ import annotations

import json

import pysolr
import pytest
import sqlalchemy as sa

import ckan.lib.plugins as lib_plugins
import ckan.model as model
from ckan.tests import helpers
from ckanext.activity.model import Activity
from ckanext.harvest import queue
from ckanext.harvest.model import HarvestJob, HarvestObject

from .conftest import harvested, serve_ods


def _gathered_job(portal, make_source):
    serve_ods(portal)
    source = make_source(portal.url, owner="royat")
    sysadmin = helpers.call_action("get_site_user", context={"ignore_auth": True})
    job = HarvestJob.get(helpers.call_action("harvest_job_create", context={"user": sysadmin["name"]},
                                             source_id=source["id"], run=False)["id"])
    job.status = "Running"
    job.save()
    harvester = queue.get_harvester("intercommunal")
    ids = queue.gather_stage(harvester, job)
    return harvester, job, ids


@pytest.mark.ckan_config("ckanext.metropole.harvest.import_batch", "2")
def test_batches_report_each_object_as_imported_alone(portal, make_source, small_pages):
    harvester, job, ids = _gathered_job(portal, make_source)
    assert len(ids) == 5
    for obj_id in ids:
        queue.fetch_and_import_stages(harvester, HarvestObject.get(obj_id))
    objects = model.Session.query(HarvestObject).filter_by(harvest_job_id=job.id).all()
    assert sorted(o.report_status for o in objects) == ["added"] * 5
    assert all(o.state == "COMPLETE" and o.current for o in objects)
    assert len(harvested("royat")) == 5
    # three batches (2 + 2 + 1): two objects were imported with another one
    # counted in this job only: other tests' jobs may have left claims in the database
    claimed = model.Session.execute(sa.text(
        "SELECT count(*) FROM harvest_object_extra e JOIN harvest_object o ON o.id = e.harvest_object_id"
        " WHERE e.key = 'metropole_import_batch' AND o.harvest_job_id = :job"), {"job": job.id}).scalar()
    assert claimed == 2


def test_an_object_held_by_another_consumer_is_not_claimed(portal, make_source, small_pages):
    harvester, job, ids = _gathered_job(portal, make_source)
    first, held = ids[0], ids[1]
    with model.meta.engine.connect() as other:  # another consumer, busy with `held`
        transaction = other.begin()
        other.execute(sa.text("SELECT id FROM harvest_object WHERE id = :id FOR UPDATE"), {"id": held})
        queue.fetch_and_import_stages(harvester, HarvestObject.get(first))
        transaction.rollback()
    model.Session.expire_all()
    states = {o.id: o.state for o in model.Session.query(HarvestObject).filter_by(harvest_job_id=job.id)}
    assert states[held] == "WAITING"
    assert sorted(states.values()) == ["COMPLETE"] * 4 + ["WAITING"]
    queue.fetch_and_import_stages(harvester, HarvestObject.get(held))
    assert len(harvested("royat")) == 5


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
        helpers.call_action("package_patch", context={"user": sysadmin["name"]}, id=name, title="Modifié à la main")
    assert helpers.call_action("harvest_objects_import", context={"user": sysadmin["name"]},
                               source_id=job.source_id) == 5
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
def test_a_batch_indexes_each_new_dataset_once_and_fully(portal, make_source, small_pages, solr_updates,
                                                          monkeypatch):
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
    found = helpers.call_action("package_search", fq=f'harvest_source_id:"{job.source_id}"', rows=10)["results"]
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
    is kept that the index does not hold, and the objects can be imported again."""
    from ckan.lib.search import SearchIndexError

    harvester, job, ids = _gathered_job(portal, make_source)
    real = pysolr.Solr.add

    def refusing(self, docs, *args, **kwargs):
        raise pysolr.SolrError("Solr is full")

    monkeypatch.setattr(pysolr.Solr, "add", refusing)
    with pytest.raises(SearchIndexError, match="Solr is full"):
        queue.fetch_and_import_stages(harvester, HarvestObject.get(ids[0]))
    model.Session.rollback()
    assert harvested("royat") == []
    assert model.Session.query(Activity).filter(Activity.activity_type == "new package",
                                                Activity.object_id != job.source_id).count() == 0
    monkeypatch.setattr(pysolr.Solr, "add", real)
    assert helpers.call_action("package_search", fq=f'harvest_source_id:"{job.source_id}"', rows=0)["count"] == 0
    # the objects that batch had claimed are imported by their own consumers once Solr is back
    for obj_id in ids[1:]:
        queue.fetch_and_import_stages(harvester, HarvestObject.get(obj_id))
    assert len(harvested("royat")) == 4
    assert helpers.call_action("package_search", fq=f'harvest_source_id:"{job.source_id}"', rows=0)["count"] == 4


@pytest.mark.ckan_config("ckanext.metropole.harvest.import_batch", "5")
def test_a_batch_does_not_look_up_its_own_datasets_in_the_index(portal, make_source, small_pages, monkeypatch):
    """The activity stream's snapshot of a new dataset (package_show) skips the Solr lookup of a
    dataset the batch's open transaction wrote (it cannot be indexed yet), and shares its
    dictization with the indexer: the snapshot and the index hold what they would without."""
    import ckan.lib.search as search

    looked_up = []
    real = search.show
    monkeypatch.setattr(search, "show", lambda reference: looked_up.append(reference) or real(reference))
    harvester, job, ids = _gathered_job(portal, make_source)
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
        assert stored == json.loads(json.dumps(helpers.call_action("package_show", context={"use_cache": False},
                                                                   id=pkg.id)))
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
