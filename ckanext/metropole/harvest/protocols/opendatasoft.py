"""Opendatasoft, Explore API v2.1: /api/explore/v2.1/catalog/datasets, paged by 100."""
from __future__ import annotations

from ..errors import HarvestError
from ..model import RemoteDataset, RemoteResource

NAME = "opendatasoft"
API = "/api/explore/v2.1"
PAGE = 100
OFFSET_LIMIT = 10_000  # offset + limit must stay below it; beyond, the catalogue export
EXPORTS = [("csv", "CSV"), ("json", "JSON"), ("geojson", "GeoJSON"), ("shp", "SHP")]


def detect(client, root: str) -> bool:
    data = client.get(root.rstrip("/") + API + "/catalog/datasets", params={"limit": 1}).json()
    return isinstance(data, dict) and "total_count" in data and isinstance(data.get("results"), list)


def _listing(client, root: str):
    base = root.rstrip("/") + API + "/catalog"
    first = client.get(base + "/datasets", params={"limit": PAGE, "offset": 0}).json()
    total = first.get("total_count")
    if not isinstance(total, int) or not isinstance(first.get("results"), list):
        raise HarvestError(f"Réponse inattendue du catalogue Opendatasoft {base}/datasets "
                           "(total_count et results attendus).")
    if total >= OFFSET_LIMIT:
        # the paged listing cannot go that far: one export of the whole catalogue
        exported = client.get(base + "/exports/json").json()
        if not isinstance(exported, list):
            raise HarvestError(f"Export du catalogue Opendatasoft invalide : {base}/exports/json")
        yield from exported
        return
    yield from first["results"]
    seen = len(first["results"])
    offset = PAGE
    while offset < total:
        page = client.get(base + "/datasets", params={"limit": PAGE, "offset": offset}).json()
        results = page.get("results") if isinstance(page, dict) else None
        if not isinstance(results, list):
            raise HarvestError(f"Page invalide du catalogue Opendatasoft (offset {offset}).")
        if not results:
            raise HarvestError(f"Catalogue Opendatasoft incomplet : {seen} jeux lus sur {total} annoncés.")
        yield from results
        seen += len(results)
        offset += PAGE


def _as_list(value) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    return [str(x) for x in value if x]


def to_remote(item: dict, root: str) -> RemoteDataset:
    dataset_id = item.get("dataset_id")
    if not dataset_id:
        raise HarvestError("Jeu Opendatasoft sans dataset_id.")
    meta = (item.get("metas") or {}).get("default") or {}
    base = root.rstrip("/") + API + f"/catalog/datasets/{dataset_id}"
    resources = []
    if item.get("has_records", True):
        features = item.get("features") or []
        for fmt, label in EXPORTS:
            if fmt in ("geojson", "shp") and "geo" not in features:
                continue
            resources.append(RemoteResource(url=f"{base}/exports/{fmt}", name=f"Export {label}", format=label))
    for attachment in item.get("attachments") or []:
        attachment_id = attachment.get("id")
        if attachment_id:
            resources.append(RemoteResource(url=f"{base}/attachments/{attachment_id}",
                                            name=attachment.get("title") or attachment_id,
                                            format=(attachment.get("mimetype") or "").split("/")[-1]))
    return RemoteDataset(
        remote_id=dataset_id,
        title=meta.get("title") or dataset_id,
        notes=meta.get("description") or "",
        themes=_as_list(meta.get("theme")),
        keywords=_as_list(meta.get("keyword")),
        license=meta.get("license_url") or meta.get("license") or "",
        frequency=meta.get("update_frequency") or "",
        modified=meta.get("modified") or "",
        landing_page=root.rstrip("/") + f"/explore/dataset/{dataset_id}/",
        publisher=meta.get("publisher") or "",
        resources=resources,
    )


def datasets(client, root: str, config):
    for item in _listing(client, root):
        remote = to_remote(item, root)
        if config.publisher and remote.publisher != config.publisher:
            continue
        yield remote
