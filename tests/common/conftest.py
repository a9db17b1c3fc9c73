from __future__ import annotations

import io

import ckan.plugins.toolkit as tk
import pytest
from ckan.lib import jobs as ckan_jobs
from ckan.tests import factories, helpers

from tests import snapshot

# Three Clermont communes are enough to show every state of the matrix.
CODES = {"63113": "Clermont-Ferrand", "63014": "Aubière", "63032": "Beaumont"}
METRO = "clermont-auvergne-metropole"


@pytest.fixture
def territory(
    clean_db, clean_index, clean_queues, with_plugins, with_test_worker, ckan_config, monkeypatch, tmp_path
):
    monkeypatch.setitem(ckan_config, "ckan.storage_path", str(tmp_path))

    def build():
        helpers.call_action(
            "metropole_territory_load",
            communes=list(CODES),
            name=METRO,
            title="Clermont Auvergne Métropole",
            siren="246300701",
        )
        orgs = tk.get_action("organization_list")(
            {"ignore_auth": True}, {"all_fields": True, "include_extras": True}
        )
        return {o.get("insee_code") or "metro": o for o in orgs}

    return snapshot.setup_once("common: three Clermont communes", build)


@pytest.fixture
def run_jobs():
    """Run the queued jobs (and those they queue) with a real RQ worker on the test Redis."""

    def run():
        ckan_jobs.Worker().work(burst=True)

    return run


@pytest.fixture
def agent(territory):
    """An editor of each commune (a commune agent), by INSEE code."""
    users = {}
    for code, org in territory.items():
        if code == "metro":
            continue
        user = factories.User()
        helpers.call_action("organization_member_create", id=org["id"], username=user["name"], role="editor")
        users[code] = user
    return users


def upload(
    user: dict,
    org: dict,
    name: str,
    body: bytes,
    filename: str,
    conforms_to: str,
    fmt: str = "CSV",
    resource_id: str | None = None,
) -> dict:
    """What the web form does, through the action API as the agent: a dataset with one uploaded file."""
    from werkzeug.datastructures import FileStorage

    context = {"user": user["name"], "ignore_auth": False}
    fields = {
        "upload": FileStorage(io.BytesIO(body), filename=filename),
        "url": filename,
        "format": fmt,
        "conforms_to": conforms_to,
        "name": filename,
    }
    if resource_id:
        return helpers.call_action("resource_update", context, id=resource_id, **fields)
    dataset = helpers.call_action(
        "package_create",
        context,
        name=name,
        title=name,
        owner_org=org["id"],
        theme=["equipements"],
        license_id="lov2",
    )
    return helpers.call_action("resource_create", context, package_id=dataset["id"], **fields)
