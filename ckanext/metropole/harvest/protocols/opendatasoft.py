"""Opendatasoft, Explore API v2.1: /api/explore/v2.1/catalog/datasets, paged by 100."""

from __future__ import annotations

from ...lists import as_list
from ...messages import N_
from ..errors import HarvestError
from ..model import Listing, RemoteDataset, RemoteResource, each

NAME = "opendatasoft"
API = "/api/explore/v2.1"
PAGE = 100
OFFSET_LIMIT = 10_000  # offset + limit must stay below it; beyond, the catalogue export
EXPORTS = [("csv", "CSV"), ("json", "JSON"), ("geojson", "GeoJSON"), ("shp", "SHP")]


def detect(client, root: str) -> bool:
    data = client.get(root.rstrip("/") + API + "/catalog/datasets", params={"limit": 1}).json()
    return isinstance(data, dict) and "total_count" in data and isinstance(data.get("results"), list)


def _listing(client, root: str, listing: Listing):
    base = root.rstrip("/") + API + "/catalog"
    first = client.get(base + "/datasets", params={"limit": PAGE, "offset": 0}).json()
    total = first.get("total_count")
    if not isinstance(total, int) or not isinstance(first.get("results"), list):
        raise HarvestError(
            N_(
                "Unexpected response of the Opendatasoft catalogue {url} (total_count and results expected).",
                url=f"{base}/datasets",
            )
        )
    listing.announced = total
    if total >= OFFSET_LIMIT:
        # the paged listing cannot go that far: one export of the whole catalogue (a JSON
        # array of the same dataset objects), parsed as it arrives so memory stays bounded
        listing.read = 0
        for item in client.json_array_items(base + "/exports/json"):
            if not isinstance(item, dict):
                raise HarvestError(
                    N_("Invalid export of the Opendatasoft catalogue: {url}", url=f"{base}/exports/json")
                )
            listing.read += 1
            yield item
        return
    yield from first["results"]
    seen = listing.read = len(first["results"])
    offset = PAGE
    while offset < total:
        page = client.get(base + "/datasets", params={"limit": PAGE, "offset": offset}).json()
        results = page.get("results") if isinstance(page, dict) else None
        if not isinstance(results, list):
            raise HarvestError(
                N_("Invalid page of the Opendatasoft catalogue (offset {offset}).", offset=offset)
            )
        if not results:  # a short listing: what was read is imported, nothing withdrawn
            listing.stopped = N_("empty page at offset {offset}", offset=offset)
            return
        yield from results
        seen = listing.read = seen + len(results)
        offset += PAGE


def _text(value) -> str:
    if isinstance(value, list):
        value = next((x for x in value if x), "")
    return str(value).strip() if value not in (None, "") else ""


def to_remote(item: dict, root: str) -> RemoteDataset:
    """Every metadata template that carries our fields is read: ``default`` (title,
    description, theme, keyword, license…), ``dcat`` (accrualperiodicity, temporal coverage,
    conforms_to, creator, contact), ``inspire`` (INSPIRE themes). Any template and any field
    may be null."""
    dataset_id = item.get("dataset_id")
    if not dataset_id:
        raise HarvestError(N_("Opendatasoft dataset without dataset_id."))
    metas = item.get("metas") or {}
    meta = metas.get("default") or {}
    dcat = metas.get("dcat") or {}
    inspire = metas.get("inspire") or {}
    base = root.rstrip("/") + API + f"/catalog/datasets/{dataset_id}"
    conforms = _text(dcat.get("conforms_to"))
    resources = []
    if item.get("has_records", True):
        features = item.get("features") or []
        for fmt, label in EXPORTS:
            if fmt in ("geojson", "shp") and "geo" not in features:
                continue
            resources.append(
                RemoteResource(
                    url=f"{base}/exports/{fmt}",
                    name=f"Export {label}",
                    format=label,
                    conforms_to=conforms if fmt == "csv" else "",
                )
            )
    for attachment in item.get("attachments") or []:
        attachment_id = (attachment or {}).get("id")
        if attachment_id:
            resources.append(
                RemoteResource(
                    url=f"{base}/attachments/{attachment_id}",
                    name=attachment.get("title") or attachment_id,
                    format=(attachment.get("mimetype") or "").split("/")[-1],
                )
            )
    return RemoteDataset(
        remote_id=dataset_id,
        title=_text(meta.get("title")) or dataset_id,
        notes=_text(meta.get("description")),
        themes=as_list(meta.get("theme")) + as_list(inspire.get("theme")),
        keywords=as_list(meta.get("keyword")),
        license=_text(meta.get("license_url")) or _text(meta.get("license")),
        frequency=_text(dcat.get("accrualperiodicity")) or _text(meta.get("update_frequency")),
        modified=_text(meta.get("modified")),
        issued=_text(dcat.get("issued")) or _text(dcat.get("created")),
        landing_page=root.rstrip("/") + f"/explore/dataset/{dataset_id}/",
        publisher=_text(meta.get("publisher")) or _text(dcat.get("creator")),
        temporal_start=_text(dcat.get("temporal_coverage_start_date")),
        temporal_end=_text(dcat.get("temporal_coverage_end_date")),
        resources=resources,
    )


def datasets(client, root: str, config, listing: Listing):
    for remote in each(listing, _listing(client, root, listing), lambda item: to_remote(item, root)):
        if config.publisher and remote.publisher != config.publisher:
            continue
        yield remote
