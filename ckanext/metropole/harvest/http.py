"""HTTP for harvesting: bounded in size, time and redirects, and refusing internal addresses.

A harvest source URL is typed by an operator and fetched by the server: without these
guards it could read the portal's own network (SSRF). Loopback, private, link-local and
reserved addresses are refused unless the host is listed in
``ckanext.metropole.harvest.allowed_hosts`` (development and tests allow 127.0.0.1).
"""

from __future__ import annotations

import contextlib
import ipaddress
import socket
import time
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

import ckan.plugins.toolkit as tk
import ijson
import requests

from ..messages import N_
from . import answers
from . import deadline as dl
from .errors import HarvestError

USER_AGENT = "ckanext-metropole-harvester/0.1 (+https://github.com/ckan)"


@dataclass
class Response:
    url: str
    status: int
    content_type: str
    body: bytes
    charset: str = ""  # as the Content-Type header announces it

    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")

    def json(self):
        """The JSON document, or a HarvestError saying what is wrong with the answer."""
        return answers.decode_json(self.body, self.url, self.content_type, self.charset)


class Client:
    """``deadline``: the monotonic time by which the whole harvest (or preview) that owns this
    client must be over; every request ends by it, or by its own request_deadline if sooner."""

    def __init__(self, allowed_hosts=None, max_bytes=None, timeout=None, max_redirects=5, deadline=None):
        config = tk.config
        if allowed_hosts is None:
            allowed_hosts = config.get("ckanext.metropole.harvest.allowed_hosts") or []
        if isinstance(allowed_hosts, str):
            allowed_hosts = allowed_hosts.split()
        self.allowed_hosts = {h.lower() for h in allowed_hosts}
        self.max_bytes = int(
            max_bytes or config.get("ckanext.metropole.harvest.max_response_bytes") or 50_000_000
        )
        self.max_stream_bytes = int(config.get("ckanext.metropole.harvest.max_export_bytes") or 2_000_000_000)
        self.timeout = float(timeout or config.get("ckanext.metropole.harvest.timeout") or 30)
        self.max_redirects = max_redirects
        self.request_seconds = float(config.get("ckanext.metropole.harvest.request_deadline") or 120)
        self.deadline = deadline
        self.session = dl.session()
        self.session.headers["User-Agent"] = USER_AGENT

    def check_host(self, url: str) -> None:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https"):
            raise HarvestError(N_("Address refused: {url} (only http and https are harvested).", url=url))
        host = (parts.hostname or "").lower()
        if not host:
            raise HarvestError(N_("Invalid address: {url}", url=url))
        if host in self.allowed_hosts:
            return
        try:
            infos = socket.getaddrinfo(host, parts.port or (443 if parts.scheme == "https" else 80))
        except socket.gaierror as e:
            raise HarvestError(
                N_("The name {host} resolves to no address (DNS): check the source's URL.", host=host)
            ) from e
        for info in infos:
            ip = ipaddress.ip_address(info[4][0])
            if (
                ip.is_loopback
                or ip.is_private
                or ip.is_link_local
                or ip.is_reserved
                or ip.is_multicast
                or ip.is_unspecified
            ):
                raise HarvestError(
                    N_(
                        "Address refused: {host} leads to {ip}, a local or private address. An operator may "
                        "allow it with ckanext.metropole.harvest.allowed_hosts.",
                        host=host,
                        ip=str(ip),
                    )
                )

    def _watchdog(self, whole: bool = False) -> dl.Watchdog:
        """The watchdog of one call: its own deadline within the harvest's; ``whole``: a call that
        may take the harvest's whole time (a catalogue export read as it arrives)."""
        now = time.monotonic()
        at = now + self.request_seconds
        if self.deadline is not None and (whole or self.deadline < at):
            at = self.deadline
        return dl.Watchdog(at)

    def _cut(self, watchdog: dl.Watchdog, url: str) -> HarvestError:
        if self.deadline is not None and watchdog.at == self.deadline:
            return HarvestError(
                N_(
                    "The harvest's deadline was reached while querying {url}: the source answers too "
                    "slowly or not at all; nothing was changed or withdrawn.",
                    url=url,
                ),
                code=HarvestError.DEADLINE,
            )
        return HarvestError(
            N_(
                "The source did not answer {url} within {seconds:.0f} s (whole-request deadline, "
                "ckanext.metropole.harvest.request_deadline): the request was cut.",
                url=url,
                seconds=self.request_seconds,
            ),
            code=HarvestError.DEADLINE,
        )

    @contextlib.contextmanager
    def _open(self, url: str, params: dict | None = None, accept: str | None = None, watchdog=None):
        """The response at ``url`` after the guarded redirects, its body not read yet; its
        connections are cut by ``watchdog`` at its deadline."""
        current = requests.Request("GET", url, params=params).prepare().url
        for _ in range(self.max_redirects + 1):
            self.check_host(current)
            if watchdog.remaining <= 0:
                raise self._cut(watchdog, current)
            try:
                with watchdog.sending():
                    response = self.session.get(
                        current,
                        stream=True,
                        allow_redirects=False,
                        timeout=(min(10, self.timeout, watchdog.remaining), self.timeout),
                        headers={"Accept": accept} if accept else None,
                    )
            except requests.RequestException as e:
                if watchdog.fired:
                    raise self._cut(watchdog, current) from e
                if isinstance(e, requests.Timeout):
                    raise HarvestError(
                        N_("Timed out ({seconds:.0f} s) querying {url}.", seconds=self.timeout, url=current)
                    ) from e
                raise HarvestError(
                    N_("Cannot connect to {url}: {error}.", url=current, error=type(e).__name__)
                ) from e
            with response:
                if response.is_redirect:
                    location = response.headers.get("Location")
                    if not location:
                        raise HarvestError(N_("Redirect without a destination from {url}.", url=current))
                    current = urljoin(current, location)
                    continue
                yield current, response
                return
        raise HarvestError(
            N_("Too many redirects (more than {count}) from {url}.", count=self.max_redirects, url=url)
        )

    def get(self, url: str, params: dict | None = None, accept: str | None = None) -> Response:
        """GET with guards; raises HarvestError on any failure or non-2xx status."""
        with self._watchdog() as watchdog, self._open(url, params, accept, watchdog) as (current, response):
            body = self._read(response, current, watchdog)
            if response.status_code >= 400:
                raise HarvestError(
                    N_("HTTP error {status} querying {url}.", status=response.status_code, url=current),
                    status=response.status_code,
                )
            content_type = response.headers.get("Content-Type", "")
            return Response(
                current,
                response.status_code,
                content_type.split(";")[0].strip().lower(),
                body,
                content_type.lower().partition("charset=")[2].split(";")[0].strip(' "'),
            )

    def json_array_items(self, url: str, params: dict | None = None):
        """The items of the JSON array at ``url``, parsed as the body arrives (ijson): memory
        holds one item at a time, whatever the size of the array. A whole catalogue export
        may take long: each read has the timeout, the body is bounded by
        ckanext.metropole.harvest.max_export_bytes. Anything but a complete JSON array raises
        HarvestError. The whole read ends by the harvest's deadline."""
        with (
            self._watchdog(whole=True) as watchdog,
            self._open(url, params, "application/json", watchdog) as (current, response),
        ):
            if response.status_code >= 400:
                raise HarvestError(
                    N_("HTTP error {status} querying {url}.", status=response.status_code, url=current),
                    status=response.status_code,
                )
            body = _StreamedBody(response, current, self.max_stream_bytes)
            try:
                yield from ijson.items(body, "item")
            except HarvestError:
                if watchdog.fired:
                    raise self._cut(watchdog, current) from None
                raise
            except ijson.JSONError as e:
                if watchdog.fired:
                    raise self._cut(watchdog, current) from e
                raise HarvestError(
                    N_(
                        "Invalid or truncated JSON response from {url} ({error}): nothing is kept.",
                        url=current,
                        error=str(e),
                    )
                ) from e
            if watchdog.fired:
                raise self._cut(watchdog, current)
            body.check_complete()

    def _read(self, response, url: str, watchdog: dl.Watchdog) -> bytes:
        declared = response.headers.get("Content-Length")
        if declared and declared.isdigit() and int(declared) > self.max_bytes:
            raise HarvestError(
                N_(
                    "Response too large from {url}: {size} bytes announced, limit {limit}.",
                    url=url,
                    size=int(declared),
                    limit=self.max_bytes,
                ),
                code=HarvestError.TOO_LARGE,
            )
        chunks, size = [], 0
        try:
            for chunk in response.iter_content(64 * 1024):
                size += len(chunk)
                if size > self.max_bytes:
                    raise _too_large(response, url, self.max_bytes)
                if watchdog.fired:
                    raise self._cut(watchdog, url)
                chunks.append(chunk)
        except requests.RequestException as e:
            if watchdog.fired:
                raise self._cut(watchdog, url) from e
            if isinstance(e, requests.exceptions.ContentDecodingError):
                raise HarvestError(
                    N_(
                        "The compressed answer of {url} ({encoding}) cannot be decompressed: it is "
                        "corrupt or truncated.",
                        url=url,
                        encoding=response.headers.get("Content-Encoding", "?"),
                    )
                ) from e
            raise HarvestError(
                N_(
                    "Response interrupted from {url} ({error}): truncated content.",
                    url=url,
                    error=type(e).__name__,
                )
            ) from e
        if watchdog.fired:  # cut at the deadline: what arrived is not the whole answer
            raise self._cut(watchdog, url)
        body = b"".join(chunks)
        if declared and declared.isdigit() and len(body) < int(declared):
            raise HarvestError(
                N_(
                    "Truncated response from {url}: {size} bytes received of {declared} announced.",
                    url=url,
                    size=len(body),
                    declared=declared,
                )
            )
        return body


def _too_large(response, url: str, limit: int) -> HarvestError:
    """The body grew past the limit. Compressed answers are counted decompressed, as they
    arrive (urllib3 decompresses at most what is read): a compression bomb stops here."""
    encoding = response.headers.get("Content-Encoding", "").strip().lower()
    if encoding and encoding != "identity":
        return HarvestError(
            N_(
                "Response too large from {url} once decompressed ({encoding}): more than {limit} "
                "bytes. The source compresses far beyond what a catalogue needs.",
                url=url,
                encoding=encoding,
                limit=limit,
            ),
            code=HarvestError.TOO_LARGE,
        )
    return HarvestError(
        N_("Response too large from {url}: more than {limit} bytes.", url=url, limit=limit),
        code=HarvestError.TOO_LARGE,
    )


class _StreamedBody:
    """A response body as a file for ijson: bounded in size, checked to be a JSON array and
    complete (Content-Length), a broken connection reported as a truncated body."""

    def __init__(self, response, url: str, max_bytes: int):
        self.response = response
        self.chunks = response.iter_content(64 * 1024)
        self.url = url
        self.max_bytes = max_bytes
        self.declared = response.headers.get("Content-Length")
        self.size = 0
        self.started = False

    def read(self, size: int = -1) -> bytes:
        if size == 0:  # ijson asks for nothing first, to tell bytes from text
            return b""
        try:
            chunk = next(self.chunks, b"")
        except requests.RequestException as e:
            raise HarvestError(
                N_(
                    "Response interrupted from {url} ({error}): truncated content.",
                    url=self.url,
                    error=type(e).__name__,
                )
            ) from e
        self.size += len(chunk)
        if self.size > self.max_bytes:
            raise _too_large(self.response, self.url, self.max_bytes)
        if not self.started and chunk.strip():
            self.started = True
            if not chunk.lstrip().startswith(b"["):
                raise HarvestError(
                    N_("Unexpected response from {url}: a JSON list was expected.", url=self.url)
                )
        return chunk

    def check_complete(self) -> None:
        if not self.started:
            raise HarvestError(N_("Empty response from {url}: a JSON list was expected.", url=self.url))
        if self.declared and self.declared.isdigit() and self.size < int(self.declared):
            raise HarvestError(
                N_(
                    "Truncated response from {url}: {size} bytes received of {declared} announced.",
                    url=self.url,
                    size=self.size,
                    declared=self.declared,
                )
            )
