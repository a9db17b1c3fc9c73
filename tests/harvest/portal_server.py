"""A real HTTP server on 127.0.0.1 playing a commune portal from fixture files.

Routes map a path (and optionally query parameters) to a fixture file or a body; faults
(status codes, slow answers, truncated or oversized bodies, redirect loops) are injected
per route. ``{root}`` in fixture files becomes the server's base URL.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

FIXTURES = Path(__file__).resolve().parent / "fixtures"


@dataclass
class Route:
    body: bytes = b""
    status: int = 200
    content_type: str = "application/json"
    query: dict = field(default_factory=dict)
    fault: str | None = None  # slow | truncated | oversized | redirect-loop
    hits: int = 0
    headers: dict = field(default_factory=dict)  # more response headers (Content-Encoding…)


class Portal:
    def __init__(self):
        self.routes: dict[str, list[Route]] = {}
        self.requests: list[str] = []
        portal = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def do_GET(self):
                portal.requests.append(self.path)
                parts = urlsplit(self.path)
                query = dict(parse_qsl(parts.query))
                route = portal.match(parts.path, query)
                if route is None:
                    return self._send(404, b'{"error": "not found"}', "application/json")
                route.hits += 1
                if route.fault == "slow":
                    time.sleep(3)
                if route.fault == "redirect-loop":
                    self.send_response(302)
                    sep = "&" if parts.query else "?"
                    self.send_header("Location", f"{self.path}{sep}loop={route.hits}")
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                if route.fault == "truncated":
                    self.send_response(200)
                    self.send_header("Content-Type", route.content_type)
                    self.send_header("Content-Length", str(len(route.body) * 2))
                    self.send_header("Connection", "close")
                    self.end_headers()
                    self.wfile.write(route.body[: len(route.body) // 2])
                    self.close_connection = True
                    return
                if route.fault == "oversized":
                    self.send_response(200)
                    self.send_header("Content-Type", route.content_type)
                    self.send_header("Connection", "close")
                    self.end_headers()
                    chunk = b" " * 65536
                    try:
                        for _ in range(64):  # 4 MiB at most, bounded
                            self.wfile.write(chunk)
                    except (BrokenPipeError, ConnectionResetError):
                        pass
                    self.close_connection = True
                    return
                body = route.body.replace(b"{root}", portal.url.encode())
                self._send(route.status, body, route.content_type, route.headers)

            def _send(self, status, body, content_type, headers=None):
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                for name, value in (headers or {}).items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def match(self, path, query):
        for route in self.routes.get(path, []):
            # a None value asks only that the parameter be present
            if all((k in query) if v is None else query.get(k) == str(v) for k, v in route.query.items()):
                return route
        return None

    def add(
        self,
        path,
        body=b"",
        *,
        fixture=None,
        query=None,
        status=200,
        content_type="application/json",
        fault=None,
        headers=None,
    ):
        if fixture:
            body = (FIXTURES / fixture).read_bytes()
        if isinstance(body, str):
            body = body.encode()
        # most specific first: routes with more query constraints win
        routes = self.routes.setdefault(path, [])
        routes.insert(
            0, Route(body, status, content_type, dict(query or {}), fault, headers=dict(headers or {}))
        )
        routes.sort(key=lambda r: -len(r.query))
        return routes

    def clear(self, path=None):
        if path:
            self.routes.pop(path, None)
        else:
            self.routes.clear()

    def stop(self):
        self.server.shutdown()
        self.server.server_close()
