"""Where the DataStore load of a resource stands, said in French to whoever can edit it.

ckanext-xloader records each load in a task status (pending, running, complete, error) and
its job log; its error texts are English and technical. They are explained from
``config/load_errors.yaml`` (patterns → English msgids translated by our catalogue), the
original text kept beside the explanation for the portal's operator.
"""

from __future__ import annotations

import functools
import re

import ckan.plugins.toolkit as tk
import yaml

from ckanext.metropole import resources

_ = tk._

SQLITE_DEFAULT = "sqlite:////tmp/xloader_jobs.db"


def default_jobs_db(config) -> None:
    """xloader keeps its job log in a sqlite file of /tmp unless told: use the main database
    (shared by the web and worker processes, kept with the portal's backups)."""
    if config.get("ckanext.xloader.jobs_db.uri") in (None, "", SQLITE_DEFAULT):
        config["ckanext.xloader.jobs_db.uri"] = config.get("sqlalchemy.url")


@functools.lru_cache(maxsize=1)
def _rules() -> list[tuple[re.Pattern, str]]:
    data = yaml.safe_load((resources.config_dir() / "load_errors.yaml").read_text(encoding="utf-8"))
    return [(re.compile(rule["pattern"], re.I | re.S), rule["message"]) for rule in data["errors"]]


def explain(error_text: str) -> str:
    """The French explanation of an xloader error text (a generic one when unknown)."""
    for pattern, message in _rules():
        match = pattern.search(error_text or "")
        if match:
            # named groups of the pattern (row, columns…) fill the message's placeholders
            return _(message) % {k: v for k, v in match.groupdict().items() if v is not None}
    return _(
        "The file could not be loaded into a table. Check that it is a valid CSV, TSV or "
        "XLSX file, then upload it again."
    )


def _error_text(status: dict) -> str:
    error = status.get("error")
    if isinstance(error, dict):
        error = error.get("message") or str(error)
    texts = [str(error or "")]
    for log in (status.get("task_info") or {}).get("logs") or []:
        if log.get("level") in ("ERROR", "WARNING"):
            texts.append(str(log.get("message") or ""))
    return "\n".join(t for t in texts if t)


STATES = {
    "pending": ("info", "Waiting: the table of this file will be loaded shortly."),
    "submitting": ("info", "Waiting: the table of this file will be loaded shortly."),
    "running": ("info", "Loading: the rows of this file are being read into a table."),
    "running_but_viewable": ("info", "Loading: the first rows are already shown, the rest follows."),
    "complete": ("success", "Loaded: the table, its API and its views are up to date."),
    "error": ("danger", "The table could not be loaded."),
}


def for_resource(resource: dict) -> dict | None:
    """The load status of a resource for its page, or None (not tabular, never submitted,
    or the user may not see it: xloader's status is for those who can edit the dataset)."""
    from ckanext.xloader.helpers import is_resource_supported_by_xloader

    if not resource.get("id") or not is_resource_supported_by_xloader(resource, check_access=False):
        return None
    context = {"user": tk.g.user if hasattr(tk.g, "user") else None}
    try:
        tk.check_access("xloader_status", context, {"resource_id": resource["id"]})
        status = tk.get_action("xloader_status")(context, {"resource_id": resource["id"]})
    except (tk.NotAuthorized, tk.ObjectNotFound):
        return None
    state = status.get("status") or "pending"
    level, label = STATES.get(state, ("info", STATES["pending"][1]))
    result = {
        "state": state,
        "level": level,
        "label": _(label),
        "last_updated": status.get("last_updated"),
        "explanation": None,
        "detail": None,
    }
    if state == "error":
        text = _error_text(status)
        result["explanation"] = explain(text)
        result["detail"] = text.strip()[:1000]
    elif state == "complete" and resource.get("datastore_contains_all_records_of_source_file") is False:
        result["level"] = "warning"
        result["explanation"] = _(
            "The file is larger than the portal loads into a table: only "
            "its first rows are shown. Download the file for all of them."
        )
    return result
