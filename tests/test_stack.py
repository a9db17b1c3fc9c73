"""The stack works end to end: plugins load, Solr really indexes, Redis runs jobs."""

from __future__ import annotations

import uuid

import ckan.lib.jobs as jobs
import ckan.plugins as plugins
import ckan.plugins.toolkit as tk
import pytest
import requests
import rq
from ckan.tests import factories, helpers

from .conftest import make_dataset

OUR_PLUGINS = [
    "metropole_communes",
    "metropole_dataset",
    "metropole_harvester",
    "metropole_theme",
    "metropole_review",
]
REQUIRED = [*OUR_PLUGINS, "scheming_datasets", "harvest", "dcat", "spatial_metadata", "spatial_query"]


@pytest.mark.usefixtures("with_plugins")
def test_all_plugins_load_and_status_show_lists_them():
    for name in REQUIRED:
        assert plugins.plugin_loaded(name), name
    status = helpers.call_action("status_show")
    assert set(REQUIRED) <= set(status["extensions"])
    assert status["ckan_version"].startswith("2.11.")


@pytest.mark.usefixtures("clean_db", "clean_index", "with_plugins")
def test_organisation_and_dataset_are_found_by_package_search():
    org = factories.Organization(
        name="clermont-ferrand", title="Clermont-Ferrand", kind="commune", insee_code="63113"
    )
    dataset = make_dataset(
        owner_org=org["id"],
        name="bornes-fontaines",
        title="Bornes fontaines de la ville",
        notes="Eau potable",
    )
    make_dataset(owner_org=org["id"], name="parkings", title="Parkings publics")

    result = helpers.call_action("package_search", q="fontaines", fq="organization:clermont-ferrand")
    assert result["count"] == 1
    assert result["results"][0]["id"] == dataset["id"]
    assert helpers.call_action("package_search", q="*:*")["count"] == 2

    # Straight from Solr over HTTP: the document is in the test core, not only in the db.
    solr = requests.get(
        tk.config["solr_url"] + "/select",
        params={"q": "name:bornes-fontaines", "wt": "json", "fl": "id,organization"},
        timeout=10,
    ).json()
    assert solr["response"]["numFound"] == 1
    assert solr["response"]["docs"][0]["organization"] == "clermont-ferrand"

    sysadmin = factories.Sysadmin()
    helpers.call_action("package_delete", context={"user": sysadmin["name"]}, id=dataset["id"])
    assert helpers.call_action("package_search", q="fontaines")["count"] == 0


def record_job(org_name: str) -> str:
    """A background job: runs in the worker's forked process, writes through CKAN."""
    site_user = tk.get_action("get_site_user")({"ignore_auth": True}, {})
    org = tk.get_action("organization_create")(
        {"user": site_user["name"], "ignore_auth": True},
        {"name": org_name, "title": "Créée par une tâche de fond", "kind": "partner"},
    )
    return org["id"]


@pytest.mark.usefixtures("clean_db", "clean_index", "clean_queues", "with_plugins")
def test_background_job_runs_through_redis():
    name = "org-" + uuid.uuid4().hex[:8]
    job = jobs.enqueue(record_job, [name], title="test job")
    # The job sits in a Redis queue until a real (forking) CKAN worker takes it.
    assert job.get_status() == rq.job.JobStatus.QUEUED
    assert job.id in jobs.get_queue().job_ids
    with pytest.raises(tk.ObjectNotFound):
        helpers.call_action("organization_show", id=name)

    jobs.Worker().work(burst=True)

    job.refresh()
    assert job.get_status() == rq.job.JobStatus.FINISHED, job.exc_info
    org = helpers.call_action("organization_show", id=name)
    assert job.return_value() == org["id"]
    assert org["title"] == "Créée par une tâche de fond"
