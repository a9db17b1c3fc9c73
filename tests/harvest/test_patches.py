"""What an import batch replaces of CKAN (harvest/patches.py) is fenced: a web worker runs
CKAN's own functions; the replacement lives only while a batch imports; switched off, or on a
CKAN it was not written for, nothing is replaced and start-up says so."""

from __future__ import annotations

import logging

import ckan
import ckan.lib.plugins as lib_plugins
import ckan.lib.search.common as search_common
import ckan.lib.search.index as search_index
import ckan.model as model
import ckan.plugins as p
import ckan.plugins.toolkit as tk
import flask
import pytest
from ckanext.harvest import queue
from ckanext.harvest.model import HarvestObject

from ckanext.metropole.harvest import patches
from ckanext.metropole.harvest.pipeline import importing

from .conftest import harvested
from .test_batch_import import _gathered_job, user_selects  # noqa: F401 (a fixture)


def ckans_own() -> dict:
    """Which of the names a batch may replace are CKAN's own, now."""
    own = {
        f"{cls.__name__}.{name}": getattr(cls, name).__func__.__module__.startswith("ckan.model.")
        for cls, name in ((model.User, "get"), (model.User, "by_name"), (model.Group, "get"))
    }
    own["lib_plugins"] = search_index.lib_plugins is lib_plugins
    own["make_connection"] = search_index.make_connection is search_common.make_connection
    return own


ALL_OWN = {
    "User.get": True,
    "Group.get": True,
    "User.by_name": True,
    "lib_plugins": True,
    "make_connection": True,
}


def test_a_web_request_runs_ckans_own_functions(app):
    """In a process where the harvester is loaded (its configure ran), a request sees CKAN's
    own user and group lookups and indexer, during and after it."""
    assert p.plugin_loaded("metropole_harvester")
    during = []

    def record(sender, **extra):
        during.append(ckans_own())

    flask.request_started.connect(record)
    try:
        app.get("/api/3/action/status_show")
        app.get("/api/3/action/package_search")
    finally:
        flask.request_started.disconnect(record)
    assert during == [ALL_OWN, ALL_OWN]
    assert ckans_own() == ALL_OWN


def _import_recording(monkeypatch, portal, make_source) -> list:
    """Import one batch of 5, recording which names were CKAN's own while each dataset saved."""
    harvester, job, ids = _gathered_job(portal, make_source)
    seen, real = [], importing._save

    def save(*args, **kwargs):
        seen.append(ckans_own())
        return real(*args, **kwargs)

    monkeypatch.setattr(importing, "_save", save)
    queue.fetch_and_import_stages(harvester, HarvestObject.get(ids[0]))
    assert len(harvested("royat")) == 5
    assert (
        tk.get_action("package_search")({}, {"fq": f'harvest_source_id:"{job.source_id}"', "rows": 0})[
            "count"
        ]
        == 5
    )
    return seen


@pytest.mark.ckan_config("ckanext.metropole.harvest.import_batch", "5")
@pytest.mark.ckan_config(patches.OPTION, "false")
def test_switched_off_nothing_is_replaced_and_start_up_says_so(
    portal, make_source, small_pages, monkeypatch, caplog, user_selects
):
    # (the migrations clean_db runs reload the logging configuration, which disables the loggers
    # that existed before)
    monkeypatch.setattr(logging.getLogger(patches.__name__), "disabled", False)
    with caplog.at_level(logging.WARNING, logger=patches.__name__):
        p.get_plugin("metropole_harvester").configure(tk.config)  # (its start-up)
    assert [r.getMessage() for r in caplog.records] == [
        f"{patches.OPTION}: harvest import batches run CKAN's own user and group lookups and indexing, "
        "slower (bench/PROFILE.md): switched off."
    ]
    del user_selects[:]
    seen = _import_recording(monkeypatch, portal, make_source)
    assert seen == [ALL_OWN] * 5
    # CKAN's own lookups: the site user four times per dataset (nine for the batch when replaced)
    assert len(user_selects) >= 4 * 5


def test_on_another_ckan_nothing_is_replaced_and_start_up_says_so(monkeypatch, caplog):
    monkeypatch.setattr(logging.getLogger(patches.__name__), "disabled", False)  # (as above)
    assert patches.problem() is None  # (this CKAN: the one they were written for)
    with patches.batch_scope() as on:
        assert on and ckans_own() == dict.fromkeys(ALL_OWN, False)
    assert ckans_own() == ALL_OWN
    monkeypatch.setattr(ckan, "__version__", "2.12.0")
    with caplog.at_level(logging.WARNING, logger=patches.__name__):
        patches.check_at_startup()
    assert patches.OPTION in caplog.text and "written for CKAN 2.11.x, this is CKAN 2.12.0" in caplog.text
    with patches.batch_scope() as on:
        assert not on and ckans_own() == ALL_OWN and patches.current_batch() is None
    # the right version, a replaced name gone
    monkeypatch.undo()
    monkeypatch.delattr(search_index, "make_connection")
    assert "ckan.lib.search.index.make_connection" in patches.problem()
    with patches.batch_scope() as on:
        assert not on and "make_connection" not in search_index.__dict__
