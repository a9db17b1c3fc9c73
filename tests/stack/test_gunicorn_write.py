"""A response's head and first body bytes leave gunicorn in one write (stack/gunicorn_write.py),
so a web node killed mid-response never hands nginx a head without its page. gunicorn's own
Request and Response on a real socket pair; only the number of sendall calls is counted."""

from __future__ import annotations

import socket

import pytest
from gunicorn.config import Config
from gunicorn.http import wsgi
from gunicorn.http.message import Request
from gunicorn.http.unreader import IterUnreader

from ckanext.metropole.stack import gunicorn_write


class CountingSocket(socket.socket):
    """A real socket that counts its sendall calls."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.sendalls = 0

    def sendall(self, data, *args):
        self.sendalls += 1
        return super().sendall(data, *args)


@pytest.fixture
def installed(monkeypatch):
    monkeypatch.setattr(wsgi.Response, "write", wsgi.Response.write)  # undone after the test
    assert gunicorn_write.install(), "the pinned gunicorn's Response no longer fits"


def _exchange(method: str, headers: list[tuple[str, str]], chunks: list[bytes]) -> tuple[int, bytes]:
    a, b = socket.socketpair()
    sock = CountingSocket(fileno=a.detach())
    try:
        cfg = Config()
        req = Request(
            cfg, IterUnreader([f"{method} / HTTP/1.1\r\nHost: portail\r\n\r\n".encode()]), ("127.0.0.1", 1)
        )
        response = wsgi.Response(req, sock, cfg)
        response.start_response("200 OK", headers)
        for chunk in chunks:
            response.write(chunk)
        response.close()
        sock.shutdown(socket.SHUT_WR)
        received = b""
        b.settimeout(5)
        while data := b.recv(65536):
            received += data
        return sock.sendalls, received
    finally:
        sock.close()
        b.close()


def test_a_page_leaves_in_one_write_whole(installed):
    page = "<html>é</html>".encode() * 3000  # a rendered page, ~45 KB, its length known
    writes, received = _exchange(
        "GET", [("Content-Type", "text/html"), ("Content-Length", str(len(page)))], [page]
    )
    head, body = received.split(b"\r\n\r\n", 1)
    assert writes == 1
    assert head.startswith(b"HTTP/1.1 200 OK\r\n") and f"Content-Length: {len(page)}".encode() in head
    assert body == page


def test_streams_and_bodiless_answers_keep_gunicorns_writes(installed):
    # a stream without a length (an export): chunked framing, gunicorn's own path
    writes, received = _exchange("GET", [("Content-Type", "text/csv")], [b"a;b\n", b"1;2\n"])
    assert writes > 1 and b"Transfer-Encoding: chunked" in received and received.endswith(b"0\r\n\r\n")
    # HEAD: the head alone, no body bytes, as gunicorn sends it
    writes, received = _exchange("HEAD", [("Content-Length", "5")], [b"hello"])
    assert received.endswith(b"\r\n\r\n") and b"hello" not in received
    # a first chunk longer than the announced length is cut by gunicorn itself
    writes, received = _exchange("GET", [("Content-Length", "2")], [b"abcd"])
    assert received.endswith(b"\r\n\r\nab")
