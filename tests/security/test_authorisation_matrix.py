"""Who may do what: anonymous, an editor and an admin of commune A, an admin of the
métropole, a sysadmin × every action we add or rely on (datasets, organisations, groups,
harvest, users). One world, one table: a failure lists every cell that is wrong."""

from __future__ import annotations

import ckan.model as model
import ckan.plugins.toolkit as tk
import pytest
from ckan.tests import factories, helpers
from ckanext.harvest.model import HarvestJob, HarvestObject

from ..conftest import DATASET_DEFAULTS, make_dataset
from .conftest import metropole_and_commune

ROLES = ("anonymous", "editor_a", "admin_a", "metropole_admin", "sysadmin")
EVERYONE = set(ROLES)
LOGGED_IN = EVERYONE - {"anonymous"}
WRITERS_A = {"editor_a", "admin_a", "sysadmin"}
ADMINS_A = {"admin_a", "sysadmin"}
SYSADMIN = {"sysadmin"}


@pytest.fixture
def world():
    sysadmin = factories.Sysadmin()
    as_sys = {"user": sysadmin["name"]}
    metro, a = metropole_and_commune(as_sys)
    b = helpers.call_action(
        "organization_create",
        context=dict(as_sys),
        name="clermont-ferrand",
        title="Clermont-Ferrand",
        kind="commune",
        insee_code="63113",
        member_of=metro["name"],
    )
    users = {"sysadmin": sysadmin}
    for role, org, capacity in (
        ("editor_a", a, "editor"),
        ("admin_a", a, "admin"),
        ("metropole_admin", metro, "admin"),
    ):
        users[role] = factories.User()
        helpers.call_action(
            "organization_member_create", id=org["id"], username=users[role]["name"], role=capacity
        )
    source = helpers.call_action(
        "harvest_source_create",
        context=dict(as_sys),
        url="https://data.aubiere.fr/",
        name="source-aubiere",
        title="Portail d'Aubière",
        source_type="intercommunal",
        owner_org=a["id"],
        private=True,
    )
    job = HarvestJob(source_id=source["id"], status="Running")
    job.save()
    harvested = make_dataset(owner_org=a["id"], private=True)
    obj = HarvestObject(
        guid="x",
        job=job,
        harvest_source_id=source["id"],
        package_id=harvested["id"],
        current=True,
        content='{"secret": "contenu brut"}',
    )
    obj.save()
    return {
        "users": users,
        "metro": metro,
        "a": a,
        "b": b,
        "source": source,
        "job": job,
        "object": obj,
        "dataset_a": make_dataset(owner_org=a["id"]),
        "dataset_b": make_dataset(owner_org=b["id"]),
        "private_a": make_dataset(owner_org=a["id"], private=True),
    }


def _matrix(w):
    a, b, metro = w["a"]["id"], w["b"]["id"], w["metro"]["id"]
    da, db, pa = w["dataset_a"]["id"], w["dataset_b"]["id"], w["private_a"]["id"]
    src, job, obj = w["source"]["id"], w["job"].id, w["object"].id
    new = {"name": "nouveau", "title": "Nouveau", **DATASET_DEFAULTS}
    return [
        # datasets
        ("package_show", {"id": da}, EVERYONE),
        ("package_show", {"id": pa}, WRITERS_A),
        ("package_search", {"q": "*:*"}, EVERYONE),
        ("package_create", {**new, "owner_org": a}, WRITERS_A),
        ("package_create", {**new, "owner_org": b}, SYSADMIN),
        ("package_create", {**new, "owner_org": metro}, {"metropole_admin", "sysadmin"}),
        ("package_update", {"id": da}, WRITERS_A),
        ("package_update", {"id": db}, SYSADMIN),
        ("package_patch", {"id": db}, SYSADMIN),
        ("package_delete", {"id": da}, WRITERS_A),
        ("package_delete", {"id": db}, SYSADMIN),
        ("resource_create", {"package_id": da}, WRITERS_A),
        ("resource_create", {"package_id": db}, SYSADMIN),
        ("dataset_purge", {"id": da}, SYSADMIN),
        # organisations and groups
        ("organization_show", {"id": a}, EVERYONE),
        ("organization_list", {}, EVERYONE),
        ("organization_create", {"name": "fausse-commune"}, SYSADMIN),
        ("group_create", {"name": "faux-theme"}, SYSADMIN),
        ("organization_update", {"id": a}, ADMINS_A),
        ("organization_patch", {"id": a}, ADMINS_A),
        ("organization_update", {"id": b}, SYSADMIN),
        ("organization_update", {"id": metro}, {"metropole_admin", "sysadmin"}),
        ("organization_delete", {"id": a}, SYSADMIN),
        ("organization_delete", {"id": metro}, SYSADMIN),
        ("organization_purge", {"id": a}, SYSADMIN),
        ("organization_member_create", {"id": a, "username": "x", "role": "editor"}, ADMINS_A),
        ("organization_member_create", {"id": b, "username": "x", "role": "editor"}, SYSADMIN),
        # (organization_member_delete's own auth says yes to all: its action checks member_delete)
        ("member_delete", {"id": a, "object": w["users"]["editor_a"]["id"], "object_type": "user"}, ADMINS_A),
        # harvest (the source of A is private)
        ("harvest_source_show", {"id": src}, WRITERS_A),
        ("harvest_source_create", {"owner_org": a, "name": "s2", "url": "https://x.fr/"}, WRITERS_A),
        ("harvest_source_create", {"owner_org": b, "name": "s2", "url": "https://x.fr/"}, SYSADMIN),
        ("harvest_source_update", {"id": src}, WRITERS_A),
        ("harvest_source_clear", {"id": src}, WRITERS_A),
        ("harvest_source_delete", {"id": src}, WRITERS_A),
        ("harvest_job_create", {"source_id": src}, WRITERS_A),
        ("harvest_job_show", {"id": job}, WRITERS_A),
        ("harvest_job_list", {"source_id": src}, WRITERS_A),
        ("harvest_job_abort", {"id": job}, SYSADMIN),
        ("harvest_jobs_run", {}, SYSADMIN),
        ("harvest_object_show", {"id": obj}, WRITERS_A),
        ("harvest_sources_clear", {}, SYSADMIN),
        # users
        ("user_list", {}, LOGGED_IN),
        ("user_show", {"id": w["users"]["sysadmin"]["id"]}, LOGGED_IN),
        ("user_create", {"name": "nouvel-agent"}, EVERYONE),  # ckan.auth.create_user_via_web (test.ini)
        ("user_delete", {"id": w["users"]["editor_a"]["id"]}, SYSADMIN),
    ]


def _allowed(user, action, data) -> bool:
    context = {"user": user["name"] if user else "", "model": model, "ignore_auth": False}
    try:
        tk.check_access(action, context, dict(data))
        return True
    except tk.NotAuthorized:
        return False


@pytest.mark.usefixtures("clean_db", "clean_index", "with_plugins")
def test_authorisation_matrix(world):
    rows = _matrix(world)
    if "metropole_territory_load" in _registered_actions():
        rows.append(("metropole_territory_load", {}, SYSADMIN))
    wrong = []
    for action, data, allowed in rows:
        for role in ROLES:
            user = world["users"].get(role)
            got = _allowed(user, action, data)
            if got != (role in allowed):
                wrong.append(f"{action} {sorted(data)} as {role}: {'allowed' if got else 'refused'}")
    assert wrong == [], "\n".join(wrong)


def _registered_actions():
    from ckan.logic import _actions

    tk.get_action("package_show")  # fills the registry
    return set(_actions)
