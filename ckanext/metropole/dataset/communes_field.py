"""The ``communes`` field: INSEE codes of the communes a dataset covers. The communes are
read through the communes capability's action ``metropole_territory_show``."""

from __future__ import annotations

import ckan.plugins.toolkit as tk

from .. import cache

# seconds; an organisation write clears it at once in its process, within
# cache.CHECK_SECONDS in the others
TTL = 60
_cache = cache.Cache(cache.ORGANISATIONS, max_entries=1)


def clear_cache() -> None:
    """An organisation write (tests: clean_db empties the database without the hooks)."""
    cache.ORGANISATIONS.bump()


def _territory() -> list[dict]:
    # Internal reading on behalf of the field (validation, facet labels): no user to check.
    return tk.get_action("metropole_territory_show")({"ignore_auth": True}, {})


def territory_communes() -> dict[str, str]:
    """INSEE code -> commune name, for every commune organisation of the portal.

    Read on every search (facet labels): cached briefly, since communes change only when a
    territory is loaded or an organisation edited."""
    return _cache.cached("communes", fresh_territory_communes, TTL)


def fresh_territory_communes() -> dict[str, str]:
    return {
        c["insee_code"]: c["title"] for metro in _territory() for c in metro["communes"] if c["insee_code"]
    }


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
