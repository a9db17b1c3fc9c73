"""One bounded in-process cache for what many requests (or many indexed datasets) share: the
figures behind the pages (burst.py), the anonymous pages themselves (pagecache.py), the commune
names (dataset/communes_field.py) and the organisations read while indexing (dataset/quality.py).

What each :class:`Cache` guarantees, whatever keys its callers send (anonymous visitors choose
query strings, hence keys):

- **bounded memory**: at most ``max_entries`` values and, when given, ``max_bytes`` (the sizes
  the callers declare); the least recently *used* goes first (a hit moves its entry to the end);
- **bounded lock table**: single flight without a lock per key. The first caller of a missing
  key registers a :class:`Flight` (an Event), computes, stores and removes it: the table holds
  only the computations running now, at most ``MAX_FLIGHTS`` (past it, a caller computes without
  single flight). Nothing is ever held while a value is computed, so a request never waits
  behind the computation of *another* key; the callers of the *same* key wait for its Event,
  bounded (``wait``), then compute for themselves;
- **staleness bound**: every entry expires after its TTL (the callers' declared options,
  ``ckanext.metropole.burst_cache_seconds``, ``page_cache_seconds``, ...). Writes bump a
  :class:`Generation`: in the writing process every cache of that generation is stale at once;
  in every other process (a harvest consumer writes, a web worker reads) within
  ``CHECK_SECONDS`` of the write's *commit*, because the Redis counter is bumped once the
  transaction commits (a harvest batch commits once for many datasets: a reader bumped earlier
  would recompute from the rows before it) and a reader compares it at most that often. So a
  read more than ``CHECK_SECONDS`` after a write made through CKAN's actions (their
  create/edit/delete hooks, dataset plugin) has committed never returns what was computed
  before it; a change made behind CKAN's back (the index rebuilt, a direct SQL update) shows
  after the TTL.

Per process on purpose: the values are Python objects read many times a second, and a worker
serves its own copy without a network round trip; Redis carries one integer per generation.
"""

from __future__ import annotations

import collections
import logging
import threading
import time
from collections.abc import Callable, Hashable
from typing import Any

import ckan.plugins.toolkit as tk

log = logging.getLogger(__name__)

CHECK_SECONDS = 1.0  # how often a process reads the generations' Redis counters, at most
MAX_FLIGHTS = 256  # computations registered at once, per cache (requests run in far fewer threads)
WAIT_SECONDS = 30.0  # a caller waits at most this long for another's computation of its key
MISSING = object()  # no value (None is a value a cache may keep)

_clock: Callable[[], float] = time.monotonic  # tests move time forward through this


class Generation:
    """What the writes of one kind have changed: a count of this process's writes and the
    portal's count in Redis (``<site id>:metropole:cache-generation:<name>``), read at most
    once per ``CHECK_SECONDS``. A cache whose generation's :meth:`stamp` changed drops
    everything it holds."""

    def __init__(self, name: str):
        self.name = name
        self._local = 0
        self._remote: int | None = None
        self._checked_at = float("-inf")
        self._lock = threading.Lock()
        self._failing = False

    def _key(self) -> str:
        return f"{tk.config.get('ckan.site_id')}:metropole:cache-generation:{self.name}"

    def _redis(self, command: str) -> int | None:
        from ckan.lib.redis import connect_to_redis

        try:
            value = getattr(connect_to_redis(), command)(self._key())
        except Exception as e:
            if not self._failing:
                log.warning(
                    "cache generation %s: Redis unavailable (%s); other processes' writes "
                    "show after the caches' TTL",
                    self.name,
                    e,
                )
            self._failing = True
            return None
        self._failing = False
        return int(value or 0)

    def stamp(self) -> tuple[int, int | None]:
        now = _clock()
        if now - self._checked_at >= CHECK_SECONDS:
            self._checked_at = now
            remote = self._redis("get")
            if remote is not None:
                self._remote = remote
        return self._local, self._remote

    def bump(self, everywhere: bool = True) -> None:
        """A write: stale at once here and, ``everywhere``, within CHECK_SECONDS in every
        other process."""
        with self._lock:
            self._local += 1
        remote = self._redis("incr") if everywhere else None
        if remote is not None:
            self._remote = remote


# Writes of any dataset or organisation; writes of organisations only (a harvest writes many
# datasets and keeps what depends only on the organisations).
WRITES = Generation("writes")
ORGANISATIONS = Generation("organisations")


PENDING = "metropole_cache_generations"  # in the session's info: bumped when it commits


def written(organisation: bool) -> None:
    """A write of this kind in the current transaction (the plugins' write hooks): every
    cache depending on it is stale at once in this process, and again here and in every
    other process when the transaction commits."""
    import ckan.model as model
    from sqlalchemy import event

    generations = (WRITES, ORGANISATIONS) if organisation else (WRITES,)
    for generation in generations:
        generation.bump(everywhere=False)
    session = model.Session()  # this thread's
    pending = session.info.setdefault(PENDING, set())
    if not pending:
        event.listen(session, "after_commit", _committed, once=True)
    pending.update(generations)


def _committed(session) -> None:
    for generation in session.info.pop(PENDING, ()):
        generation.bump()


class Flight:
    """One computation of a key in progress; the other callers of the key wait on ``done``."""

    __slots__ = ("done", "key", "stamp")

    def __init__(self, key: Hashable, stamp):
        self.key = key
        self.stamp = stamp
        self.done = threading.Event()


class Cache:
    def __init__(
        self,
        generation: Generation,
        max_entries: int,
        max_bytes: int | None = None,
        clock: Callable[[], float] | None = None,
    ):
        self.generation = generation
        self.max_entries = max_entries
        self.max_bytes = max_bytes
        # the TTL's clock: a caller's own (its tests move it), by default this module's
        self._clock = clock or (lambda: _clock())
        self._entries: collections.OrderedDict[Hashable, tuple[float, Any, int]] = collections.OrderedDict()
        self._flights: dict[Hashable, Flight] = {}
        self._bytes = 0
        self._stamp = None
        self._guard = threading.Lock()  # held for dictionary operations only, never while computing

    # -- under the guard
    def _sync(self, stamp) -> None:
        if stamp != self._stamp:
            self._entries.clear()
            self._bytes = 0
            self._stamp = stamp

    def _fresh(self, key: Hashable):
        entry = self._entries.get(key)
        if entry is None:
            return MISSING
        if entry[0] <= self._clock():
            del self._entries[key]
            self._bytes -= entry[2]
            return MISSING
        self._entries.move_to_end(key)  # least recently used goes first
        return entry[1]

    def _put(self, key: Hashable, value, ttl: float, size: int) -> None:
        old = self._entries.pop(key, None)
        if old is not None:
            self._bytes -= old[2]
        self._entries[key] = (self._clock() + ttl, value, size)
        self._bytes += size
        while len(self._entries) > self.max_entries or (
            self.max_bytes is not None and self._bytes > self.max_bytes
        ):
            _, dropped = self._entries.popitem(last=False)
            self._bytes -= dropped[2]

    # -- the two halves of a computation, for callers that compute across calls (a page's render)
    def get_or_lead(self, key: Hashable, wait: float = WAIT_SECONDS) -> tuple[Any, Flight | None]:
        """``(value, None)`` when fresh; ``(MISSING, flight)`` when the caller is to compute the
        key and then :meth:`finish` the flight (always, even on failure); ``(MISSING, None)``
        when it is to compute without storing (another's computation of the key outlasted
        ``wait``, or too many computations run at once)."""
        deadline = time.monotonic() + wait
        while True:
            stamp = self.generation.stamp()  # may read Redis: outside the guard
            with self._guard:
                self._sync(stamp)
                value = self._fresh(key)
                if value is not MISSING:
                    return value, None
                flight = self._flights.get(key)
                if flight is None:
                    if len(self._flights) >= MAX_FLIGHTS:
                        return MISSING, None
                    flight = self._flights[key] = Flight(key, stamp)
                    return MISSING, flight
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not flight.done.wait(remaining):
                return MISSING, None
            # the computation ended: its value, or (it failed) this caller's turn to compute

    def finish(self, flight: Flight, value=MISSING, ttl: float = 0, size: int = 0) -> None:
        """End a computation: keep ``value`` (unless a write happened meanwhile), free the key."""
        stamp = self.generation.stamp()
        with self._guard:
            self._sync(stamp)
            fits = self.max_bytes is None or size <= self.max_bytes
            if value is not MISSING and ttl > 0 and flight.stamp == stamp and fits:
                self._put(flight.key, value, ttl, size)
            if self._flights.get(flight.key) is flight:
                del self._flights[flight.key]
        flight.done.set()

    def cached(
        self, key: Hashable, compute: Callable[[], Any], ttl: float, wait: float = WAIT_SECONDS
    ) -> Any:
        """``compute()``, or its result kept less than ``ttl`` seconds (0: no cache)."""
        if ttl <= 0:
            return compute()
        value, flight = self.get_or_lead(key, wait)
        if value is not MISSING:
            return value
        try:
            value = compute()
        except BaseException:
            if flight is not None:
                self.finish(flight)
            raise
        if flight is not None:
            self.finish(flight, value, ttl)
        return value

    def clear(self) -> None:
        """Forget this cache's values in this process only (tests; writes bump the generation)."""
        with self._guard:
            self._entries.clear()
            self._bytes = 0

    def stats(self) -> dict[str, int]:
        with self._guard:
            return {"entries": len(self._entries), "bytes": self._bytes, "flights": len(self._flights)}
