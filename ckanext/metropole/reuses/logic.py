"""Actions, auth and validators of reuses.

A reuse is a dataset of type ``reuse`` (schemas/reuse.yaml) owned by the métropole's
organisation. Anyone with an account proposes one (``metropole_reuse_submit``): it is created
private, i.e. unpublished. A sysadmin or an admin of the métropole's organisation publishes
it (``metropole_reuse_publish``). ``metropole_reuse_list`` lists published reuses, of one
dataset or all; moderators also get the pending ones.
"""

from __future__ import annotations

import json
from urllib.parse import urlparse

import ckan.authz as authz
import ckan.plugins.toolkit as tk

from ..lists import as_list, dataset_ids, dataset_refs

_ = tk._
REUSE_TYPE = "reuse"
INDEX_FIELD = "vocab_reuse_datasets"  # CKAN's multi-valued vocab_* Solr field


# ---------------------------------------------------------------- validators


def http_url(value, context):
    if value in (None, ""):
        return value
    parsed = urlparse(str(value).strip())
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        raise tk.Invalid(_("Invalid web address: it must start with https:// or http://"))
    return str(value).strip()


def datasets(value, context):
    """One or more datasets of the portal (names, ids or addresses) → their ids, as JSON."""
    refs = dataset_refs(value)
    if not refs:
        raise tk.Invalid(_("Name at least one dataset of the portal."))
    return json.dumps(dataset_ids(refs, public_only=True))


# ---------------------------------------------------------------- auth


def submit_auth(context, data_dict):
    # any signed-in user proposes a reuse; it stays unpublished until moderated
    if context.get("auth_user_obj") is None and not context.get("user"):
        return {"success": False, "msg": _("Sign in to propose a reuse.")}
    return {"success": True}


def _is_moderator(user: str | None, org_id: str | None) -> bool:
    if not user:
        return False
    if authz.is_sysadmin(user):
        return True
    return bool(org_id) and authz.users_role_for_group_or_org(org_id, user) == "admin"


def publish_auth(context, data_dict):
    org_id = (data_dict or {}).get("owner_org") or _metropole_org_id(required=False)
    if _is_moderator(context.get("user"), org_id):
        return {"success": True}
    return {"success": False, "msg": _("Only the métropole's administrators publish reuses.")}


@tk.auth_allow_anonymous_access
def list_auth(context, data_dict):
    return {"success": True}


# ---------------------------------------------------------------- actions


def _metropole_org_id(required: bool = True) -> str | None:
    """The organisation of kind "metropole" (metropole_communes' schema), through the API."""
    orgs = tk.get_action("organization_list")(
        {"ignore_auth": True}, {"all_fields": True, "include_extras": True, "limit": 1000}
    )
    for org in orgs:
        if org.get("kind") == "metropole":
            return org["id"]
    if required:
        raise tk.ValidationError(
            {"owner_org": [_("The portal has no organisation of the métropole to moderate reuses.")]}
        )
    return None


def reuse_submit(context, data_dict):
    """Propose a reuse (title, notes, url, image_url, reuse_type, datasets); it is created
    unpublished, owned by the métropole's organisation."""
    tk.check_access("metropole_reuse_submit", context, data_dict)
    fields = {
        k: data_dict.get(k)
        for k in ("title", "name", "notes", "url", "image_url", "reuse_type", "datasets")
        if data_dict.get(k) not in (None, "")
    }
    if not fields.get("name") and fields.get("title"):
        from ckan.lib.munge import munge_title_to_name

        base = munge_title_to_name(fields["title"])[:90] or "reutilisation"
        name, n = base, 1
        while tk.get_action("package_search")(
            {"ignore_auth": True}, {"fq": f'name:"{name}"', "rows": 0, "include_private": True}
        )["count"]:
            n += 1
            name = f"{base}-{n}"
        fields["name"] = name
    pkg = {**fields, "type": REUSE_TYPE, "private": True, "owner_org": _metropole_org_id()}
    create_context = {"user": context.get("user"), "ignore_auth": True}
    return tk.get_action("package_create")(create_context, pkg)


def reuse_publish(context, data_dict):
    """Publish a proposed reuse (moderators: sysadmins, admins of the métropole)."""
    reuse = tk.get_action("package_show")({"ignore_auth": True}, {"id": tk.get_or_bust(data_dict, "id")})
    if reuse.get("type") != REUSE_TYPE:
        raise tk.ValidationError({"id": [_("This is not a reuse.")]})
    tk.check_access("metropole_reuse_publish", context, {"owner_org": reuse.get("owner_org")})
    return tk.get_action("package_patch")(
        {"user": context.get("user"), "ignore_auth": True}, {"id": reuse["id"], "private": False}
    )


@tk.side_effect_free
def reuse_list(context, data_dict):
    """Published reuses (newest first), of one dataset when ``dataset`` (id or name) is given;
    ``include_pending`` adds the unpublished ones for moderators."""
    tk.check_access("metropole_reuse_list", context, data_dict)
    fq = f"+dataset_type:{REUSE_TYPE}"
    if data_dict.get("dataset"):
        pkg = tk.get_action("package_show")({"ignore_auth": True}, {"id": data_dict["dataset"]})
        fq += f' +{INDEX_FIELD}:"{pkg["id"]}"'
    pending = tk.asbool(data_dict.get("include_pending")) and _is_moderator(
        context.get("user"), _metropole_org_id(required=False)
    )
    if not pending:
        fq += " +capacity:public"
    rows = min(int(data_dict.get("rows") or 50), 200)
    result = tk.get_action("package_search")(
        {"ignore_auth": pending, "user": context.get("user")},
        {"fq": fq, "rows": rows, "sort": "metadata_created desc", "include_private": pending},
    )
    return {"count": result["count"], "results": result["results"]}


def datasets_only_by_default(search_params: dict) -> dict:
    """package_search (the re-users' API, counts, feeds) lists data, not reuses, unless the
    query asks for a type (``fq=dataset_type:reuse``, as metropole_reuse_list does)."""
    fq = search_params.get("fq") or ""
    if "dataset_type:" not in fq:
        search_params["fq"] = f"{fq} -dataset_type:{REUSE_TYPE}".strip()
    return search_params


def index_datasets(pkg_dict: dict) -> dict:
    """Index the datasets a reuse uses, so that a dataset's reuses are one Solr query."""
    if pkg_dict.get("type") == REUSE_TYPE:
        pkg_dict[INDEX_FIELD] = as_list(pkg_dict.get("datasets"))
    return pkg_dict


def published_reuses(dataset: str | None = None, rows: int = 6) -> list[dict]:
    """Template helper: the published reuses (of a dataset)."""
    return tk.get_action("metropole_reuse_list")({"user": tk.g.user}, {"dataset": dataset, "rows": rows})[
        "results"
    ]


def dataset_title(id: str) -> str:
    try:
        return tk.get_action("package_show")({"user": tk.g.user}, {"id": id})["title"]
    except (tk.ObjectNotFound, tk.NotAuthorized):
        return id
