"""Burst cache: the figures behind /communes, /participation (+ .csv) and the home page,
computed once per short window in each server process.

Why: 200 visitors opening /communes at the same moment each ran the same Solr facet query
and the same organisation reading, held 200 database connections and got HTTP 500 when the
pool ran dry. These figures are the same for everyone (public organisations, public dataset
counts), so one computation can serve a whole burst:

- **single-flight**: the first request of a burst computes; the others of the same process
  asking for the same key wait for its result instead of computing it again (cache.py: no
  lock per key, no wait behind another key);
- **short TTL** (``ckanext.metropole.burst_cache_seconds``, default 5 s), and any write made
  through CKAN's actions (dataset or organisation create/edit/delete, see the dataset plugin's
  hooks) clears it at once in the writing process and within ``cache.CHECK_SECONDS`` in the
  others;
- **data only, never pages**: what is cached is the actions' result (no user in it); the
  page, with its header naming the signed-in user, is rendered for each request. Callers
  get a deep copy, so one request can never change what the next one reads;
- **bounded**: at most ``MAX_ENTRIES`` results (keys carry callers' parameters), least
  recently used out first.
"""

from __future__ import annotations

import copy
import time
from collections.abc import Callable, Hashable
from typing import Any

import ckan.plugins.toolkit as tk

from . import cache

CONFIG_KEY = "ckanext.metropole.burst_cache_seconds"
MAX_ENTRIES = 256

_clock: Callable[[], float] = time.monotonic  # tests move time forward through this
_cache = cache.Cache(cache.WRITES, MAX_ENTRIES, clock=lambda: _clock())


def seconds() -> float:
    return float(tk.config.get(CONFIG_KEY) or 0)


def cached(key: Hashable, compute: Callable[[], Any], ttl: float | None = None) -> Any:
    """``compute()``, or its result computed less than ``ttl`` seconds ago in this process
    (default: the configured burst window; 0 disables the cache)."""
    ttl = seconds() if ttl is None else ttl
    if ttl <= 0:
        return compute()
    return copy.deepcopy(_cache.cached(key, compute, ttl))


def clear() -> None:
    """A write: what was computed before is stale, here at once, elsewhere within
    cache.CHECK_SECONDS. A computation already running keeps its old generation, so its
    result is not served after the write."""
    cache.WRITES.bump()
