"""One write for a response's head and its first body bytes, in the portal's gunicorn.

gunicorn sends the status line and headers with one ``sendall`` and the body with another. A
web node killed (``kill -9``, the out-of-memory killer) between the two leaves nginx with a head
and no body: the head has gone to the client, so nginx can no longer pass the request to the
other node, and the visitor gets a truncated page (seen once in 5,893 requests of the cluster's
fault test). Sent together, a response is either on the wire whole (pages are rendered before
they are sent, with their Content-Length) or not at all, and then nginx retries it elsewhere.

Only the common case changes: a response of known length whose first chunk fits in it, without
chunked framing; anything else (streams, HEAD, 204/304) keeps gunicorn's own path. Installed by
gunicorn_conf.py when gunicorn's ``Response`` still has the attributes it was written against
(the pinned 27.0.1); otherwise gunicorn's own writes stay, with a warning.
"""

from __future__ import annotations

import inspect
import logging

from gunicorn.http import wsgi

log = logging.getLogger(__name__)

# what _write reads and sets of gunicorn's Response
_NEEDED = ("default_headers", "headers", "headers_sent", "response_length", "chunked", "_omits_body", "sent")


def _write(self, arg):
    if (
        not self.headers_sent
        and isinstance(arg, bytes)
        and arg
        and not self.chunked
        and not self._omits_body
        and self.response_length is not None
        and len(arg) <= self.response_length
    ):
        head = [*self.default_headers(), *(f"{k}: {v}\r\n" for k, v in self.headers)]
        self.sock.sendall(("{}\r\n".format("".join(head))).encode("latin-1") + arg)
        self.headers_sent = True
        self.sent += len(arg)
        return
    _gunicorn_write(self, arg)


_gunicorn_write = wsgi.Response.write


def install() -> bool:
    """Whether installed: gunicorn's Response still has what ``_write`` relies on."""
    source = inspect.getsource(wsgi.Response)
    if not all(f"self.{name}" in source for name in _NEEDED):
        log.warning("%s: a response's head and body stay in separate writes", wsgi.SERVER_SOFTWARE)
        return False
    wsgi.Response.write = _write
    return True
