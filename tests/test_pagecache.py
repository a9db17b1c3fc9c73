"""The anonymous page cache (ckanext/metropole/pagecache.py), through CKAN's real Flask app:
one rendering serves a burst of anonymous visitors, each with their own CSRF token; a signed-in
user, a visitor with a flash message and an API call with a token are never served (nor stored);
a write of this process shows at once, another's once the window has passed (a moved clock)."""

from __future__ import annotations

import re

import ckan.plugins.toolkit as tk
import pytest
from ckan.tests import factories, helpers
from itsdangerous import URLSafeTimedSerializer

from ckanext.metropole import pagecache

from .conftest import HandClock, make_dataset

TOKEN = re.compile(r'<meta name="_csrf_token" content="([^"]+)"')


@pytest.fixture
def clock(monkeypatch):
    c = HandClock()
    monkeypatch.setattr(pagecache, "_clock", c)
    pagecache.clear()
    yield c
    pagecache.clear()


@pytest.fixture
def clermont(clean_db, clean_index, with_plugins):
    helpers.call_action("metropole_territory_load", epci="246300701")
    royat = helpers.call_action("organization_show", id="royat")["id"]
    make_dataset(owner_org=royat, name="piscine", title="Piscine municipale", theme=["sports"])
    return royat


def visitor(app):
    """A browser of its own: a cookie jar (its session, its CSRF token), through CKAN's whole
    WSGI stack (the language middleware included)."""
    return app.test_client()


def without_token(response) -> str:
    page = response.get_data(as_text=True)
    token = TOKEN.search(page)
    return page.replace(token.group(1), "") if token else page


def cache_state(response) -> str | None:
    return response.headers.get("X-Metropole-Cache")


pytestmark = [pytest.mark.ckan_config(pagecache.SECONDS, "5"), pytest.mark.usefixtures("clermont")]


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/communes",
        "/participation",
        "/dataset/",
        "/dataset/piscine",
        "/organization/royat",
        "/catalog.ttl",
        "/api/3/action/package_search?q=piscine",
    ],
)
def test_one_rendering_serves_the_next_anonymous_visitors(app, clock, path):
    first = visitor(app).get(path)
    second = visitor(app).get(path)
    assert first.status_code == second.status_code == 200
    assert (cache_state(first), cache_state(second)) == ("miss", "hit")
    # the same page, but for the CSRF token each visitor has of their own
    assert without_token(first) == without_token(second)
    assert second.headers["Content-Type"] == first.headers["Content-Type"]
    # with the visitor's own token and cookie in it, no shared cache downstream may keep it
    assert "private" in second.headers["Cache-Control"] and "public" not in second.headers["Cache-Control"]


def test_each_visitor_gets_a_token_of_their_own_session(app, clock):
    """The token a page carries is the one its visitor's session holds (what Flask-WTF checks
    once they sign in), never the one of the visitor whose request filled the cache."""
    filler, reader = visitor(app), visitor(app)
    filler_token = TOKEN.search(filler.get("/communes").get_data(as_text=True)).group(1)
    served = reader.get("/communes")
    assert cache_state(served) == "hit"
    reader_token = TOKEN.search(served.get_data(as_text=True)).group(1)
    assert reader_token != filler_token
    page = served.get_data(as_text=True)
    assert f'name="_csrf_token" value="{reader_token}"' in page  # the forms' hidden field too
    assert filler_token not in page
    flask_app = app.flask_app
    name, cookie = served.headers["Set-Cookie"].split(";")[0].split("=", 1)  # the reader's session
    assert name == flask_app.config["SESSION_COOKIE_NAME"]
    session = flask_app.session_interface.get_signing_serializer(flask_app).loads(cookie)
    signer = URLSafeTimedSerializer(
        flask_app.config["WTF_CSRF_SECRET_KEY"] or flask_app.secret_key, salt="wtf-csrf-token"
    )
    assert signer.loads(reader_token) == session["_csrf_token"] != signer.loads(filler_token)


def test_a_signed_in_user_is_neither_served_nor_stored(app, clock):
    user = factories.UserWithToken()
    signed_in = visitor(app).get("/communes", headers={"Authorization": user["token"]})
    assert cache_state(signed_in) is None
    assert user["name"] in signed_in.get_data(as_text=True)
    anonymous = visitor(app).get("/communes")
    assert cache_state(anonymous) == "miss"
    assert user["name"] not in anonymous.get_data(as_text=True)
    assert cache_state(visitor(app).get("/communes", headers={"Authorization": user["token"]})) is None
    api = visitor(app).get("/api/3/action/package_search", headers={"Authorization": user["token"]})
    assert cache_state(api) is None


def test_a_visitor_with_a_flash_message_gets_their_own_page(app, clock):
    visitor(app).get("/dataset/")  # stored
    flashed = app.test_client(use_cookies=False)  # its Cookie header as given
    flask_app = app.flask_app  # a session cookie as Flask signs it, holding a pending message
    cookie = flask_app.session_interface.get_signing_serializer(flask_app).dumps(
        {"_flashes": [("alert-info", "Message pour ce seul visiteur")]}
    )
    page = flashed.get("/dataset/", headers={"Cookie": f"{flask_app.config['SESSION_COOKIE_NAME']}={cookie}"})
    assert cache_state(page) is None
    assert "Message pour ce seul visiteur" in page.get_data(as_text=True)
    assert "Message pour ce seul visiteur" not in visitor(app).get("/dataset/").get_data(as_text=True)


@pytest.mark.usefixtures("portal_language")
def test_a_write_of_this_process_shows_at_once_another_after_the_window(app, clock, clermont):
    assert "Médiathèque" not in visitor(app).get("/dataset/").get_data(as_text=True)
    make_dataset(owner_org=clermont, title="Médiathèque", theme=["culture"])  # this process: hooks
    page = visitor(app).get("/dataset/")
    assert cache_state(page) == "miss"
    assert "Médiathèque" in page.get_data(as_text=True)
    assert cache_state(visitor(app).get("/dataset/")) == "hit"
    clock.now += 6  # another process's write is seen once the window has passed
    assert cache_state(visitor(app).get("/dataset/")) == "miss"


def test_only_successful_reads_of_the_listed_endpoints_are_kept(app, clock):
    for _ in range(2):
        assert cache_state(visitor(app).get("/dataset/inconnu")) == "miss"  # 404: rendered each time
        assert cache_state(visitor(app).get("/user/login")) is None  # not a listed endpoint
        assert cache_state(visitor(app).get("/api/3/action/status_show")) is None  # not a listed action


def test_zero_switches_the_cache_off(app, clock, monkeypatch):
    monkeypatch.setitem(tk.config, pagecache.SECONDS, 0)
    for _ in range(2):
        assert cache_state(visitor(app).get("/communes")) is None


def test_pages_are_kept_per_language_and_query(app, clock):
    french, english = visitor(app).get("/communes"), visitor(app).get("/en/communes")
    assert cache_state(english) == "miss"
    assert 'lang="fr"' in french.get_data(as_text=True) and 'lang="en"' in english.get_data(as_text=True)
    assert cache_state(visitor(app).get("/dataset/?q=piscine")) == "miss"
    assert cache_state(visitor(app).get("/dataset/?q=eau")) == "miss"
    assert cache_state(visitor(app).get("/dataset/?q=piscine")) == "hit"


def test_a_render_in_progress_delays_no_other_page(app, clock):
    """Nothing is held while a page renders: another page is served at once (tests/test_cache.py
    shows it for 200 keys, with a render really running)."""
    visitor(app).get("/communes")
    [communes] = list(pagecache._pages._entries)  # the key of /communes for an anonymous visitor
    pagecache.clear()
    _, flight = pagecache._pages.get_or_lead(communes)  # /communes is rendering, as long as this test wants
    try:
        assert cache_state(visitor(app).get("/dataset/")) == "miss"
        assert cache_state(visitor(app).get("/dataset/")) == "hit"
    finally:
        pagecache._pages.finish(flight)
    assert cache_state(visitor(app).get("/communes")) == "miss"
