"""Actions and auth functions of the common datasets (what re-users and other capabilities call)."""

from __future__ import annotations

import ckan.plugins.toolkit as tk

from . import catalogue, jobs, report, state


def _common(data_dict) -> catalogue.CommonDataset:
    common_id = data_dict.get("id") or ""
    common = catalogue.by_id(common_id)
    if common is None:
        raise tk.ValidationError(
            {
                "id": [
                    tk._("Unknown common dataset: {id}. Known: {known}").format(
                        id=common_id, known=", ".join(c.id for c in catalogue.common_datasets())
                    )
                ]
            }
        )
    return common


@tk.side_effect_free
def common_datasets_show(context, data_dict):
    """The matrix communes × common datasets (valid / invalid / pending / missing) with counts.

    :param id: a common dataset id, to get only its column (optional)
    """
    tk.check_access("metropole_common_datasets_show", context, data_dict)
    matrix = state.matrix()
    if data_dict.get("id"):
        common = _common(data_dict)
        matrix["common_datasets"] = [c for c in matrix["common_datasets"] if c["id"] == common.id]
        for row in matrix["communes"]:
            row["cells"] = {common.id: row["cells"][common.id]}
            row["counts"] = {k: int(row["cells"][common.id]["status"] == k) for k in row["counts"]}
        matrix["totals"] = matrix["common_datasets"][0]["counts"]
    return matrix


@tk.side_effect_free
def common_validation_show(context, data_dict):
    """The validation report of a resource, with its messages in the reader's language.

    :param id: the resource id
    """
    tk.check_access("metropole_common_validation_show", context, data_dict)
    resource = tk.get_action("resource_show")(context, {"id": tk.get_or_bust(data_dict, "id")})
    stored = report.load(resource.get("validation_report"))
    status = state.resource_status(resource) if jobs.concerns(resource) else None
    if stored is None or status == "pending":
        return {
            "status": status,
            "status_label": report.status_label(status) if status else "",
            "errors": [],
            "warnings": [],
        }
    return report.rendered(stored)


def common_validate(context, data_dict):
    """Validate a resource again (in the background).

    :param id: the resource id
    """
    tk.check_access("metropole_common_validate", context, data_dict)
    resource = tk.get_action("resource_show")(context, {"id": tk.get_or_bust(data_dict, "id")})
    if not jobs.concerns(resource):
        raise tk.ValidationError({"conforms_to": [tk._("This resource declares no common dataset schema")]})
    jobs.enqueue_validation(resource["id"])
    return {"id": resource["id"], "queued": True}


def common_consolidate(context, data_dict):
    """Rebuild the consolidated dataset of a common dataset.

    :param id: the common dataset id
    :param background: true (default) to enqueue the job, false to run it now
    """
    tk.check_access("metropole_common_consolidate", context, data_dict)
    common = _common(data_dict)
    if tk.asbool(data_dict.get("background", True)):
        jobs.enqueue_consolidation(common.id)
        return {"id": common.id, "queued": True}
    return jobs.consolidate(common.id)


def get_actions() -> dict:
    return {
        "metropole_common_datasets_show": common_datasets_show,
        "metropole_common_validation_show": common_validation_show,
        "metropole_common_validate": common_validate,
        "metropole_common_consolidate": common_consolidate,
    }


# ------------------------------------------------------------------ auth


@tk.auth_allow_anonymous_access
def datasets_show_auth(context, data_dict):
    return {"success": True}  # public figures, like the participation page


def _as(action: str, context, data_dict) -> dict:
    try:
        tk.check_access(action, context, data_dict)
    except tk.NotAuthorized as e:
        return {"success": False, "msg": str(e)}
    return {"success": True}


@tk.auth_allow_anonymous_access
def validation_show_auth(context, data_dict):
    return _as("resource_show", context, data_dict)


def validate_auth(context, data_dict):
    return _as("resource_update", context, data_dict)


def consolidate_auth(context, data_dict):
    return {"success": False, "msg": tk._("Only portal administrators can rebuild a consolidation")}


def get_auth_functions() -> dict:
    return {
        "metropole_common_datasets_show": datasets_show_auth,
        "metropole_common_validation_show": validation_show_auth,
        "metropole_common_validate": validate_auth,
        "metropole_common_consolidate": consolidate_auth,
    }
