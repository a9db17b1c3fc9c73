"""The core actions chained by the publication review: a new dataset starts in its review
state, and an edit of a published one that changes what a reviewer checked goes back to review."""

from __future__ import annotations

import contextlib
import json

import ckan.lib.plugins as lib_plugins
import ckan.model as model
import ckan.plugins.toolkit as tk

from . import criteria, notify, policy
from .logic import _show, _submission_fields, _user_obj
from .policy import DRAFT, PUBLISHED, SUBMITTED, TRANSITION, UNPUBLISHED


def _as_transition(original, context, data_dict):
    """``original`` with the review fields writable. The context is the caller's own (core
    actions read back what package_update leaves in it, e.g. resource_create's "package")."""
    had = TRANSITION in context
    context[TRANSITION] = True
    try:
        return original(context, data_dict)
    finally:
        if not had:
            context.pop(TRANSITION, None)


def _truthy(value) -> bool:
    return tk.asbool(value) if isinstance(value, str) else bool(value)


def _review_for_new(context, data_dict) -> str | None:
    """The state a new dataset starts in, or None when it is not reviewed."""
    if data_dict.get("type", "dataset") != "dataset":
        return None  # other dataset types (reuses…) have their own moderation
    source = context.get(policy.HARVEST_SOURCE)
    if source:
        return SUBMITTED if policy.harvest_review(source) else None
    if context.get("ignore_auth") and not context.get("user"):
        return None
    owner = data_dict.get("owner_org")
    if not policy.review_applies(owner) or policy.is_reviewer_for(context.get("user"), owner):
        return None
    return DRAFT


@tk.chained_action
def package_create(original, context, data_dict):
    if context.get(TRANSITION):
        return original(context, data_dict)
    state = _review_for_new(context, data_dict)
    if state is None:
        return original(context, data_dict)
    if "private" in data_dict and not _truthy(data_dict["private"]) and state == DRAFT:
        raise tk.ValidationError(
            {
                "private": [
                    tk._(
                        "A dataset of your commune becomes public once the métropole has accepted it: "
                        "create it private, then submit it for review."
                    )
                ]
            }
        )
    data_dict = {
        **data_dict,
        "private": True,
        "review_state": state,
        "review_event": "create" if state == DRAFT else "submit",
        "review_comment": "",
    }
    if state == SUBMITTED:
        data_dict.update(_submission_fields(context))
    return _as_transition(original, context, data_dict)


def _validated(context, data_dict: dict, pkg: model.Package) -> dict | None:
    """``data_dict`` as package_update will save it (None when it is invalid: package_update
    then refuses it with its own messages)."""
    plugin = lib_plugins.lookup_package_plugin(pkg.type)
    schema = context.get("schema") or plugin.update_package_schema()
    ctx = {**context, "package": pkg, "model": model, "session": model.Session}
    data, errors = lib_plugins.plugin_validate(
        plugin, ctx, {**data_dict, "id": pkg.id, "type": pkg.type}, schema, "package_update"
    )
    return None if errors else data


def _resource_location(resource: dict) -> str:
    url = (resource.get("url") or "").strip()
    return url.rsplit("/", 1)[-1] if resource.get("url_type") == "upload" else url


def _comparable(field: str, value):
    if field == "resources":
        # uploads are shown as full URLs and saved as file names: their last part is compared;
        # a link is compared whole (the same file name on another host is another resource)
        return sorted(
            (r.get("id") or "", _resource_location(r), (r.get("format") or "").upper()) for r in value or []
        )
    if isinstance(value, str) and value[:1] in "[{":
        with contextlib.suppress(ValueError):
            value = json.loads(value)
    if isinstance(value, list):
        return sorted(json.dumps(v, sort_keys=True) if not isinstance(v, str) else v for v in value)
    return value if value not in (None, "") else None


def sensitive_changes(before: dict, after: dict) -> list[str]:
    fields = tk.aslist(tk.config.get("ckanext.metropole.review.sensitive_fields"))
    return [f for f in fields if _comparable(f, before.get(f)) != _comparable(f, after.get(f))]


@tk.chained_action
def package_update(original, context, data_dict):
    if context.get(TRANSITION):
        return original(context, data_dict)
    pkg = model.Package.get(data_dict.get("id") or data_dict.get("name") or "")
    state = pkg.extras.get("review_state") if pkg is not None else None
    if not state:
        return original(context, data_dict)
    source = context.get(policy.HARVEST_SOURCE)
    if not context.get("ignore_auth"):
        tk.check_access("package_update", {**context, "package": pkg}, {**data_dict, "id": pkg.id})
    reviewer = not source and policy.is_reviewer_for(context.get("user"), pkg.owner_org)
    wants_public = "private" in data_dict and not _truthy(data_dict["private"])
    # review switched off since (the commune trusted, review off, the source's setting): the
    # dataset's agents publish it themselves and their edits no longer send it back
    applies = policy.harvest_review(source) if source else policy.review_applies(pkg.owner_org)
    if state in UNPUBLISHED:
        if not wants_public:
            return original(context, {**data_dict, "private": True})
        if not applies and not reviewer:
            return _as_transition(
                original,
                context,
                {**data_dict, "review_state": PUBLISHED, "review_event": "publish", "review_comment": ""},
            )
        if not reviewer:
            raise tk.ValidationError(
                {
                    "private": [
                        tk._(
                            "This dataset becomes public once the métropole has accepted it "
                            "(state: %(state)s). Submit it for review instead."
                        )
                        % {"state": policy.state_label(state)}
                    ]
                }
            )
        # a reviewer publishing by the form or the API accepts the dataset
        return _as_transition(
            original,
            context,
            {**data_dict, "review_state": PUBLISHED, "review_event": "accept", "review_comment": ""},
        )
    # published
    if reviewer or (not applies and not _truthy(data_dict.get("private", False))):
        return original(context, data_dict)
    if "private" in data_dict and _truthy(data_dict["private"]):
        return _as_transition(
            original,
            context,
            {**data_dict, "review_state": DRAFT, "review_event": "withdraw", "review_comment": ""},
        )
    after = _validated(context, data_dict, pkg)
    changed = sensitive_changes(_show(pkg.id), after) if after is not None else []
    if not changed:
        return original(context, data_dict)
    labels = criteria.field_labels()
    comment = tk._("Changed: %(fields)s") % {"fields": ", ".join(labels.get(f, f) for f in changed)}
    result = _as_transition(
        original,
        context,
        {
            **data_dict,
            "private": True,
            "review_state": SUBMITTED,
            "review_event": "resubmit",
            "review_comment": comment,
            **_submission_fields(context),
        },
    )
    criteria.enqueue_reachability(pkg.id)
    if not source:
        notify.submitted(result, _user_obj(context))
    return result


def get_actions() -> dict:
    return {"package_create": package_create, "package_update": package_update}
