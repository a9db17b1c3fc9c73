"""Publication criteria (``config/review_criteria.yaml``), evaluated on a dataset dict.

Everything but ``reachable`` is read from the dataset in the request. ``reachable`` needs
the network: a background job (``ckan jobs worker``) fetches each resource and keeps the
result in Redis; until it has run for the dataset's current resources the criterion is
``pending``.
"""

from __future__ import annotations

import contextlib
import datetime
import functools
import ipaddress
import json
import logging
import os
import socket
from urllib.parse import urlsplit

import ckan.plugins.toolkit as tk
import requests
import yaml
from ckan.lib.helpers import unified_resource_format
from ckan.lib.redis import connect_to_redis

from ..dataset import hvd
from ..messages import translate
from ..resources import config_dir

log = logging.getLogger(__name__)

OK, FAIL, PENDING = "ok", "fail", "pending"
CHECKS = ("licence_in", "resource_format_in", "min_length", "not_empty", "reachable", "hvd")


@functools.lru_cache(maxsize=1)
def definitions() -> tuple[dict, ...]:
    path = config_dir() / "review_criteria.yaml"
    items = yaml.safe_load(path.read_text(encoding="utf-8")) or []
    for item in items:
        if item.get("check") not in CHECKS or not item.get("id") or not item.get("label"):
            raise RuntimeError(
                f"{path}: criterion {item!r} needs id, label and a check among {', '.join(CHECKS)}"
            )
    return tuple(items)


def _filled(value, exclude) -> bool:
    if isinstance(value, str) and value[:1] == "[":
        with contextlib.suppress(ValueError):
            value = json.loads(value)
    if isinstance(value, (list, tuple)):
        return any(v not in (None, "") and v not in exclude for v in value)
    return value not in (None, "") and value not in exclude


def _format_name(fmt) -> str:
    """A resource's format as CKAN names it (upper case), however an agent or a harvest wrote
    it: ".csv", "csv ", "text/csv; charset=utf-8" are CSV."""
    cleaned = str(fmt or "").strip().lstrip(".").split(";")[0].strip()
    return unified_resource_format(cleaned).upper() if cleaned else ""


def _status(crit: dict, pkg: dict) -> tuple[str | None, str]:
    check = crit["check"]
    if check == "licence_in":
        return (OK if pkg.get("license_id") in crit.get("licences", []) else FAIL), ""
    if check == "resource_format_in":
        wanted = {f.upper() for f in crit.get("formats", [])}
        # a resource without file or link (announced, not online yet) offers no data
        ok = any(
            (r.get("url") or "").strip() and _format_name(r.get("format")) in wanted
            for r in pkg.get("resources") or []
        )
        return (OK if ok else FAIL), ""
    if check == "min_length":
        return (OK if len((pkg.get(crit["field"]) or "").strip()) >= int(crit.get("min", 1)) else FAIL), ""
    if check == "not_empty":
        return (OK if _filled(pkg.get(crit["field"]), crit.get("exclude", [])) else FAIL), ""
    if check == "hvd":  # only a high-value dataset owes it: None leaves it off the list
        if not hvd.is_hvd(pkg):
            return None, ""
        return (OK if hvd.obligations(pkg)[crit["obligation"]] else FAIL), ""
    return _reachability_status(pkg)


def evaluate(pkg: dict) -> list[dict]:
    out = []
    for crit in definitions():
        status, detail = _status(crit, pkg)
        if status is None:
            continue
        # the labels and helps of config/review_criteria.yaml are English msgids
        label, help_text = crit["label"], crit.get("help") or ""
        out.append(
            {
                "id": crit["id"],
                "label": translate(label),
                "help": translate(help_text) if help_text else "",
                "blocking": bool(crit.get("blocking", True)),
                "status": status,
                "detail": detail,
            }
        )
    return out


def field_labels() -> dict[str, str]:
    """The dataset schema's labels in the request's language (the portal's for the API),
    to name the fields that changed. The schema's labels are English msgids."""
    from ckanext.scheming.helpers import scheming_get_dataset_schema

    schema = scheming_get_dataset_schema("dataset") or {}
    labels = {
        f["field_name"]: tk._(f["label"]) if isinstance(f.get("label"), str) else f["field_name"]
        for f in schema.get("dataset_fields", [])
    }
    labels["resources"] = tk._("Resources")
    return labels


# --- reachability (background job) ---------------------------------------------------


def _key(pkg_id: str) -> str:
    return f"{tk.config.get('ckan.site_id')}:metropole:review:reachable:{pkg_id}"


def _urls(pkg: dict) -> list[str]:
    return sorted({r.get("url") or "" for r in pkg.get("resources") or []})


def _reachability_status(pkg: dict) -> tuple[str, str]:
    if not pkg.get("resources"):
        return FAIL, ""
    raw = connect_to_redis().get(_key(pkg["id"]))
    result = json.loads(raw) if raw else None
    if not result or result.get("urls") != _urls(pkg):
        return PENDING, tk._("Check in progress.")
    failures = result.get("failures") or {}
    if failures:
        return FAIL, "; ".join(f"{url} : {why}" for url, why in sorted(failures.items()))
    return OK, ""


def enqueue_reachability(pkg_id: str) -> None:
    try:
        tk.enqueue_job(
            check_reachability,
            [pkg_id],
            title=f"metropole review reachability {pkg_id}",
            rq_kwargs={"timeout": 600},
        )
    except Exception:  # Redis down: the criterion stays "pending", the transition stands
        log.exception("review: could not queue the reachability check of %s", pkg_id)


def _refused_host(url: str) -> str | None:
    """A French reason when the URL may not be fetched from the server (SSRF), else None."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return tk._("not an http(s) address")
    allowed = tk.aslist(tk.config.get("ckanext.metropole.review.allowed_hosts"))
    if parts.hostname in allowed:
        return None
    try:
        infos = socket.getaddrinfo(parts.hostname, parts.port or 443, proto=socket.IPPROTO_TCP)
    except socket.gaierror:
        return tk._("unknown host")
    for info in infos:
        ip = ipaddress.ip_address(info[4][0].split("%")[0])
        if ip.is_private or ip.is_loopback or ip.is_link_local or ip.is_reserved or ip.is_multicast:
            return tk._("address of a private network")
    return None


def _check_url(resource: dict, timeout: int) -> str | None:
    """None when reachable, else why (French)."""
    if resource.get("url_type") == "upload":
        from ckan.lib import uploader

        path = uploader.get_resource_uploader(resource).get_path(resource["id"])
        return None if os.path.exists(path) else tk._("uploaded file missing")
    url = resource.get("url") or ""
    refused = _refused_host(url)
    if refused:
        return refused
    try:
        with requests.get(
            url,
            stream=True,
            timeout=timeout,
            allow_redirects=True,
            headers={"User-Agent": "ckanext-metropole review"},
        ) as response:
            if response.status_code >= 400:
                return tk._("HTTP error %(code)s") % {"code": response.status_code}
    except requests.RequestException as e:
        return tk._("unreachable (%(error)s)") % {"error": type(e).__name__}
    return None


def check_reachability(pkg_id: str) -> dict:
    """The job: fetch each resource once, keep the result for the checklist."""
    pkg = tk.get_action("package_show")({"ignore_auth": True}, {"id": pkg_id})
    timeout = tk.config.get("ckanext.metropole.review.reachability_timeout")
    failures = {}
    for resource in pkg.get("resources") or []:
        why = _check_url(resource, timeout)
        if why:
            failures[resource.get("url") or ""] = why
    result = {
        "urls": _urls(pkg),
        "failures": failures,
        "checked": datetime.datetime.utcnow().replace(microsecond=0).isoformat(),
    }
    connect_to_redis().set(_key(pkg_id), json.dumps(result))
    return result
