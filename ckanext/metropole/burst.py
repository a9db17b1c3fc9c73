"""Burst cache: the figures behind /communes, /participation (+ .csv) and the home page,
computed once per short window in each server process.

Why: 200 visitors opening /communes at the same moment each ran the same Solr facet query
and the same organisation reading, held 200 database connections and got HTTP 500 when the
pool ran dry. These figures are the same for everyone (public organisations, public dataset
counts), so one computation can serve a whole burst:

- **single-flight**: the first request of a burst computes; the others of the same process
  wait for its result instead of computing it again (a lock per key);
- **short TTL** (``ckanext.metropole.burst_cache_seconds``, default 5 s): an editor's change
  made on another server process shows within seconds; a write in this process (dataset or
  organisation create/edit/delete, see the dataset plugin's hooks) clears it at once;
- **data only, never pages**: what is cached is the actions' result (no user in it); the
  page, with its header naming the signed-in user, is rendered for each request. Callers
  get a deep copy, so one request can never change what the next one reads.

Per process on purpose: a gunicorn worker computes once per window (a handful of workers),
which needs no shared store and cannot serve another worker's stale copy after its own write.
"""
from __future__ import annotations

import copy
import threading
import time
from typing import Any, Callable, Hashable

import ckan.plugins.toolkit as tk

CONFIG_KEY = "ckanext.metropole.burst_cache_seconds"

_clock: Callable[[], float] = time.monotonic  # tests move time forward through this
_entries: dict[Hashable, tuple[float, int, Any]] = {}  # key -> (expires at, generation, value)
_locks: dict[Hashable, threading.Lock] = {}
_guard = threading.Lock()
_generation = 0


def seconds() -> float:
    return float(tk.config.get(CONFIG_KEY) or 0)


def _fresh(key: Hashable):
    entry = _entries.get(key)
    if entry and entry[1] == _generation and entry[0] > _clock():
        return entry
    return None


def cached(key: Hashable, compute: Callable[[], Any], ttl: float | None = None) -> Any:
    """``compute()``, or its result computed less than ``ttl`` seconds ago in this process
    (default: the configured burst window; 0 disables the cache)."""
    ttl = seconds() if ttl is None else ttl
    if ttl <= 0:
        return compute()
    entry = _fresh(key)
    if entry is None:
        with _guard:
            lock = _locks.setdefault(key, threading.Lock())
        with lock:  # single-flight: the others of the burst wait here for the first one
            entry = _fresh(key)
            if entry is None:
                generation = _generation
                value = compute()
                entry = (_clock() + ttl, generation, value)
                _entries[key] = entry
    return copy.deepcopy(entry[2])


def generation() -> int:
    """Changes at each write seen by this process (clear): what was computed before is stale
    (pagecache.py keys its pages with it too)."""
    return _generation


def clear() -> None:
    """Forget everything (a write in this process): the next request computes afresh.
    A computation already running when the write happened keeps its old generation, so its
    result is not served after the write."""
    global _generation
    with _guard:
        _generation += 1
        _entries.clear()
