"""Deadlines on the calls to a source: the whole request, not each read.

requests' timeout bounds each socket read: a source that sends one byte every two seconds never
trips it (urllib3 reads a chunk or a status line by many small reads, each within the timeout),
and holds a harvest as long as it likes. Here every connection opened for a call is tracked by
a watchdog timer which, at the call's deadline, shuts the connection's socket down: the read
that waits returns at once, whatever the source does, in the header phase as in the body.

Deadlines are absolute (``time.monotonic()``): a request's own (``request_seconds``) within the
gather's or the preview's (``Client(deadline=...)``).
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time

import requests
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

# The watchdog of the request being sent by this thread (set only while session.get() connects
# and reads the headers: no generator suspends inside it).
_sending = threading.local()


class Watchdog:
    """Shuts down the sockets it tracks once ``at`` (monotonic) is passed. Sockets, not
    connections: http.client lets go of a connection's socket once a response that ends with the
    connection is under way (no Content-Length), which then reads from the socket alone."""

    def __init__(self, at: float):
        self.at = at
        self.fired = False
        self._sockets: list = []
        self._lock = threading.Lock()
        self._timer = threading.Timer(max(0.0, at - time.monotonic()), self._fire)
        self._timer.daemon = True

    def __enter__(self):
        self._timer.start()
        return self

    def __exit__(self, *exc):
        self._timer.cancel()
        with self._lock:
            self._sockets.clear()

    def track(self, sock) -> None:
        with self._lock:
            if self.fired:
                _shut(sock)
            else:
                self._sockets.append(sock)

    def _fire(self) -> None:
        with self._lock:
            self.fired = True
            for sock in self._sockets:
                _shut(sock)

    @property
    def remaining(self) -> float:
        return self.at - time.monotonic()

    def sending(self):
        """Context: connections this thread opens or reuses meanwhile are tracked."""
        return _Sending(self)


class _Sending:
    def __init__(self, watchdog: Watchdog):
        self.watchdog = watchdog

    def __enter__(self):
        self.previous = getattr(_sending, "watchdog", None)
        _sending.watchdog = self.watchdog

    def __exit__(self, *exc):
        _sending.watchdog = self.previous


def _shut(sock) -> None:
    # socket.socket's own shutdown, also under TLS: the SSL layer's would drop its state under
    # the thread reading it. OSError: already closed.
    with contextlib.suppress(OSError):
        socket.socket.shutdown(sock, socket.SHUT_RDWR)


def _tracked(base):
    class Tracked(base):
        def connect(self):
            super().connect()
            self._track()

        def request(self, *args, **kwargs):
            if self.sock is not None:  # a kept-alive connection, reused
                self._track()
            return super().request(*args, **kwargs)

        def _track(self):
            watchdog = getattr(_sending, "watchdog", None)
            if watchdog is not None and self.sock is not None:
                watchdog.track(self.sock)

    return Tracked


class _HTTPPool(HTTPConnectionPool):
    ConnectionCls = _tracked(HTTPConnection)


class _HTTPSPool(HTTPSConnectionPool):
    ConnectionCls = _tracked(HTTPSConnection)


class DeadlineAdapter(HTTPAdapter):
    """requests' adapter whose connections a Watchdog can cut."""

    def init_poolmanager(self, *args, **kwargs):
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {"http": _HTTPPool, "https": _HTTPSPool}


def session() -> requests.Session:
    s = requests.Session()
    adapter = DeadlineAdapter()
    s.mount("http://", adapter)
    s.mount("https://", adapter)
    return s
