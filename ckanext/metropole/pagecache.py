"""Anonymous page cache: the public pages most visited, rendered once per short window in each
server process and served to every anonymous visitor of that window.

Why: on this 2-core machine a catalogue page costs CKAN 0.1–0.3 s of CPU to render (Jinja,
snippets, helpers), whatever its data; 200 visitors arriving together waited 13–50 s (p95) even
with the figures cached (burst.py). CKAN's deployment documentation puts a reverse-proxy cache
in front of CKAN for anonymous visitors; CKAN 2.11's own signal for it (``Cache-Control:
public`` with ``Vary: Cookie``) no longer works, because every page now writes a CSRF token
into a session cookie, so each browser would get a cache entry of its own. This cache lives in
the application instead, where it knows what a proxy cannot:

- **who is anonymous**: CKAN has identified the visitor (Flask-Login, API token) before the
  hook runs; a signed-in user, an API call with a token, a visitor with a flash message or any
  other session data never reads nor fills the cache;
- **the CSRF token**: the page served carries the visitor's *own* token (the token rendered in
  the stored copy is replaced by a placeholder, and the placeholder by the visitor's token when
  served), so the language selector's form and any other form keep working, and no visitor
  ever sees another's token;
- **writes**: a write in this process (the hooks that clear burst.py) makes every stored page
  stale at once; another process's write shows within the window
  (``ckanext.metropole.page_cache_seconds``, default 5 s; 0 switches the cache off).

Single-flight as in burst.py: the first request of a burst renders, the others of the same
process wait for it (bounded wait, then they render themselves). Only 200 answers of the
configured endpoints (``ckanext.metropole.page_cache_endpoints``) and read actions of the API
(``ckanext.metropole.page_cache_actions``) are kept, bounded in count and bytes (least recently
used first out), without their Set-Cookie headers.
"""
from __future__ import annotations

import collections
import threading
import time
from typing import Callable, Hashable

import flask
from flask_login import current_user

import ckan.plugins.toolkit as tk

from . import burst

SECONDS = "ckanext.metropole.page_cache_seconds"
ENDPOINTS = "ckanext.metropole.page_cache_endpoints"
ACTIONS = "ckanext.metropole.page_cache_actions"
MAX_BYTES = 64 * 1024 * 1024  # per process, all pages together
MAX_PAGE_BYTES = 4 * 1024 * 1024  # a bigger answer is never kept
WAIT_SECONDS = 15  # a request waits at most this long for the burst's first one
PLACEHOLDER = b"\x00metropole-csrf-token\x00"  # never in a real page: NUL is refused in input
# Session keys that do not make a visitor's page their own: the CSRF token (replaced when
# served) and Flask-Login's bookkeeping for anonymous visitors.
NEUTRAL_SESSION_KEYS = frozenset({"_permanent", "_fresh", "_id"})
DROPPED_HEADERS = frozenset({"set-cookie", "content-length"})

_clock: Callable[[], float] = time.monotonic  # tests move time forward through this
_pages: collections.OrderedDict[Hashable, tuple] = collections.OrderedDict()
_bytes = 0
# Single-flight locks in a fixed set of stripes (a key's hash picks one): one lock per key
# would grow without bound as visitors vary the query string.
_stripes = [threading.Lock() for _ in range(64)]
_guard = threading.Lock()


def seconds() -> float:
    return float(tk.config.get(SECONDS) or 0)


def _csrf_field() -> str:
    return tk.config.get("WTF_CSRF_FIELD_NAME") or "_csrf_token"


def _key() -> Hashable | None:
    """The cache key of this request, or None when it must be rendered for this visitor."""
    request = flask.request
    if request.method != "GET" or seconds() <= 0:
        return None
    endpoint = request.endpoint or ""
    if endpoint == "api.action":
        if (request.view_args or {}).get("logic_function") not in tk.config.get(ACTIONS):
            return None
    elif endpoint not in tk.config.get(ENDPOINTS):
        return None
    if not current_user.is_anonymous:  # signed in, by session cookie or by API token
        return None
    if set(flask.session.keys()) - NEUTRAL_SESSION_KEYS - {_csrf_field()}:
        return None  # a flash message, a came_from, a plugin's state: this visitor's own page
    return (request.environ.get("CKAN_LANG"), request.environ.get("CKAN_LANG_IS_DEFAULT"),
            request.full_path, request.headers.get("Accept", ""))


def _fresh(key: Hashable):
    entry = _pages.get(key)
    if entry and entry[1] == burst.generation() and entry[0] > _clock():
        return entry
    return None


def _serve(entry) -> flask.Response:
    _, _, status, headers, body = entry
    if PLACEHOLDER in body:
        from flask_wtf.csrf import generate_csrf  # the visitor's own token (in their session)

        body = body.replace(PLACEHOLDER, generate_csrf().encode())
    response = flask.Response(body, status=status, headers=headers)
    response.headers["X-Metropole-Cache"] = "hit"
    # the page carries this visitor's token and session cookie: CKAN's after_request marks it
    # private (no shared cache downstream may keep it), as it does the pages it renders
    flask.request.environ["__no_cache__"] = True
    return response


def before_request():
    """Serve a fresh copy, or let this request render it for the others (single-flight)."""
    key = _key()
    if key is None:
        return None
    entry = _fresh(key)
    if entry is not None:
        return _serve(entry)
    lock = _stripes[hash(key) % len(_stripes)]
    if not lock.acquire(timeout=WAIT_SECONDS):
        return None  # the burst's first request is stuck: render this one without the cache
    entry = _fresh(key)
    if entry is not None:
        lock.release()
        return _serve(entry)
    flask.g.metropole_page_cache = (key, lock, burst.generation())
    return None


def after_request(response: flask.Response) -> flask.Response:
    filling = flask.g.pop("metropole_page_cache", None)
    if filling is None:
        return response
    key, lock, generation = filling
    try:
        if response.status_code == 200 and not response.direct_passthrough and not response.is_streamed:
            _store(key, generation, response)
    finally:
        lock.release()
    response.headers["X-Metropole-Cache"] = "miss"
    return response


def teardown_request(_exc=None):
    """A view that raised never reaches after_request: free the burst's other requests."""
    filling = flask.g.pop("metropole_page_cache", None)
    if filling is not None:
        filling[1].release()


def _store(key: Hashable, generation: int, response: flask.Response) -> None:
    global _bytes
    body = response.get_data()
    if len(body) > MAX_PAGE_BYTES:
        return
    token = flask.g.get(_csrf_field())  # what Flask-WTF rendered for this request, if anything
    if token:
        body = body.replace(token.encode(), PLACEHOLDER)
    headers = [(k, v) for k, v in response.headers.items() if k.lower() not in DROPPED_HEADERS]
    with _guard:
        old = _pages.pop(key, None)
        if old is not None:
            _bytes -= len(old[4])
        _pages[key] = (_clock() + seconds(), generation, response.status_code, headers, body)
        _bytes += len(body)
        while _bytes > MAX_BYTES and _pages:
            _, dropped = _pages.popitem(last=False)
            _bytes -= len(dropped[4])


def clear() -> None:
    global _bytes
    with _guard:
        _pages.clear()
        _bytes = 0


def install(app):
    """Register the hooks on the Flask application CKAN builds (IMiddleware): they run after
    CKAN's own before_request, which has identified the visitor."""
    app.before_request(before_request)
    app.after_request(after_request)
    app.teardown_request(teardown_request)
    return app
