"""Harvest jobs as an operator lives with them (issue #24): a consumer killed in the middle of a
batch is recovered by the next `ckan harvester run`, each dataset landing once; a job past its
deadline ends with a French error and withdraws nothing; a hung source does not hold another
commune's harvest; the commune's and the métropole's admins are mailed when a job ends with
errors or withdrawals."""

from __future__ import annotations

import os
import signal
import subprocess
import threading
import time

import ckan.model as model
import ckan.plugins.toolkit as tk
import pytest
import sqlalchemy as sa
from ckan.tests import factories, helpers
from ckanext.harvest import queue
from ckanext.harvest.model import HarvestJob, HarvestObject

from ckanext.metropole.messages import display
from ckanext.metropole.review import policy

from ..conftest import ROOT
from .conftest import ODS, harvested, serve_ods
from .trickle import Trickle

BOUND = 90  # seconds: bounds every wait below (a CKAN process starts in ~10 s here)


def start_job(source) -> str:
    """harvest_job_create as the source page's button does: Running, on the gather queue."""
    sysadmin = helpers.call_action("get_site_user", context={"ignore_auth": True})
    return helpers.call_action(
        "harvest_job_create", context={"user": sysadmin["name"]}, source_id=source["id"]
    )["id"]


def consume(kind: str, count: int | None = None) -> int:
    """Take messages off a queue as ckanext-harvest's consumers do (all when count is None)."""
    consumer = queue.get_gather_consumer() if kind == "gather" else queue.get_fetch_consumer()
    key = queue.get_gather_routing_key() if kind == "gather" else queue.get_fetch_routing_key()
    callback = queue.gather_callback if kind == "gather" else queue.fetch_callback
    redis, done = queue.get_connection(), 0
    messages = consumer.consume(kind)
    while (count is None or done < count) and redis.llen(key):
        method, header, body = next(messages)
        callback(consumer, method, header, body)
        done += 1
    return done


def jobs_run(source=None):
    """What `ckan harvester run` does."""
    data = {"source_id": source["id"]} if source else {}
    tk.get_action("harvest_jobs_run")({"ignore_auth": True}, data)
    model.Session.remove()


def job(job_id: str) -> HarvestJob:
    model.Session.remove()
    return HarvestJob.get(job_id)


def gather_errors(job_id: str) -> list[str]:
    return [display(e.message) for e in job(job_id).gather_errors]


@pytest.mark.usefixtures("small_pages")
def test_a_consumer_killed_mid_batch_is_recovered_each_dataset_landing_once(
    portal, make_source, ckan_config, monkeypatch
):
    serve_ods(portal)
    source = make_source(portal.url)
    job_id = start_job(source)
    consume("gather")  # one batch of 5 datasets on the fetch queue
    log = open(ROOT / ".cache" / "log" / "test-fetch-consumer.log", "w")  # noqa: SIM115
    consumer = subprocess.Popen(
        [str(ROOT / ".venv" / "bin" / "ckan"), "-c", str(ROOT / "test.ini"), "harvester", "fetch-consumer"],
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        # the batch's advisory lock is held while its transaction imports: kill -9 then
        deadline = time.monotonic() + BOUND
        with model.meta.engine.connect() as conn:
            while time.monotonic() < deadline and consumer.poll() is None:
                held = conn.execute(
                    sa.text(
                        "SELECT count(*) FROM pg_locks l JOIN pg_database d ON d.oid = l.database"
                        " WHERE l.locktype = 'advisory' AND l.granted AND d.datname = current_database()"
                    )
                ).scalar()  # pg_locks is read live, not from a snapshot
                if held:
                    os.kill(consumer.pid, signal.SIGKILL)
                    break
                time.sleep(0.01)
            else:
                pytest.fail("the consumer never imported (see .cache/log/test-fetch-consumer.log)")
        consumer.wait(10)
    finally:
        if consumer.poll() is None:
            consumer.kill()
            consumer.wait(10)
        log.close()
    model.Session.remove()
    states = dict(
        model.Session.query(HarvestObject.state, sa.func.count(HarvestObject.id))
        .filter(HarvestObject.harvest_job_id == job_id)
        .group_by(HarvestObject.state)
        .all()
    )
    stuck = states.get("IMPORT", 0) + states.get("FETCH", 0)
    assert stuck, states  # ckanext-harvest alone would leave these until ckan.harvest.timeout
    assert job(job_id).status == "Running"

    monkeypatch.setitem(ckan_config, "ckanext.metropole.harvest.recover_after", 0)
    jobs_run(source)  # the dead consumer's objects back on the queue
    consume("fetch")
    jobs_run(source)
    assert job(job_id).status == "Finished"
    names = harvested()
    assert len(names) == 5 and len(set(names)) == 5, names
    titles = [p.title for p in model.Session.query(model.Package).filter(model.Package.type == "dataset")]
    assert len(titles) == len(set(titles)) == 5, titles  # never a second copy ("name-1")
    report = helpers.call_action("harvest_job_show", id=job_id)["stats"]
    assert report.get("errored", 0) == 0 and report.get("added", 0) + report.get("updated", 0) == 5, report


@pytest.mark.usefixtures("small_pages")
def test_admins_mailed_on_errors_and_withdrawals_a_job_past_a_deadline_withdraws_nothing(
    portal, make_source, harvest, smtp, ckan_config, monkeypatch
):
    metropole = policy.metropole_of("aubiere")
    commune_admin = factories.User(email="maire@aubiere.example.org")
    metropole_admin = factories.User(email="sig@metropole.example.org")
    editor = factories.User(email="agent@aubiere.example.org")
    for user, org, capacity in (
        (commune_admin, "aubiere", "admin"),
        (metropole_admin, metropole.name, "admin"),
        (editor, "aubiere", "editor"),
    ):
        helpers.call_action("organization_member_create", id=org, username=user["name"], role=capacity)
    serve_ods(portal)
    source = make_source(portal.url)
    harvest(source)  # ends without error nor withdrawal: nobody is mailed
    assert smtp.messages == [] and len(harvested()) == 5

    # a page that does not come within the request's deadline (the server waits 3 s): the
    # harvest stops there, changes and withdraws nothing, and says so
    monkeypatch.setitem(ckan_config, "ckanext.metropole.harvest.request_deadline", 1)
    serve_ods(portal, prefix="removed", pages=2, fault_page=1, fault="slow")
    result = harvest(source)
    [error] = result["gather_errors"]
    assert "rien n'a été modifié ni retiré" in error and f"{portal.url}{ODS}" in error, error
    assert "en 1 s" in error and len(harvested()) == 5
    [cut] = smtp.to(commune_admin["email"])
    assert "1 erreur(s)" in cut["subject"] and "en 1 s" in cut["body"], cut
    monkeypatch.setitem(ckan_config, "ckanext.metropole.harvest.request_deadline", 120)

    # one dataset gone from the source, and the job passes its deadline before importing
    serve_ods(portal, prefix="removed", pages=2)
    job_id = start_job(source)
    consume("gather")
    monkeypatch.setitem(ckan_config, "ckanext.metropole.harvest.job_deadline", 0)
    consume("fetch")
    jobs_run()
    assert job(job_id).status == "Finished"
    [error] = gather_errors(job_id)
    assert "échéance" in error and "rien n'a été retiré" in error, error
    assert len(harvested()) == 5  # nothing withdrawn
    to_commune = smtp.to(commune_admin["email"])[-1]
    to_metropole = smtp.to(metropole_admin["email"])[-1]
    assert smtp.to(editor["email"]) == []
    assert "erreur" in to_commune["subject"] and "Portail de aubiere" in to_commune["subject"]
    assert f"/harvest/{source['name']}/job/{job_id}" in to_commune["body"]
    assert "échéance" in to_commune["body"] and to_commune["body"] == to_metropole["body"]

    # the same job within its deadline: the withdrawal is made, and said
    monkeypatch.setitem(ckan_config, "ckanext.metropole.harvest.job_deadline", 3600)
    job_id = start_job(source)
    consume("gather")
    consume("fetch")
    jobs_run()
    assert len(harvested()) == 4
    mails = smtp.to(commune_admin["email"])
    assert len(mails) == 3 and "1 jeu(x) de données retiré(s)" in mails[-1]["subject"], mails[-1]
    assert f"/job/{job_id}" in mails[-1]["body"]


@pytest.mark.usefixtures("small_pages")
def test_a_hung_source_does_not_hold_another_communes_harvest(portal, make_source, ckan_config, monkeypatch):
    """Two gather consumers (docker-compose runs several): the hung source holds one of them (until
    the gather's deadline at most), the healthy source's job is gathered, imported and finished
    meanwhile."""
    monkeypatch.setitem(ckan_config, "ckanext.metropole.harvest.gather_deadline", 60)
    hung_server = Trickle("headers", interval=0.2, max_bytes=100)
    serve_ods(portal)
    hung = make_source(hung_server.url, owner="royat", config='{"protocol": "opendatasoft"}')
    healthy = make_source(portal.url)
    hung_job, healthy_job = start_job(hung), start_job(healthy)  # the hung one first in the queue

    def gather_consumer():
        consume("gather", count=1)
        model.Session.remove()

    consumers = [threading.Thread(target=gather_consumer, daemon=True) for _ in range(2)]
    try:
        for consumer in consumers:
            consumer.start()
            time.sleep(0.2)  # the first takes the first job
        consumers[1].join(BOUND)
        consume("fetch")
        jobs_run(healthy)
        assert job(healthy_job).status == "Finished" and len(harvested()) == 5
        assert consumers[0].is_alive() and job(hung_job).gather_finished is None  # still hung
    finally:
        hung_server.stop()  # its connections end: the hung gather stops at once (its deadline is tested
    consumers[0].join(BOUND)  # in test_deadlines.py), with an error
    jobs_run(hung)
    assert job(hung_job).status == "Finished"
    [error] = gather_errors(hung_job)
    assert "rien n'a été modifié ni retiré" in error, error
