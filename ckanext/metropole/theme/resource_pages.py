"""The dataset page's resource list, a page at a time: a dataset may legitimately carry hundreds
of resources (a harvested one up to ckanext.metropole.harvest.max_resources), and rendering each
costs the page its speed for every visitor."""

from __future__ import annotations

import ckan.plugins.toolkit as tk

PARAM = "resources_page"


def resource_page(resources: list) -> dict:
    """The resources of the page asked for (``?resources_page=N``, from 1), and where it stands:
    ``items``, ``page``, ``pages``, ``first`` and ``last`` (1-based), ``total``."""
    size = max(1, tk.config.get("ckanext.metropole.dataset_page_resources"))
    total = len(resources or [])
    pages = max(1, -(-total // size))
    try:
        page = min(max(1, int(tk.request.args.get(PARAM, 1))), pages)
    except (TypeError, ValueError, RuntimeError):  # not a number, or outside a request
        page = 1
    start = (page - 1) * size
    items = (resources or [])[start : start + size]
    return {
        "items": items,
        "page": page,
        "pages": pages,
        "first": start + 1,
        "last": start + len(items),
        "total": total,
        "param": PARAM,
    }


def resource_window(resources: list, active: str | None) -> dict:
    """The resources a resource page's sidebar lists: as many as a dataset page shows, around
    the one displayed; ``hidden``: how many are left out (reached from the dataset's page)."""
    resources = resources or []
    size = max(1, tk.config.get("ckanext.metropole.dataset_page_resources"))
    ids = [r.get("id") for r in resources]
    at = ids.index(active) if active in ids else 0
    start = max(0, min(at - size // 2, len(resources) - size))
    items = resources[start : start + size]
    return {"items": items, "hidden": len(resources) - len(items), "total": len(resources)}
