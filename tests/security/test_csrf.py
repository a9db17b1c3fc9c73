"""Every state-changing route refuses GET and a POST without the CSRF token, and works
with it (a browser session: cookies, not an API token)."""

from __future__ import annotations

import ckan.model as model
import pytest
from ckan.tests import helpers
from ckanext.harvest.model import HarvestJob, HarvestObject

from ..conftest import make_dataset
from ..harvest.conftest import make_source, territory  # noqa: F401 (fixtures)
from .conftest import user_with_password


@pytest.fixture
def scene(make_source):
    """A source of Aubière with one harvested dataset, a running job, and a sysadmin (the
    victim with the most to lose: every route lets them through)."""
    source = make_source("http://127.0.0.1:9/")
    dataset = make_dataset(name="aubiere-parcs", owner_org="aubiere")
    job = HarvestJob(source_id=source["id"], status="Running")
    job.save()
    HarvestObject(
        guid="parcs", job=job, harvest_source_id=source["id"], package_id=dataset["id"], current=True
    ).save()
    admin = user_with_password(sysadmin=True)
    return {"source": source, "dataset": dataset, "job": job, "admin": admin}


def _state(scene):
    model.Session.expire_all()
    source = model.Package.get(scene["source"]["id"])
    dataset = model.Package.get(scene["dataset"]["id"])
    jobs = model.Session.query(HarvestJob).filter_by(source_id=scene["source"]["id"]).all()
    found = helpers.call_action("package_search", fq="name:aubiere-parcs")["count"]
    return {
        "source": source.state,
        "dataset": dataset.state if dataset else None,
        "found": found,
        "jobs": sorted((j.id, j.status) for j in jobs),
    }


def _routes(scene):
    s, j = scene["source"], scene["job"]
    return {
        "abort": (f"/harvest/{s['name']}/job/{j.id}/abort", f"/harvest/admin/{s['name']}"),
        "refresh": (f"/harvest/refresh/{s['id']}", f"/harvest/admin/{s['name']}"),
        "clear": (f"/harvest/clear/{s['id']}", f"/harvest/admin/{s['name']}"),
        "delete": (f"/harvest/delete/{s['name']}?clear=True", f"/harvest/edit/{s['name']}"),
    }


@pytest.mark.usefixtures("with_plugins")
def test_state_changing_harvest_routes_need_post_and_the_csrf_token(browser, scene):
    client = browser(scene["admin"])
    # the admin page's buttons post with a confirmation (confirm-action adds the page's token)
    html = client.get(f"/harvest/admin/{scene['source']['name']}").body
    for endpoint in ("/abort", "/clear/"):  # (reharvest is disabled while a job runs)
        links = [a for a in html.split("<a ")[1:] if endpoint in a.split(">")[0]]
        assert links and all('data-module="confirm-action"' in a.split(">")[0] for a in links), endpoint

    before = _state(scene)
    assert before["found"] == 1 and before["jobs"][0][1] == "Running"
    api = "/api/3/action/harvest_source_clear"
    for name, (url, _form) in _routes(scene).items():
        assert client.get(url, follow_redirects=False).status_code == 405, name  # a link, an <img>
        assert client.post(url, follow_redirects=False).status_code == 400, name  # a form elsewhere
        assert client.post(url, data={"_csrf_token": "forged"}, follow_redirects=False).status_code == 400, (
            name
        )
    # the Action API through the session cookie is CSRF-checked too
    assert client.post(api, json={"id": scene["source"]["id"]}).status_code == 400
    assert _state(scene) == before

    # the portal's own buttons (confirm-action posts the page's token) work
    routes = _routes(scene)
    for name in ("abort", "refresh", "clear", "delete"):
        url, form = routes[name]
        response = client.post(url, data={"_csrf_token": client.csrf(form)}, follow_redirects=False)
        assert response.status_code in (302, 303), (name, response.status_code)
    after = _state(scene)
    assert after["dataset"] in (None, "deleted") and after["source"] == "deleted"
    assert "Running" not in {status for _id, status in after["jobs"]}


@pytest.mark.usefixtures("with_plugins")
def test_delete_and_clear_button_still_clears(browser, scene):
    """The source form's "Supprimer et vider" posts (confirm-action) to a route of its own:
    the POST of /harvest/delete/<name>?clear=True reaches CKAN's dataset delete, which
    ignores ``clear`` and left the harvested datasets public."""
    from ckan.lib.search import rebuild

    rebuild(scene["dataset"]["id"])  # indexed with its harvest_source_id, as a harvest leaves it
    client = browser(scene["admin"])
    form = f"/harvest/edit/{scene['source']['name']}"
    url = f"/harvest/delete-and-clear/{scene['source']['name']}"
    assert f'href="{url}" data-module="confirm-action"' in client.get(form).body
    assert client.get(url, follow_redirects=False).status_code in (404, 405)  # never a GET
    assert client.post(url, follow_redirects=False).status_code == 400  # no CSRF token
    assert _state(scene)["found"] == 1
    response = client.post(url, data={"_csrf_token": client.csrf(form)}, follow_redirects=False)
    assert response.status_code in (302, 303)
    after = _state(scene)
    assert after["source"] == "deleted"
    assert after["dataset"] in (None, "deleted") and after["found"] == 0, after


@pytest.mark.usefixtures("with_plugins")
def test_delete_and_clear_needs_the_right_to_delete_the_source(browser, scene):
    client = browser(user_with_password())
    form = "/dataset/"  # any page of the portal gives the signed-in user a token
    response = client.post(
        f"/harvest/delete-and-clear/{scene['source']['name']}",
        data={"_csrf_token": client.csrf(form)},
        follow_redirects=False,
    )
    assert response.status_code == 403
    assert _state(scene)["source"] == "active" and _state(scene)["found"] == 1
