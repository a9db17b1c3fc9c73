"""What the common datasets' jobs read: a commune's file (bounded in size), its fingerprint,
and the site's context for the actions they call.

Below jobs.py, consolidation.py and state.py, which all read through it: the jobs module
enqueues the consolidation, the consolidation reads files, and neither imports the other back.
"""

from __future__ import annotations

import hashlib
import json
import os

import ckan.plugins.toolkit as tk

from ..harvest.errors import HarvestError
from ..harvest.http import Client
from . import validation

CONSOLIDATED_PREFIX = "jeu-commun-"


def max_bytes() -> int:
    return int(tk.config.get("ckanext.metropole.common.max_file_mb") or 50) * 1_000_000


def site_context() -> dict:
    """A fresh context for each action call: CKAN actions write into the context they get."""
    user = tk.get_action("get_site_user")({"ignore_auth": True}, {})["name"]
    return {"user": user, "ignore_auth": True}


def fingerprint(resource: dict) -> str:
    parts = [resource.get(k) or "" for k in ("url", "last_modified", "size", "format", "conforms_to")]
    return hashlib.sha1(json.dumps(parts, default=str).encode()).hexdigest()[:16]


def is_consolidated(package: dict) -> bool:
    return (package.get("name") or "").startswith(CONSOLIDATED_PREFIX)


def read_bytes(resource: dict) -> bytes:
    """The resource's file, bounded; raises validation.FileProblem (reported, never crashes)."""
    limit = max_bytes()
    if resource.get("url_type") == "upload":
        from ckan.lib.uploader import get_resource_uploader

        path = get_resource_uploader(resource).get_path(resource["id"])
        if not os.path.exists(path):
            raise validation.FileProblem("no_file")
        size = os.path.getsize(path)
        if size > limit:
            raise validation.FileProblem("too_large", size=round(size / 1e6), limit=round(limit / 1e6))
        with open(path, "rb") as f:
            return f.read()
    url = resource.get("url") or ""
    if not url.startswith(("http://", "https://")):
        raise validation.FileProblem("no_file")
    try:
        return Client(max_bytes=limit).get(url).body
    except HarvestError as e:
        # decided on the error's code, never on its text (it is in the portal's language)
        if e.code == HarvestError.TOO_LARGE:
            raise validation.FileProblem(
                "too_large", size=f"> {round(limit / 1e6)}", limit=round(limit / 1e6)
            ) from e
        raise validation.FileProblem("unreachable", detail=str(e)) from e
