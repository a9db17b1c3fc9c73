"""A portal where DataStore loads really happen: CKAN served by its own process (uploads are
fetched and job results reported over HTTP, as in production) and ``ckan jobs worker --burst``
running the queued xloader jobs on the test Redis database."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
import requests
from ckan import model
from ckan.lib import api_token
from ckan.tests import factories, helpers

from ..conftest import ROOT, ckan_server, free_port, ini_text_with, make_dataset

# xloader's jobs authenticate with the token of the config: its id is fixed, so that the
# server started once per module accepts it after every clean_db.
XLOADER_TOKEN_ID = "metropole-previews-xloader-token"
# Small bounds so that "a file too large" is tested with a small file (production: 100 MB).
MAX_CONTENT_LENGTH = 200_000
MAX_EXCERPT_LINES = 500


@pytest.fixture(scope="module")
def portal_server(tmp_path_factory):
    url = f"http://127.0.0.1:{free_port()}"
    folder = tmp_path_factory.mktemp("previews")
    ini = folder / "previews.ini"
    ini.write_text(
        ini_text_with(
            url,
            **{
                "ckanext.metropole.home_cache_seconds": "0",
                "ckanext.xloader.api_token": api_token.encode({"jti": XLOADER_TOKEN_ID}),
                "ckanext.xloader.max_content_length": str(MAX_CONTENT_LENGTH),
                "ckanext.xloader.max_excerpt_lines": str(MAX_EXCERPT_LINES),
            },
        )
    )
    with ckan_server(ini, url, folder / "ckan.log"):
        yield {"url": url, "ini": ini, "folder": folder}


@pytest.fixture
def portal(portal_server, clean_db, clean_index, with_plugins):
    """The server, its xloader token's user, a commune with an editor (agent) holding an API
    token, and a dataset of that commune."""
    bot = factories.Sysadmin(name="xloader-bot")
    token = model.ApiToken(user_id=bot["id"], name="xloader")
    token.id = XLOADER_TOKEN_ID
    model.Session.add(token)
    model.Session.commit()
    factories.Organization(
        name="clermont-auvergne-metropole", title="Clermont Auvergne Métropole", kind="metropole"
    )
    org = factories.Organization(name="royat", title="Royat", kind="commune", insee_code="63308")
    agent = factories.User(name="agent-royat", password="Motdepasse-2024!", email="agent@royat.fr")
    helpers.call_action("organization_member_create", id=org["id"], username=agent["name"], role="editor")
    agent_token = helpers.call_action(
        "api_token_create", context={"user": agent["name"]}, user=agent["name"], name="publication"
    )["token"]
    dataset = make_dataset(owner_org=org["id"], name="parkings-royat", title="Parkings de Royat")
    return {**portal_server, "agent": agent, "token": agent_token, "dataset": dataset, "org": org}


def api(portal, action, token=None, files=None, **data):
    """POST an action to the served portal (JSON, or multipart with files); the result."""
    headers = {"Authorization": token or portal["token"]}
    url = f"{portal['url']}/api/3/action/{action}"
    if files:
        response = requests.post(url, data=data, files=files, headers=headers, timeout=60)
    else:
        response = requests.post(url, json=data, headers=headers, timeout=60)
    body = response.json()
    assert body["success"], body
    return body["result"]


def upload(portal, filename: str, content: bytes, fmt: str, **fields):
    """The agent uploads a file as a new resource of the dataset (as the web form does)."""
    return api(
        portal,
        "resource_create",
        files={"upload": (filename, content)},
        package_id=portal["dataset"]["id"],
        name=fields.pop("name", filename),
        format=fmt,
        **fields,
    )


def run_jobs(portal):
    """Run the queued jobs to the end in a real worker process (bounded)."""
    done = subprocess.run(
        [str(ROOT / ".venv" / "bin" / "ckan"), "-c", str(portal["ini"]), "jobs", "worker", "--burst"],
        capture_output=True,
        text=True,
        timeout=240,
        env=os.environ.copy(),
    )
    log = portal["folder"] / "worker.log"
    with open(log, "a") as f:
        f.write(done.stdout + done.stderr)
    assert done.returncode == 0, done.stderr[-3000:]


def resource_page(portal, resource, token=None, view=None) -> str:
    """The resource's page (showing its first view, or ``view``)."""
    headers = {"Authorization": token} if token else {}
    response = requests.get(
        f"{portal['url']}/dataset/{resource['package_id']}/resource/{resource['id']}",
        params={"view_id": view["id"]} if view else None,
        headers=headers,
        timeout=60,
    )
    assert response.status_code == 200, response.status_code
    return response.text


FIXTURES = Path(__file__).parent / "fixtures"
