"""The ``communes`` field: INSEE codes of the communes a dataset covers."""
from __future__ import annotations

import time

import ckan.model as model


def _commune_orgs():
    extras = (model.Session.query(model.GroupExtra.group_id, model.GroupExtra.key, model.GroupExtra.value)
              .join(model.Group, model.Group.id == model.GroupExtra.group_id)
              .filter(model.Group.is_organization.is_(True), model.Group.state == "active",
                      model.GroupExtra.state == "active",
                      model.GroupExtra.key.in_(("kind", "insee_code", "member_of"))))
    by_group: dict[str, dict] = {}
    for group_id, key, value in extras:
        by_group.setdefault(group_id, {})[key] = value
    return by_group


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
    titles = dict(model.Session.query(model.Group.id, model.Group.title)
                  .filter(model.Group.is_organization.is_(True), model.Group.state == "active"))
    return {e["insee_code"]: titles.get(gid, e["insee_code"])
            for gid, e in _commune_orgs().items() if e.get("kind") == "commune" and e.get("insee_code")}


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
        return sorted(e["insee_code"] for e in _commune_orgs().values()
                      if e.get("kind") == "commune" and e.get("member_of") == org.name and e.get("insee_code"))
    return []
