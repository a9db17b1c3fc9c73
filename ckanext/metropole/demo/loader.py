"""Load and remove the demo content, through CKAN's actions only, as the site user.

Loading is idempotent: a dataset or a harvest source that exists (by name) is left as it
is, and a source is harvested only if it has no job yet. Removing purges exactly what the
content folder names (datasets, harvest sources with their datasets and jobs, uploaded
files); the territory and the theme groups, which are the portal's own, stay.
"""
from __future__ import annotations

import json
import logging
import mimetypes
import os
from pathlib import Path

from werkzeug.datastructures import FileStorage

import ckan.plugins.toolkit as tk

from . import portal
from .content import Content

log = logging.getLogger(__name__)


def _context() -> dict:
    return {"user": tk.get_action("get_site_user")({"ignore_auth": True}, {})["name"]}


def _exists(action: str, name: str) -> dict | None:
    try:
        found = tk.get_action(action)(_context(), {"id": name})
    except tk.ObjectNotFound:
        return None
    return found if found.get("state", "active") == "active" else None


def _agent(name: str, fullname: str, organization: str) -> dict:
    """A demo commune agent: an editor of the commune (random password, no one signs in as
    them unless an operator sets one)."""
    import secrets

    try:
        user = tk.get_action("user_show")(_context(), {"id": name})
    except tk.ObjectNotFound:
        user = tk.get_action("user_create")(_context(), {
            "name": name, "email": f"{name}@example.org", "password": secrets.token_urlsafe(24),
            "fullname": fullname})
    tk.get_action("organization_member_create")(_context(), {"id": organization, "username": name, "role": "editor"})
    return user


def _create_dataset(content: Content, entry: dict) -> None:
    review = entry.get("review")
    # a dataset in review is the agent's own, created and submitted as them (review applies
    # to commune agents, not to the site user who writes the rest of the demo)
    context = _context
    if review:
        agent = _agent(review["agent"], review.get("fullname") or review["agent"], entry["owner_org"])["name"]
        context = lambda: {"user": agent}  # noqa: E731 — a fresh context per action, like _context
    data = {k: v for k, v in entry.items() if k not in ("resources", "tags", "review")}
    data["tags"] = [{"name": tag} for tag in entry.get("tags") or []]
    dataset = tk.get_action("package_create")(context(), data)
    for resource in entry.get("resources") or []:
        fields = {k: v for k, v in resource.items() if k != "file"}
        path = content.folder / "files" / resource["file"]
        with path.open("rb") as stream:
            upload = FileStorage(stream=stream, filename=path.name,
                                 content_type=mimetypes.guess_type(path.name)[0] or "application/octet-stream")
            tk.get_action("resource_create")(context(), {"package_id": dataset["id"], "url": path.name,
                                                         "upload": upload, **fields})
    if review and review.get("state") in ("submitted", "returned"):
        tk.get_action("metropole_review_submit")(context(), {"id": dataset["id"]})
        if review["state"] == "returned":
            tk.get_action("metropole_review_return")(_context(), {"id": dataset["id"], "comment": review["comment"]})


def _harvest(source: dict) -> dict:
    """One harvest job run to its end in this process (as `ckan harvester run-test`)."""
    from ckanext.harvest import queue
    from ckanext.harvest.model import HarvestJob
    from ckanext.harvest.tests.lib import run_harvest_job

    job = tk.get_action("harvest_job_create")(_context(), {"source_id": source["id"]})
    run_harvest_job(HarvestJob.get(job["id"]), queue.get_harvester(source["source_type"]))
    return tk.get_action("harvest_job_show")(_context(), {"id": job["id"]})


def load(content: Content) -> dict:
    counts = {"datasets_created": 0, "datasets_kept": 0, "sources_created": 0, "sources_kept": 0, "jobs": []}
    for entry in content.datasets:
        if _exists("package_show", entry["name"]):
            counts["datasets_kept"] += 1
            continue
        _create_dataset(content, entry)
        counts["datasets_created"] += 1
    if not content.sources:
        return counts
    site_url = tk.config.get("ckan.site_url")
    with portal.served(site_url, content.folder) as served_at:
        for entry in content.sources:
            source = _exists("harvest_source_show", entry["name"])
            if source is None:
                source = tk.get_action("harvest_source_create")(_context(), {
                    "name": entry["name"], "title": entry["title"], "owner_org": entry["owner_org"],
                    "url": portal.portal_url(entry["portal"], served_at), "source_type": "intercommunal",
                    "frequency": "MANUAL", "config": json.dumps(entry.get("config") or {})})
                counts["sources_created"] += 1
            else:
                counts["sources_kept"] += 1
            if tk.get_action("harvest_job_list")(_context(), {"source_id": source["id"]}):
                continue
            job = _harvest(source)
            counts["jobs"].append({"source": entry["name"], "status": job["status"], "stats": job.get("stats")})
            if served_at != site_url.rstrip("/"):
                log.warning("demo portal served on %s (CKAN's port was taken): the source %s points there",
                            served_at, entry["name"])
    return counts


def _remove_uploads(dataset: dict) -> None:
    from ckan.lib import uploader

    for resource in dataset.get("resources") or []:
        if resource.get("url_type") == "upload":
            path = uploader.get_resource_uploader(resource).get_path(resource["id"])
            if os.path.isfile(path):
                os.remove(path)


def remove(content: Content) -> dict:
    counts = {"datasets_removed": 0, "sources_removed": 0}
    for entry in content.sources:
        try:
            source = tk.get_action("harvest_source_show")(_context(), {"id": entry["name"]})
        except tk.ObjectNotFound:
            continue
        # its datasets, purged one by one (which also takes them out of the index), then its
        # jobs and objects
        for object_id in tk.get_action("harvest_object_list")(_context(), {"source_id": source["id"]}):
            package_id = tk.get_action("harvest_object_show")(_context(), {"id": object_id}).get("package_id")
            if package_id:
                try:
                    tk.get_action("dataset_purge")(_context(), {"id": package_id})
                except tk.ObjectNotFound:
                    pass
        tk.get_action("harvest_source_clear")(_context(), {"id": source["id"]})
        tk.get_action("dataset_purge")(_context(), {"id": source["id"]})
        counts["sources_removed"] += 1
    for entry in content.datasets:
        try:
            dataset = tk.get_action("package_show")(_context(), {"id": entry["name"]})
        except tk.ObjectNotFound:
            continue
        _remove_uploads(dataset)
        tk.get_action("dataset_purge")(_context(), {"id": dataset["id"]})
        counts["datasets_removed"] += 1
    for name in sorted({e["review"]["agent"] for e in content.datasets if e.get("review")}):
        try:
            tk.get_action("user_delete")(_context(), {"id": name})
        except tk.ObjectNotFound:
            pass
    return counts


def default_folder() -> Path:
    return Path(tk.config.get("ckanext.metropole.demo.folder") or "demo")
