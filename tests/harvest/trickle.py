"""A real server on 127.0.0.1 that answers one byte at a time (a hostile or broken source):
every read of the client gets a byte well within its per-read timeout, so only a deadline on
the whole request can end it. Each connection is bounded (``max_bytes``) so that a client
without a deadline fails the test instead of hanging it."""

from __future__ import annotations

import socket
import threading
import time

HEADERS = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n"


class Trickle:
    """``mode``: "headers" (the status line, then a header that never ends), "body" (complete
    headers, then the body byte by byte), "export" (a JSON array whose items come slowly)."""

    def __init__(self, mode: str, interval: float = 0.2, max_bytes: int = 200):
        self.mode, self.interval, self.max_bytes = mode, interval, max_bytes
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        self.connections = 0
        self.stopped = threading.Event()
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self):
        while not self.stopped.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.connections += 1
            threading.Thread(target=self._answer, args=(conn,), daemon=True).start()

    def _answer(self, conn):
        with conn:
            try:
                conn.recv(65536)  # the request
                if self.mode == "headers":
                    conn.sendall(b"HTTP/1.1 200 OK\r\nX-Pad: ")
                    drip = b"a"
                elif self.mode == "body":
                    conn.sendall(HEADERS)
                    drip = b" "
                else:
                    conn.sendall(HEADERS.replace(b"Content-Length: 100000\r\n", b"") + b'[{"a": 1}')
                    drip = b" "
                for _ in range(self.max_bytes):
                    if self.stopped.is_set():
                        return
                    time.sleep(self.interval)
                    conn.sendall(drip)
            except OSError:
                return  # the client cut the connection: what a deadline does

    def stop(self):
        self.stopped.set()
        self.sock.close()
