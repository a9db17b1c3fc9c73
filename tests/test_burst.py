"""The burst cache of the pages' figures (ckanext/metropole/burst.py): one computation per
burst, a change visible once the window has passed (a moved clock, no timing), writes of
this process visible at once, and nothing of a signed-in user reaching anonymous visitors."""

from __future__ import annotations

import re
import threading

import pysolr
import pytest
from ckan.lib import search
from ckan.tests import factories, helpers

from ckanext.metropole import burst

from .conftest import HandClock, make_dataset


@pytest.fixture
def clock(monkeypatch):
    c = HandClock()
    monkeypatch.setattr(burst, "_clock", c)
    return c


def test_a_burst_of_simultaneous_misses_computes_once(clock):
    clients = 20
    arrived, calls = [], []
    everyone_here = threading.Condition()

    def compute():
        calls.append(1)
        with everyone_here:  # the first computation lasts until every client has asked
            everyone_here.wait_for(lambda: len(arrived) == clients, timeout=30)
        return {"figures": [1, 2, 3]}

    results = []

    def client():
        with everyone_here:
            arrived.append(1)
            everyone_here.notify_all()
        results.append(burst.cached("k", compute, ttl=5))

    threads = [threading.Thread(target=client) for _ in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert len(calls) == 1
    assert results == [{"figures": [1, 2, 3]}] * clients
    # each caller got its own copy: changing one answer changes nobody else's
    results[0]["figures"].append(4)
    assert burst.cached("k", compute, ttl=5) == {"figures": [1, 2, 3]}


def test_the_window_and_clear(clock):
    values = iter(range(100))
    assert burst.cached("k", lambda: next(values), ttl=5) == 0
    clock.now += 4
    assert burst.cached("k", lambda: next(values), ttl=5) == 0
    clock.now += 2
    assert burst.cached("k", lambda: next(values), ttl=5) == 1
    burst.clear()
    assert burst.cached("k", lambda: next(values), ttl=5) == 2
    assert burst.cached("k", lambda: next(values), ttl=0) == 3  # 0: no cache


def test_a_failed_computation_is_not_kept(clock):
    def broken():
        raise search.SearchError("Solr down")

    with pytest.raises(search.SearchError):
        burst.cached("k", broken, ttl=5)
    assert burst.cached("k", lambda: "back", ttl=5) == "back"


@pytest.fixture
def solr_selects(monkeypatch):
    calls = []
    real = pysolr.Solr._send_request

    def counting(self, method, path="", *args, **kwargs):
        if "select" in path:
            calls.append(path)
        return real(self, method, path, *args, **kwargs)

    monkeypatch.setattr(pysolr.Solr, "_send_request", counting)
    return calls


@pytest.fixture
def clermont(clean_db, clean_index, with_plugins):
    helpers.call_action("metropole_territory_load", epci="246300701")
    royat = helpers.call_action("organization_show", id="royat")["id"]
    make_dataset(owner_org=royat, title="Piscine municipale", theme=["sports"])
    return royat


def _royat(figures):
    return next(c for c in figures["communes"] if c["name"] == "royat")


@pytest.mark.ckan_config(burst.CONFIG_KEY, "5")
@pytest.mark.usefixtures("clermont")
class TestPagesFigures:
    @pytest.mark.usefixtures("portal_language")
    def test_a_burst_of_participation_requests_reads_solr_once(self, app, solr_selects, clock):
        rows = lambda html: re.findall(r"<tr.*?</tr>", html, re.S)  # noqa: E731
        first = rows(app.get("/participation").body)
        asked = len(solr_selects)
        assert asked >= 1 and len(first) > 21
        for _ in range(5):
            assert rows(app.get("/participation").body) == first
            app.get("/participation.csv")
            helpers.call_action("metropole_participation_show")
        assert len(solr_selects) == asked

    def test_a_change_behind_the_cache_shows_once_the_window_has_passed(self, clock):
        assert _royat(helpers.call_action("metropole_participation_show"))["datasets"] == 1
        search.clear_all()  # the index changes without a write of this process
        assert _royat(helpers.call_action("metropole_participation_show"))["datasets"] == 1
        clock.now += 6
        assert _royat(helpers.call_action("metropole_participation_show"))["datasets"] == 0
        territory = helpers.call_action("metropole_territory_show", include_datasets=True)
        assert all(c["datasets"] == 0 for m in territory for c in m["communes"])

    def test_a_write_of_this_process_shows_at_once(self, clermont, clock):
        assert _royat(helpers.call_action("metropole_participation_show"))["datasets"] == 1
        make_dataset(owner_org=clermont, title="Délibérations", theme=["administration"])
        assert _royat(helpers.call_action("metropole_participation_show"))["datasets"] == 2
        admin = factories.Sysadmin()
        helpers.call_action(
            "organization_patch", {"user": admin["name"]}, id="royat", title="Royat-les-Bains"
        )
        assert _royat(helpers.call_action("metropole_participation_show"))["title"] == "Royat-les-Bains"

    def test_a_signed_in_users_page_never_reaches_anonymous_visitors(self, app, clermont, clock):
        editor = factories.UserWithToken(fullname="Agente Royat Zoé")
        helpers.call_action("organization_member_create", id=clermont, username=editor["name"], role="editor")
        make_dataset(owner_org=clermont, title="Brouillon interne", private=True)
        for path in ("/communes", "/participation", "/"):
            signed_in = app.get(path, headers={"Authorization": editor["token"]}).body
            assert "Agente Royat Zoé" in signed_in
            anonymous = app.get(path).body
            assert "Agente Royat Zoé" not in anonymous
            assert "Brouillon interne" not in anonymous
        # the counts are the public ones for everybody, whoever asked first
        row = re.search(r'<tr data-insee="63308">(.*?)</tr>', app.get("/communes").body, re.S).group(1)
        assert re.search(r">\s*1\s*<", row), row


@pytest.mark.ckan_config(burst.CONFIG_KEY, "5")
@pytest.mark.usefixtures("clermont")
def test_the_communes_map_is_kept_per_language(app, clock):
    french = app.get("/communes").body
    english = app.get("/en/communes").body
    assert "/organization/royat" in french and "/en/organization/royat" not in french
    assert "/en/organization/royat" in english
    assert app.get("/communes").body.count("/en/organization/") == 0
