"""The ``communes`` field: INSEE codes of the communes a dataset covers. The communes are
read through the communes capability's action ``metropole_territory_show``."""
from __future__ import annotations

import time

import ckan.plugins.toolkit as tk

_cache: dict = {}
TTL = 60  # seconds; organisation writes in this process clear it at once


def clear_cache() -> None:
    _cache.clear()


def _territory() -> list[dict]:
    # Internal reading on behalf of the field (validation, facet labels): no user to check.
    return tk.get_action("metropole_territory_show")({"ignore_auth": True}, {})


def territory_communes() -> dict[str, str]:
    """INSEE code -> commune name, for every commune organisation of the portal.

    Read on every search (facet labels): cached briefly, since communes change only when a
    territory is loaded or an organisation edited."""
    cached = _cache.get("communes")
    if cached and time.monotonic() - cached[0] < TTL:
        return cached[1]
    value = fresh_territory_communes()
    _cache["communes"] = (time.monotonic(), value)
    return value


def fresh_territory_communes() -> dict[str, str]:
    return {c["insee_code"]: c["title"] for metro in _territory() for c in metro["communes"] if c["insee_code"]}


def default_communes(owner_org: str | None) -> list[str]:
    """A commune's datasets cover the commune; a métropole's cover all its communes."""
    if not owner_org:
        return []
    for metro in _territory():
        if owner_org in (metro["id"], metro["name"]):
            return sorted(c["insee_code"] for c in metro["communes"] if c["insee_code"])
        for c in metro["communes"]:
            if owner_org in (c["id"], c["name"]) and c["insee_code"]:
                return [c["insee_code"]]
    return []
