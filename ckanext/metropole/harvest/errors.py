from __future__ import annotations

from ..messages import Message


class HarvestError(Exception):
    """A failure the operator reads on the job page: says what went wrong and where.
    ``message``: an English msgid with its parameters (``N_(…)``), stored as such and
    translated when read (see ckanext/metropole/messages.py). ``status``: the HTTP status
    that caused it, if any. ``code``: a machine code for callers that decide on the kind of
    failure (``"too_large"``), never on the message, which is in the reader's language."""

    TOO_LARGE = "too_large"
    DEADLINE = "deadline"  # a deadline (request, gather, preview) cut the call

    def __init__(self, message: Message | str, status: int | None = None, code: str | None = None):
        super().__init__(message)
        self.message = message
        self.status = status
        self.code = code
