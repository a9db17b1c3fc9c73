"""Deadlines (issue #24): a whole-request deadline on every call to a source, a deadline on the
gather; a source that trickles its answer is cut however it trickles (a harvest cut at its
deadline changes and withdraws nothing: tests/harvest/test_jobs.py)."""

from __future__ import annotations

import time

import pytest

from ckanext.metropole.harvest.errors import HarvestError
from ckanext.metropole.harvest.http import Client
from ckanext.metropole.messages import of

from .trickle import Trickle

# bounds of the waits below: each trickling connection ends by itself after 200 × 0.2 s
CUT_WITHIN = 6.0


@pytest.fixture(scope="module")
def trickles():
    servers = {mode: Trickle(mode) for mode in ("headers", "body", "export")}
    yield servers
    for server in servers.values():
        server.stop()


@pytest.mark.parametrize("mode", ["headers", "body"])
@pytest.mark.parametrize("whose", ["request", "harvest"])
def test_a_trickling_source_is_cut_at_the_deadline(trickles, mode, whose):
    """One byte every 0.2 s never trips the 30 s per-read timeout: the request's own deadline
    (ckanext.metropole.harvest.request_deadline) or the harvest's, whichever comes first, cuts
    it — in the header phase too."""
    start = time.monotonic()
    client = Client(deadline=start + 0.3) if whose == "harvest" else Client()
    if whose == "request":
        client.request_seconds = 0.3  # the option is whole seconds; a test need not wait one
    with pytest.raises(HarvestError) as raised:
        client.get(trickles[mode].url + "/api")
    elapsed = time.monotonic() - start
    assert raised.value.code == HarvestError.DEADLINE
    assert elapsed < CUT_WITHIN, elapsed
    text = str(of(raised.value))
    if whose == "harvest":
        assert "L'échéance du moissonnage a été atteinte" in text, text
    else:
        assert "n'a pas répondu" in text and "request_deadline" in text, text


def test_a_trickling_export_is_cut_at_the_harvest_deadline(trickles):
    """A whole-catalogue export is read as it arrives: the gather's deadline ends it."""
    start = time.monotonic()
    items = []
    with pytest.raises(HarvestError) as raised:  # noqa: PT012 - items arrive before the cut
        for item in Client(deadline=start + 0.3).json_array_items(trickles["export"].url + "/export"):
            items.append(item)
    assert raised.value.code == HarvestError.DEADLINE
    assert time.monotonic() - start < CUT_WITHIN
    assert items == [{"a": 1}]  # what came before the cut was read, nothing is kept of it
