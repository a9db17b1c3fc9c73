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
- **writes**: a write made through CKAN's actions (the hooks that clear burst.py) makes every
  stored page stale at once in its process, within ``cache.CHECK_SECONDS`` in the others; any
  other change shows within the window (``ckanext.metropole.page_cache_seconds``, default 5 s;
  0 switches the cache off).

Single-flight as in burst.py (cache.py): the first request of a burst renders, the others of
the same process asking for the same page wait for it (bounded wait, then they render
themselves); nothing is held during a render, so no request waits behind another page's. Only
200 answers of the configured endpoints (``ckanext.metropole.page_cache_endpoints``) and read
actions of the API (``ckanext.metropole.page_cache_actions``) are kept, bounded in count and
bytes (least recently used first out), without their Set-Cookie headers.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Hashable

import ckan.plugins.toolkit as tk
import flask
from flask_login import current_user

from . import cache

SECONDS = "ckanext.metropole.page_cache_seconds"
ENDPOINTS = "ckanext.metropole.page_cache_endpoints"
ACTIONS = "ckanext.metropole.page_cache_actions"
MAX_BYTES = 64 * 1024 * 1024  # per process, all pages together
MAX_PAGES = 4096
MAX_PAGE_BYTES = 4 * 1024 * 1024  # a bigger answer is never kept
WAIT_SECONDS = 15  # a request waits at most this long for the burst's first one
PLACEHOLDER = b"\x00metropole-csrf-token\x00"  # never in a real page: NUL is refused in input
# Session keys that do not make a visitor's page their own: the CSRF token (replaced when
# served) and Flask-Login's bookkeeping for anonymous visitors.
NEUTRAL_SESSION_KEYS = frozenset({"_permanent", "_fresh", "_id"})
DROPPED_HEADERS = frozenset({"set-cookie", "content-length"})

_clock: Callable[[], float] = time.monotonic  # tests move time forward through this
_pages = cache.Cache(cache.WRITES, MAX_PAGES, MAX_BYTES, clock=lambda: _clock())


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
    return (
        request.environ.get("CKAN_LANG"),
        request.environ.get("CKAN_LANG_IS_DEFAULT"),
        request.full_path,
        request.headers.get("Accept", ""),
    )


def _serve(entry) -> flask.Response:
    status, headers, body = entry
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
    entry, flight = _pages.get_or_lead(key, WAIT_SECONDS)
    if entry is not cache.MISSING:
        return _serve(entry)
    if flight is not None:  # None: the burst's first request is stuck, this one renders uncached
        flask.g.metropole_page_cache = flight
    return None


def after_request(response: flask.Response) -> flask.Response:
    flight = flask.g.pop("metropole_page_cache", None)
    if flight is None:
        return response
    entry = None
    try:
        if response.status_code == 200 and not response.direct_passthrough and not response.is_streamed:
            entry = _entry(response)
    finally:
        if entry is None:
            _pages.finish(flight)
        else:
            _pages.finish(flight, entry, ttl=seconds(), size=len(entry[2]))
    response.headers["X-Metropole-Cache"] = "miss"
    return response


def teardown_request(_exc=None):
    """A view that raised never reaches after_request: free the burst's other requests."""
    flight = flask.g.pop("metropole_page_cache", None)
    if flight is not None:
        _pages.finish(flight)


def _entry(response: flask.Response) -> tuple | None:
    """What is kept of a response: status, headers without cookies, body with the CSRF token
    replaced by the placeholder; None for an answer too big to keep."""
    body = response.get_data()
    if len(body) > MAX_PAGE_BYTES:
        return None
    token = flask.g.get(_csrf_field())  # what Flask-WTF rendered for this request, if anything
    if token:
        body = body.replace(token.encode(), PLACEHOLDER)
    headers = [(k, v) for k, v in response.headers.items() if k.lower() not in DROPPED_HEADERS]
    return response.status_code, headers, body


def clear() -> None:
    """Forget the pages of this process (tests)."""
    _pages.clear()


def install(app):
    """Register the hooks on the Flask application CKAN builds (IMiddleware): they run after
    CKAN's own before_request, which has identified the visitor."""
    app.before_request(before_request)
    app.after_request(after_request)
    app.teardown_request(teardown_request)
    return app
