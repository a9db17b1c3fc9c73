from __future__ import annotations

from ..messages import Message


class HarvestError(Exception):
    """A failure the operator reads on the job page: says what went wrong and where.
    ``message``: an English msgid with its parameters (``N_(…)``), stored as such and
    translated when read (see ckanext/metropole/messages.py). ``status``: the HTTP status
    that caused it, if any."""

    def __init__(self, message: Message | str, status: int | None = None):
        super().__init__(message)
        self.message = message
        self.status = status
