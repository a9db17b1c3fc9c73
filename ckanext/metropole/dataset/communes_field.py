"""The ``communes`` field: INSEE codes of the communes a dataset covers."""
from __future__ import annotations

import time

import ckan.model as model

from ..communes.territory import commune_organisations

_cache: dict = {}
TTL = 60  # seconds; organisation writes in this process clear it at once


def clear_cache() -> None:
    _cache.clear()


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
    return {g.extras["insee_code"]: g.title for g in commune_organisations() if g.extras.get("insee_code")}


def default_communes(owner_org: str | None) -> list[str]:
    """A commune's datasets cover the commune; a métropole's cover all its communes."""
    if not owner_org:
        return []
    org = model.Group.get(owner_org)
    if org is None:
        return []
    extras = org.extras
    if extras.get("kind") == "commune" and extras.get("insee_code"):
        return [extras["insee_code"]]
    if extras.get("kind") == "metropole":
        return sorted(g.extras["insee_code"] for g in commune_organisations()
                      if g.extras.get("member_of") == org.name and g.extras.get("insee_code"))
    return []
