"""udata (data.gouv.fr) API v1: /api/1/organizations/{org}/datasets/, paged by next_page."""

from __future__ import annotations

from urllib.parse import urljoin

from ...messages import N_
from ..errors import HarvestError
from ..model import Listing, RemoteDataset, RemoteResource, each

NAME = "udata"
PAGE_SIZE = 100
MAX_PAGES = 1000


def detect(client, root: str) -> bool:
    data = client.get(root.rstrip("/") + "/api/1/site/").json()
    return isinstance(data, dict) and "id" in data and "title" in data


def _pages(client, root: str, config, listing: Listing):
    if not config.remote_organization:
        raise HarvestError(
            N_(
                "For a udata source (data.gouv.fr), name the organisation to read: {example}.",
                example='{"remote_organization": "…"}',
            )
        )
    url = root.rstrip("/") + f"/api/1/organizations/{config.remote_organization}/datasets/"
    params = {"page": 1, "page_size": PAGE_SIZE}
    for _ in range(MAX_PAGES):
        page = client.get(url, params=params).json()
        if isinstance(page, list):
            # the older API answered a bare list, without paging: the whole listing at once
            listing.read = len(page)
            yield from (item for item in page if isinstance(item, dict))
            return
        if not isinstance(page, dict) or not isinstance(page.get("data"), list):
            raise HarvestError(
                N_(
                    "Unexpected response from {url}: a list of datasets, or an object with data "
                    "and next_page, is expected.",
                    url=url,
                )
            )
        if isinstance(page.get("total"), int):
            listing.announced = page["total"]
        yield from page["data"]
        listing.read += len(page["data"])
        next_page = page.get("next_page")
        if not next_page:
            return
        if not page["data"]:
            listing.stopped = N_("empty page ({url})", url=url)
            return
        url, params = urljoin(url, next_page), None
    raise HarvestError(
        N_("More than {pages} pages: endless udata paging at {url}.", pages=MAX_PAGES, url=url)
    )


def to_remote(item: dict, root: str) -> RemoteDataset:
    if not item.get("id"):
        raise HarvestError(N_("udata dataset without an id."))
    temporal = item.get("temporal_coverage") or {}
    resources = []
    for r in item.get("resources") or []:
        schema = r.get("schema") or {}
        resources.append(
            RemoteResource(
                url=r.get("url") or "",
                name=r.get("title") or "",
                format=r.get("format") or "",
                description=r.get("description") or "",
                conforms_to=schema.get("name") or schema.get("url") or "",
            )
        )
    return RemoteDataset(
        remote_id=item["id"],
        slug=item.get("slug") or "",
        title=item.get("title") or item["id"],
        notes=item.get("description") or "",
        themes=[],
        keywords=[t for t in item.get("tags") or [] if isinstance(t, str)],
        license=item.get("license") or "",
        frequency=item.get("frequency") or "",
        # last_update: the data's last change (udata 6+); last_modified: the record's
        modified=item.get("last_update") or item.get("last_modified") or "",
        issued=item.get("created_at") or "",
        landing_page=item.get("page") or root.rstrip("/") + f"/datasets/{item.get('slug') or item['id']}/",
        publisher=(item.get("organization") or {}).get("name") or "",
        temporal_start=temporal.get("start") or "",
        temporal_end=temporal.get("end") or "",
        resources=resources,
    )


def datasets(client, root: str, config, listing: Listing):
    yield from each(listing, _pages(client, root, config, listing), lambda item: to_remote(item, root))
