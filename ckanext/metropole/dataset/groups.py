"""Theme groups: the 13 themes as CKAN groups, kept in step with each dataset's ``theme``."""

from __future__ import annotations

import logging

import ckan.model as model
import ckan.plugins.toolkit as tk
import sqlalchemy as sa

from ..lists import as_list
from ..messages import in_portal_language
from ..writes import as_caller
from . import vocabularies as v

log = logging.getLogger(__name__)


def ensure_theme_groups(user_context: dict) -> dict[str, int]:
    """Create or update one group per theme, as the caller (group_create / group_patch
    check the caller's rights); returns counts."""
    counts = {"created": 0, "updated": 0, "unchanged": 0}
    for theme in v.themes():
        context = as_caller(user_context)
        group = model.Group.get(theme["id"])
        # a group's title is content every visitor shares: in the portal's language, whoever syncs
        title, description = in_portal_language(theme["label"]), in_portal_language(theme["description"])
        if group is None:
            tk.get_action("group_create")(
                context, {"name": theme["id"], "title": title, "description": description}
            )
            counts["created"] += 1
        elif (group.title, group.description, group.state) != (title, description, "active"):
            tk.get_action("group_patch")(
                context, {"id": group.id, "title": title, "description": description, "state": "active"}
            )
            counts["updated"] += 1
        else:
            counts["unchanged"] += 1
    return counts


def _theme_groups_with_membership(package_id: str) -> list:
    """(group id, group name, membership id or None) of each active theme group for the
    dataset, in one query of columns (loading the 13 groups as objects for each dataset
    written cost more than the rest of this hook)."""
    group, member = model.group_table, model.member_table
    return model.Session.execute(
        sa.select(group.c.id, group.c.name, member.c.id)
        .select_from(
            group.outerjoin(
                member,
                (member.c.group_id == group.c.id)
                & (member.c.table_name == "package")
                & (member.c.table_id == package_id),
            )
        )
        .where(
            group.c.name.in_(list(v.theme_labels())),
            group.c.is_organization.is_(False),
            group.c.state == "active",
        )
    ).all()


def sync_memberships(package_id: str, themes) -> bool:
    """Make the dataset a member of exactly its themes' groups (other groups untouched).

    Runs inside package_create/package_update, before their commit, writing Member rows
    directly: the dataset is then indexed once, with its groups. The write is authorised by
    the package action that runs it (the membership is derived from the ``theme`` field the
    user may set), not by rights on the theme groups, which commune agents do not hold.
    Returns whether anything changed.
    """
    wanted = set(as_list(themes))
    rows = _theme_groups_with_membership(package_id)
    if not rows:
        return False  # theme groups not created yet (ckan metropole themes sync)
    groups = {name: group_id for group_id, name, _ in rows}
    current = {
        group_id: model.Session.get(model.Member, member_id) for group_id, _, member_id in rows if member_id
    }
    changed = False
    for name, group_id in groups.items():
        member = current.get(group_id)
        if name in wanted and (member is None or member.state != "active"):
            if member is None:
                # (Member takes its group as a relationship: group_id= would be ignored)
                model.Session.add(
                    model.Member(
                        table_name="package",
                        table_id=package_id,
                        group=model.Session.get(model.Group, group_id),
                        capacity="public",
                        state="active",
                    )
                )
            else:
                member.state = "active"
            changed = True
        elif name not in wanted and member is not None and member.state == "active":
            member.state = "deleted"
            changed = True
    return changed


def resync_all() -> int:
    """Memberships of every dataset from its theme (after creating the groups). Returns the
    number of datasets whose groups changed, which are reindexed."""
    from ckan.lib import search

    changed = []
    rows = (
        model.Session.query(model.Package.id, model.PackageExtra.value)
        .outerjoin(
            model.PackageExtra,
            (model.PackageExtra.package_id == model.Package.id) & (model.PackageExtra.key == "theme"),
        )
        .filter(model.Package.state == "active", model.Package.type == "dataset")
    )
    for package_id, themes in rows.all():
        if sync_memberships(package_id, themes or "[]"):
            changed.append(package_id)
    model.repo.commit()
    for package_id in changed:
        search.rebuild(package_id)
    return len(changed)
