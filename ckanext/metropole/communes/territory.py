"""A territory (the métropole and its member communes) turned into CKAN organisations.

``plan()`` reads the portal and decides, for every organisation, create / update /
unchanged, and refuses the whole load (before any write) on a conflict. The action
``metropole_territory_load`` (logic/action.py) then writes through the Action API, with the
caller's authorisation, so every write is validated like a form. Organisations are
matched by INSEE code, never by name: loading again updates, never duplicates.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field

import ckan.model as model
import ckan.plugins.toolkit as tk
from ckan.plugins.toolkit import _
from slugify import slugify

from .reference import Commune, obliged, reference

# Fields the reference data owns; anything else (description, logo, website…) is the
# commune's own and never overwritten.
MANAGED = ("title", "kind", "insee_code", "siren", "population", "postal_codes", "member_of")


class TerritoryError(Exception):
    """A load refused before any write; the message (French) names the offending value."""


@dataclass
class Territory:
    name: str
    title: str
    siren: str | None
    population: int | None
    communes: list[Commune]
    source: str


@dataclass
class Change:
    action: str  # create | update | unchanged
    name: str
    data: dict
    changed: list[str] = field(default_factory=list)
    org_id: str | None = None


@dataclass
class Plan:
    territory: Territory
    metropole: Change
    communes: list[Change]
    reported: list[str]

    def changes(self) -> list[Change]:
        return [self.metropole, *self.communes]


# ------------------------------------------------------------------ territory definition


def from_epci(siren: str, name: str | None = None, title: str | None = None) -> Territory:
    siren = siren.strip()
    epci = reference().epci(siren)
    if epci is None:
        raise TerritoryError(
            _(
                "Unknown SIREN: {siren} is no EPCI of the official reference data. For a territory "
                "that is not an EPCI (the Métropole de Lyon for example), give the list of its "
                "communes with --communes FILE."
            ).format(siren=siren)
        )
    communes = [reference().commune(code) for code in epci.members]
    missing = [code for code, c in zip(epci.members, communes, strict=True) if c is None]
    if missing:
        raise TerritoryError(
            _("Member communes missing from the reference data: {codes}.").format(codes=", ".join(missing))
        )
    return Territory(
        name=name or slugify(epci.name),
        title=title or epci.name,
        siren=epci.siren,
        population=epci.population,
        communes=communes,
        source=f"EPCI {epci.siren}",
    )


def from_codes(
    codes: Iterable[str],
    name: str | None,
    title: str | None,
    siren: str | None = None,
    source: str | None = None,
) -> Territory:
    source = source or _("list of communes")
    if not name or not title:
        raise TerritoryError(
            _(
                "A territory given as a list of communes needs --name and --title "
                "(URL name and name of the métropole's organisation)."
            )
        )
    unique: list[str] = []
    for code in codes:
        if code not in unique:
            unique.append(code)
    if not unique:
        raise TerritoryError(_("No commune in {source}.").format(source=source))
    problems = []
    communes = []
    for code in unique:
        commune = reference().commune(code)
        if commune is None:
            successor = reference().successor(code)
            problems.append(
                _("{code} (merged into {name}, {insee})").format(
                    code=code, name=successor.name, insee=successor.insee
                )
                if successor
                else code
            )
        else:
            communes.append(commune)
    if problems:
        raise TerritoryError(
            _("INSEE codes unknown to the official reference data: {codes}.").format(
                codes=", ".join(problems)
            )
        )
    if siren:
        from .validators import siren as check_siren

        try:
            siren = check_siren(siren, {})
        except tk.Invalid as e:
            raise TerritoryError(str(e.error)) from None
    population = sum(c.population or 0 for c in communes)
    return Territory(
        name=name, title=title, siren=siren or None, population=population, communes=communes, source=source
    )


# ------------------------------------------------------------------ portal state


@dataclass
class Existing:
    id: str
    name: str
    title: str
    state: str
    is_organization: bool
    extras: dict


def _existing_groups() -> list[Existing]:
    groups = model.Session.query(model.Group).all()
    extras: dict[str, dict] = {}
    for group_id, key, value in model.Session.query(
        model.GroupExtra.group_id, model.GroupExtra.key, model.GroupExtra.value
    ).filter(model.GroupExtra.state == "active"):
        extras.setdefault(group_id, {})[key] = value
    return [
        Existing(g.id, g.name, g.title, g.state, bool(g.is_organization), extras.get(g.id, {}))
        for g in groups
    ]


def _unique_slug(commune: Commune, taken: set[str]) -> str:
    base = slugify(commune.name)[:90] or commune.insee
    for candidate in (base, f"{base}-{commune.departement}", f"{base}-{commune.insee}"):
        if candidate not in taken:
            return candidate
    raise TerritoryError(
        _("No free URL name for the commune {name} ({insee}).").format(name=commune.name, insee=commune.insee)
    )


def _stored(existing: Existing, key: str):
    if key == "title":
        return existing.title
    value = existing.extras.get(key, "")
    if key == "postal_codes":
        try:
            return json.loads(value or "[]")
        except ValueError:
            return []
    if key == "population":
        return int(value) if value not in ("", None) else None
    return value


def _diff(existing: Existing, wanted: dict) -> list[str]:
    return [key for key in MANAGED if key in wanted and _stored(existing, key) != wanted[key]]


def _commune_data(commune: Commune, metropole_name: str) -> dict:
    return {
        "title": commune.name,
        "kind": "commune",
        "insee_code": commune.insee,
        "siren": commune.siren or "",
        "population": commune.population,
        "postal_codes": list(commune.postal_codes),
        "member_of": metropole_name,
    }


def plan(territory: Territory) -> Plan:
    groups = _existing_groups()
    taken = {g.name for g in groups}
    orgs = [g for g in groups if g.is_organization and g.state != "deleted"]
    by_insee = {g.extras["insee_code"]: g for g in orgs if g.extras.get("insee_code")}
    wanted_codes = {c.insee for c in territory.communes}

    # The métropole organisation: by name, else by SIREN.
    metro = next((g for g in groups if g.name == territory.name), None)
    if metro is None and territory.siren:
        metro = next(
            (
                g
                for g in orgs
                if g.extras.get("kind") == "metropole" and g.extras.get("siren") == territory.siren
            ),
            None,
        )
    if metro is not None and (
        not metro.is_organization
        or metro.state == "deleted"
        or metro.extras.get("kind") not in ("metropole", None, "")
    ):
        raise TerritoryError(
            _(
                "The URL name “{name}” is taken by a group or an organisation that is not a "
                "métropole: choose another one with --name."
            ).format(name=territory.name)
        )
    metro_data = {
        "title": territory.title,
        "kind": "metropole",
        "siren": territory.siren or "",
        "population": territory.population,
        "postal_codes": [],
        "member_of": "",
    }
    if metro is None:
        metro_change = Change("create", territory.name, {"name": territory.name, **metro_data})
    else:
        changed = _diff(metro, metro_data)
        metro_change = Change(
            "update" if changed else "unchanged",
            metro.name,
            {k: metro_data[k] for k in changed},
            changed,
            metro.id,
        )
    metro_name = metro_change.name

    conflicts = []
    changes = []
    for commune in territory.communes:
        wanted = _commune_data(commune, metro_name)
        org = by_insee.get(commune.insee)
        if org is None:
            name = _unique_slug(commune, taken)
            taken.add(name)
            changes.append(Change("create", name, {"name": name, **wanted}))
            continue
        owner = org.extras.get("member_of")
        if owner and owner != metro_name:
            conflicts.append(
                _("{name} ({insee}) already belongs to the territory “{owner}”").format(
                    name=commune.name, insee=commune.insee, owner=owner
                )
            )
            continue
        changed = _diff(org, wanted)
        changes.append(
            Change(
                "update" if changed else "unchanged",
                org.name,
                {k: wanted[k] for k in changed},
                changed,
                org.id,
            )
        )
    if conflicts:
        raise TerritoryError(
            _(
                "Communes already attached to another territory: {conflicts}. Remove them "
                "from this territory or the other one before loading again."
            ).format(conflicts="; ".join(conflicts))
        )

    reported = []
    for org in orgs:
        if (
            org.extras.get("kind") == "commune"
            and org.extras.get("member_of") == metro_name
            and org.extras.get("insee_code") not in wanted_codes
        ):
            code = org.extras.get("insee_code", "")
            successor = reference().successor(code)
            why = (
                _("merged into {name} ({insee})").format(name=successor.name, insee=successor.insee)
                if successor
                else _("is no longer a member of the territory")
            )
            reported.append(
                _("{title} ({code}) {why}: organisation “{name}” kept with its data").format(
                    title=org.title, code=code, why=why, name=org.name
                )
            )
    return Plan(territory, metro_change, changes, reported)


# ------------------------------------------------------------------ writing


@dataclass
class Summary:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    reported: int = 0

    def count(self, change: Change) -> None:
        attr = {"create": "created", "update": "updated"}.get(change.action, "unchanged")
        setattr(self, attr, getattr(self, attr) + 1)

    def __str__(self) -> str:
        return _(
            "created: {created}, updated: {updated}, unchanged: {unchanged}, reported: {reported}"
        ).format(created=self.created, updated=self.updated, unchanged=self.unchanged, reported=self.reported)


# ------------------------------------------------------------------ reading back


def _row(g: Existing) -> dict:
    population = _stored(g, "population")
    return {
        "id": g.id,
        "name": g.name,
        "title": g.title,
        "siren": g.extras.get("siren") or None,
        "population": population,
    }


def _commune_row(g: Existing) -> dict:
    population = _stored(g, "population")
    return {
        **_row(g),
        "insee_code": g.extras.get("insee_code"),
        "postal_codes": _stored(g, "postal_codes"),
        "open_data_obligation": obliged(population),
    }


def _active(groups: list[Existing], kind: str) -> list[Existing]:
    return [g for g in groups if g.is_organization and g.state == "active" and g.extras.get("kind") == kind]


def by_metropole() -> list[dict]:
    """Each métropole (by title) with its communes (by name), from ONE read of the groups.
    Behind the action metropole_territory_show: nothing else reads it."""
    groups = _existing_groups()
    communes = _active(groups, "commune")
    return [
        {
            **_row(metro),
            "communes": sorted(
                (_commune_row(g) for g in communes if g.extras.get("member_of") == metro.name),
                key=lambda r: slugify(r["title"]),
            ),
        }
        for metro in sorted(_active(groups, "metropole"), key=lambda m: m.title)
    ]
