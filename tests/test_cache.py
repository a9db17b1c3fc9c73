"""The one bounded cache (ckanext/metropole/cache.py) behind burst.py, pagecache.py, the commune
names and quality's organisations: flat memory and lock table whatever keys anonymous callers
send, no wait behind another key's computation, least recently used out first, a write of
another process seen within CHECK_SECONDS (a moved clock, no timing)."""

from __future__ import annotations

import threading

import ckan.plugins.toolkit as tk
import pytest
import redis

from ckanext.metropole import burst, cache, pagecache

from .conftest import HandClock

BOUNDED_WAIT = 30  # seconds a thread may take before the test calls it stuck (never reached when right)


@pytest.fixture
def clock(monkeypatch):
    """One hand clock for the entries' TTL and for the generations' Redis checks."""
    c = HandClock()
    for module in (cache, burst, pagecache):
        monkeypatch.setattr(module, "_clock", c)
    for generation in (cache.WRITES, cache.ORGANISATIONS):
        monkeypatch.setattr(generation, "_checked_at", float("-inf"))
    burst._cache.clear()
    pagecache.clear()
    yield c
    burst._cache.clear()
    pagecache.clear()


def in_thread(target, *args) -> threading.Thread:
    thread = threading.Thread(target=target, args=args, daemon=True)
    thread.start()
    return thread


def test_varied_anonymous_keys_keep_memory_and_the_lock_table_flat(clock):
    """100,000 distinct keys (the query strings visitors choose): the entries stay within their
    bound and no lock nor flight is left behind."""
    for i in range(100_000):
        key = ("metropole_territory_show", f"nom-{i}", True)
        assert burst.cached(key, lambda i=i: {"i": i}, ttl=5) == {"i": i}
    assert burst._cache.stats() == {"entries": burst.MAX_ENTRIES, "bytes": 0, "flights": 0}
    # the pages: bounded in bytes as well
    page = b"x" * (pagecache.MAX_BYTES // 100)
    for i in range(1000):
        value, flight = pagecache._pages.get_or_lead(("fr", True, f"/dataset/?q={i}", ""))
        assert value is cache.MISSING and flight is not None
        pagecache._pages.finish(flight, (200, [], page), ttl=5, size=len(page))
    stats = pagecache._pages.stats()
    assert stats["bytes"] <= pagecache.MAX_BYTES and stats["entries"] == 100 and stats["flights"] == 0


def test_the_lock_table_is_bounded_while_computations_run(clock):
    """Past MAX_FLIGHTS computations at once, a caller computes without registering one."""
    c = cache.Cache(cache.WRITES, max_entries=10)
    flights = [c.get_or_lead(i)[1] for i in range(cache.MAX_FLIGHTS)]
    assert all(flights) and c.stats()["flights"] == cache.MAX_FLIGHTS
    assert c.get_or_lead("one more") == (cache.MISSING, None)
    assert c.stats()["flights"] == cache.MAX_FLIGHTS
    for flight in flights:
        c.finish(flight)
    assert c.stats()["flights"] == 0


def test_a_slow_computation_of_one_key_delays_no_other(clock):
    started, release = threading.Event(), threading.Event()

    def slow():
        started.set()
        release.wait(BOUNDED_WAIT)
        return "slow"

    slow_caller = in_thread(burst.cached, "slow page", slow, 5)
    assert started.wait(BOUNDED_WAIT)
    served = []
    # 200 other keys: with a lock per stripe of keys, some would share the slow key's stripe
    other = in_thread(lambda: served.extend(burst.cached(("page", i), lambda i=i: i, 5) for i in range(200)))
    other.join(BOUNDED_WAIT)
    still_computing = not release.is_set() and slow_caller.is_alive()
    release.set()
    slow_caller.join(BOUNDED_WAIT)
    assert not other.is_alive() and served == list(range(200))
    assert still_computing  # the others were served while the slow one was still computing


def test_the_callers_of_the_same_key_wait_for_its_computation(clock):
    c = cache.Cache(cache.WRITES, max_entries=10)
    _, flight = c.get_or_lead("page")
    got = []
    follower = in_thread(lambda: got.append(c.get_or_lead("page", wait=BOUNDED_WAIT)))
    c.finish(flight, "rendered", ttl=5)
    follower.join(BOUNDED_WAIT)
    assert got == [("rendered", None)]


def test_least_recently_used_goes_first(clock):
    c = cache.Cache(cache.WRITES, max_entries=3)
    for key in "abc":
        c.cached(key, lambda key=key: key.upper(), ttl=5)
    assert c.cached("a", lambda: "recomputed", ttl=5) == "A"  # a hit: a is now the most recent
    c.cached("d", lambda: "D", ttl=5)  # b, least recently used, goes
    assert [c.cached(k, lambda: "recomputed", ttl=5) for k in "acd"] == ["A", "C", "D"]
    assert c.cached("b", lambda: "recomputed", ttl=5) == "recomputed"


def test_entries_expire_after_their_ttl(clock):
    c = cache.Cache(cache.ORGANISATIONS, max_entries=3)
    assert c.cached("k", lambda: 1, ttl=5) == 1
    clock.now += 4
    assert c.cached("k", lambda: 2, ttl=5) == 1
    clock.now += 2
    assert c.cached("k", lambda: 3, ttl=5) == 3


def test_a_computation_overtaken_by_a_write_is_not_kept(clock):
    c = cache.Cache(cache.WRITES, max_entries=3)
    _, flight = c.get_or_lead("k")
    cache.written(organisation=False)  # a write while the value was computed from older data
    c.finish(flight, "before the write", ttl=5)
    assert c.cached("k", lambda: "after the write", ttl=5) == "after the write"


def test_a_write_in_another_process_is_seen_within_the_check_interval(clock):
    """A harvest consumer's write (its hooks bump the Redis counter) reaches this web worker's
    caches within CHECK_SECONDS; before the next check, the counter is not even read."""
    other_process = redis.Redis.from_url(tk.config["ckan.redis.url"])
    values = iter(range(100))
    assert burst.cached("figures", lambda: next(values), ttl=60) == 0
    assert quality_org("org-id", values) == 1
    other_process.incr(cache.WRITES._key())  # a dataset written elsewhere
    clock.now += cache.CHECK_SECONDS / 2
    assert burst.cached("figures", lambda: next(values), ttl=60) == 0
    clock.now += cache.CHECK_SECONDS / 2
    assert burst.cached("figures", lambda: next(values), ttl=60) == 2
    assert quality_org("org-id", values) == 1  # a dataset write keeps the organisations
    other_process.incr(cache.ORGANISATIONS._key())
    clock.now += cache.CHECK_SECONDS
    assert quality_org("org-id", values) == 3


def test_other_processes_are_told_once_the_write_commits(clock):
    """A harvest batch writes many datasets and commits once: told earlier, another process
    would recompute from the rows before the batch and keep them for the whole TTL."""
    import ckan.model as model

    other_process = redis.Redis.from_url(tk.config["ckan.redis.url"])
    counter = lambda: int(other_process.get(cache.WRITES._key()) or 0)  # noqa: E731
    before, here = counter(), cache.WRITES.stamp()
    cache.written(organisation=False)  # a dataset written in the current transaction
    cache.written(organisation=False)
    assert cache.WRITES.stamp() != here  # this process: stale at once
    assert counter() == before  # the others: not before the commit
    model.Session.commit()
    assert counter() == before + 1
    model.Session.commit()
    assert counter() == before + 1  # told once per transaction


def quality_org(owner_org, values):
    from ckanext.metropole.dataset import quality

    return quality._indexed_orgs.cached(owner_org, lambda: next(values), quality.ORG_TTL)
