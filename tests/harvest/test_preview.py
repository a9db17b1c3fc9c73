"""The preview of a harvest source (issue #24): what a harvest would do, nothing written — no
database row, no index document, no queue message — within its deadline, in French on a page
reached from the source form."""

from __future__ import annotations

import re
import time

import ckan.model as model
import ckan.plugins.toolkit as tk
import pytest
import sqlalchemy as sa
from ckan.lib.search.common import make_connection
from ckan.tests import factories, helpers
from ckanext.harvest import queue

from .conftest import ODS, serve_ods
from .trickle import Trickle

TABLES = (
    "package",
    "package_extra",
    "package_tag",
    "tag",
    "resource",
    "member",
    '"group"',
    "activity",
    "harvest_job",
    "harvest_object",
    "harvest_object_extra",
    "harvest_gather_error",
    "harvest_object_error",
)


def footprint() -> dict:
    """Row counts of the main tables, the index's documents and the harvest queues."""
    model.Session.remove()
    with model.meta.engine.connect() as conn:
        rows = {t: conn.execute(sa.text(f"SELECT count(*) FROM {t}")).scalar() for t in TABLES}
    rows["solr"] = make_connection().search(q="*:*", rows=0).hits
    redis = queue.get_connection()
    rows["queues"] = (
        redis.llen(queue.get_gather_routing_key()),
        redis.llen(queue.get_fetch_routing_key()),
        len(redis.keys(queue.get_fetch_routing_key() + ":*")),
    )
    return rows


def preview(**data):
    sysadmin = helpers.call_action("get_site_user", context={"ignore_auth": True})
    data.setdefault("source_type", "intercommunal")
    return helpers.call_action("metropole_harvest_source_preview", context={"user": sysadmin["name"]}, **data)


@pytest.mark.usefixtures("small_pages")
@pytest.mark.ckan_config("ckanext.metropole.harvest.preview_items", "2")
def test_preview_says_what_a_harvest_would_do_and_writes_nothing(app, portal, make_source, harvest):
    serve_ods(portal)
    before = footprint()
    new = preview(url=portal.url, owner_org="aubiere", config='{"default_license": "lov2"}')
    assert footprint() == before
    assert new["protocol"] == "opendatasoft" and new["announced"] == 5 and new["read"] == 5
    assert new["complete"] and not new["error"] and not new["stopped"]
    # first N of each list, counts of all
    assert new["created"]["count"] == 5 and len(new["created"]["items"]) == 2
    assert all(i["name"].startswith("aubiere-") and i["title"] for i in new["created"]["items"])
    # the schema's validation as package_create's: a sane dataset gets no invalid-field warning
    assert not [w for i in new["created"]["items"] for w in i["warnings"] if "invalide" in w]
    assert new["updated"]["count"] == new["withdrawn"]["count"] == new["refused"]["count"] == 0
    assert sum(lic["count"] for lic in new["licenses"]) == 5
    assert sum(t["count"] for t in new["themes"]) >= 5 and all(t["title"] for t in new["themes"])

    # an existing source: its datasets compared with what the source gives now
    source = make_source(portal.url)
    harvest(source)
    serve_ods(portal, prefix="removed", pages=2)
    before = footprint()
    again = preview(url=portal.url, id=source["id"])
    assert footprint() == before
    assert again["created"]["count"] == 0
    assert again["withdrawn"]["count"] == 1 and again["withdrawn"]["items"][0]["name"].startswith("aubiere-")
    assert again["unchanged"] + again["updated"]["count"] == again["read"]
    # with the configuration being edited: beyond its withdrawal threshold, nothing would be withdrawn
    strict = preview(url=portal.url, id=source["id"], config='{"max_withdrawal_ratio": 0.1}')
    assert strict["withdrawn"]["count"] == 0 and "Retrait refusé" in strict["notes"][0], strict["notes"]

    # what the form refuses, the preview refuses; its rule is the one of creating a source
    with pytest.raises(tk.ValidationError) as raised:
        preview(url=portal.url, config='{"protocole": "ckan"}')
    assert "Clé inconnue" in str(raised.value.error_dict["config"])
    with pytest.raises(tk.ValidationError) as raised:
        preview(url="", source_type="ckan")
    assert set(raised.value.error_dict) == {"url", "source_type"}
    user = factories.User()
    with pytest.raises(tk.NotAuthorized):
        helpers.call_action(
            "metropole_harvest_source_preview",
            context={"user": user["name"], "ignore_auth": False},
            url=portal.url,
            source_type="intercommunal",
            owner_org="aubiere",
        )
    assert footprint()["harvest_job"] == before["harvest_job"]

    # the "Test the source" step of the source form (new and edit), its page in French
    serve_ods(portal)
    sysadmin = factories.SysadminWithToken()
    headers = {"Authorization": sysadmin["token"]}
    for path in ("/harvest/new", f"/harvest/edit/{source['name']}"):
        form = app.get(path, headers=headers).body
        assert 'formaction="/harvest/preview"' in form and "Tester la source" in form, path
        assert form.index('id="save"') < form.index("Tester la source")  # Enter still saves
    token = re.search(r'name="_csrf_token" value="([^"]+)"', form).group(1)
    before = footprint()
    page = app.post(
        "/harvest/preview",
        data={
            "_csrf_token": token,
            "url": portal.url,
            "source_type": "intercommunal",
            "config": "",
            "owner_org": model.Group.get("aubiere").id,
        },
        headers=headers,
    ).body
    assert footprint() == before
    assert "Jeux de données qui seraient créés" in page and "opendatasoft" in page
    assert re.search(r'<h2 id="preview-created">', page) and "<h1>" in page
    # previewed as a new source, its datasets' names are another source's: each would be refused
    assert re.search(r'id="preview-refused">[^<]*<span class="badge bg-secondary">5<', page), page
    assert "déjà prise par un jeu de données qui ne vient pas de cette source" in page
    assert "Écoles maternelles" in page
    portal.add(ODS, fault="truncated", query={"limit": 1})
    page = app.post(
        "/harvest/preview",
        data={"_csrf_token": token, "url": portal.url, "source_type": "intercommunal", "config": "{"},
        headers=headers,
    ).body
    assert 'role="alert"' in page and "JSON" in page


@pytest.mark.usefixtures("with_plugins")
@pytest.mark.ckan_config("ckanext.metropole.harvest.preview_deadline", "1")
def test_preview_ends_by_its_deadline_however_the_source_trickles():
    for mode in ("headers", "body"):
        server = Trickle(mode)
        try:
            start = time.monotonic()
            result = preview(url=server.url)
            assert time.monotonic() - start < 6
        finally:
            server.stop()
        said = result["error"] or result["stopped"]
        assert "échéance" in said.lower(), said
        assert result["created"]["count"] == 0
