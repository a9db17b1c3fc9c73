from __future__ import annotations

import ckan.model as model
import ckan.plugins.toolkit as tk
import pytest
from ckan.tests import helpers
from ckanext.harvest import queue
from ckanext.harvest.model import HarvestJob
from ckanext.harvest.tests.lib import run_harvest_job

from ckanext.metropole.harvest.pipeline import job_warnings
from ckanext.metropole.harvest.protocols import ckan as ckan_adapter
from ckanext.metropole.harvest.protocols import opendatasoft, udata
from ckanext.metropole.messages import display

from ..conftest import load_territory
from .portal_server import Portal

ODS = "/api/explore/v2.1/catalog/datasets"


@pytest.fixture
def portal():
    server = Portal()
    yield server
    server.stop()


@pytest.fixture
def small_pages(monkeypatch):
    """Fixtures stay small: pages of 2 so that every listing spans several pages."""
    monkeypatch.setattr(opendatasoft, "PAGE", 2)
    monkeypatch.setattr(ckan_adapter, "ROWS", 2)
    monkeypatch.setattr(udata, "PAGE_SIZE", 2)


@pytest.fixture
def territory(clean_db, clean_index, with_plugins):
    load_territory(groups=True, epci="246300701")


def serve_ods(portal, prefix="datasets", pages=3, fault_page=None, fault=None, status=200):
    portal.clear(ODS)
    portal.add(ODS, fixture=f"opendatasoft/{prefix}_0.json", query={"limit": 1})
    for i in range(pages):
        kwargs = {}
        if fault_page == i:
            kwargs = {"fault": fault, "status": status}
        portal.add(
            ODS, fixture=f"opendatasoft/{prefix}_{i * 2}.json", query={"limit": 2, "offset": i * 2}, **kwargs
        )


def serve_edited(portal):
    """The catalogue of serve_ods with "ecoles-maternelles" edited at the source."""
    portal.clear(ODS)
    portal.add(ODS, fixture="opendatasoft/edited_0.json", query={"limit": 1})
    portal.add(ODS, fixture="opendatasoft/edited_0.json", query={"limit": 2, "offset": 0})
    for offset in (2, 4):
        portal.add(ODS, fixture=f"opendatasoft/datasets_{offset}.json", query={"limit": 2, "offset": offset})


@pytest.fixture
def make_source(territory):
    sysadmin = helpers.call_action("get_site_user", context={"ignore_auth": True})

    def create(url, owner="aubiere", config="", name=None):
        return helpers.call_action(
            "harvest_source_create",
            context={"user": sysadmin["name"]},
            url=url,
            name=name or f"source-{owner}",
            title=f"Portail de {owner}",
            source_type="intercommunal",
            owner_org=owner,
            config=config,
        )

    return create


@pytest.fixture
def harvest():
    """Run one complete job of a source (gather, fetch, import) and return its stats."""

    def run(source):
        sysadmin = helpers.call_action("get_site_user", context={"ignore_auth": True})
        job_dict = helpers.call_action(
            "harvest_job_create", context={"user": sysadmin["name"]}, source_id=source["id"], run=False
        )
        job = HarvestJob.get(job_dict["id"])
        run_harvest_job(job, queue.get_harvester("intercommunal"))
        shown = helpers.call_action("harvest_job_show", id=job.id)
        # as the operator reads them (outside a request: the portal's language, French)
        errors = [display(e.message) for e in job.gather_errors]
        object_errors = [display(e.message) for o in job.objects for e in o.errors]
        return {
            "stats": shown["stats"],
            "gather_errors": errors,
            "object_errors": object_errors,
            "job": job,
            "warnings": job_warnings(job.id),
        }

    return run


def harvested(owner="aubiere", state="active"):
    org = model.Group.get(owner)
    return sorted(
        p.name
        for p in model.Session.query(model.Package).filter(
            model.Package.owner_org == org.id, model.Package.state == state, model.Package.type == "dataset"
        )
    )


def package(name):
    return tk.get_action("package_show")({"ignore_auth": True}, {"id": name})


def assert_landed(app, source, result, owner, titles, refused=0):
    """What issue #9 asks of every protocol: each dataset the source lists lands in its
    commune, is found by package_search fq=harvest_source_id and shown on the source page;
    the job counts only refused datasets as errors."""
    assert result["stats"]["errored"] == refused, result
    org = model.Group.get(owner)
    found = tk.get_action("package_search")(
        {"ignore_auth": True}, {"fq": f'harvest_source_id:"{source["id"]}"', "rows": 100}
    )
    assert sorted(d["title"] for d in found["results"]) == sorted(titles)
    assert all(d["owner_org"] == org.id and d["name"] in harvested(owner) for d in found["results"])
    insee = org.extras.get("insee_code")
    assert all(d["communes"] == [insee] for d in found["results"]), insee
    page = app.get(f"/harvest/{source['name']}").body
    assert "There are no datasets associated" not in page
    missing = [t for t in titles if t.replace("'", "&#39;") not in page and t not in page]
    assert missing == []
