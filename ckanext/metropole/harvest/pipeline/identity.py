"""Identity across a platform change: the same dataset listed under a new remote identifier."""

from __future__ import annotations

import hashlib
import json
from urllib.parse import urlsplit

import ckan.model as model
from ckanext.harvest.model import HarvestObject


def identity_keys(dataset: dict) -> tuple[int, ...]:
    """8-byte hashes of the URLs that identify a dataset across a platform change (landing
    page first, then distributions): kept instead of the mapped content while gathering."""
    urls = [dataset.get("harvest_landing_page")] + [r.get("url") for r in dataset.get("resources") or []]
    return tuple(_url_hash(u) for u in urls if u)


def _url_hash(url: str) -> int:
    return int.from_bytes(hashlib.blake2b(_url_key(url).encode(), digest_size=8).digest(), "big")


def same_dataset_elsewhere(identity: list[tuple[str, tuple[int, ...]]], gone: dict[str, str]) -> set[str]:
    """Identity across a platform change (Opendatasoft API -> its DCAT export, CKAN -> udata):
    a dataset listed under a new identifier with the landing page, or a distribution URL, of
    one gone from the listing is the same dataset. Its harvest object's content then names the
    package to update (no duplicate, no withdraw-then-create). Returns the package ids taken over."""
    if not identity or not gone:
        return set()
    package_ids = set(gone.values())
    by_url: dict[int, str] = {}
    for package_id, url in model.Session.query(
        model.PackageExtra.package_id, model.PackageExtra.value
    ).filter(
        model.PackageExtra.package_id.in_(package_ids),
        model.PackageExtra.key == "harvest_landing_page",
        model.PackageExtra.state == "active",
    ):
        if url:
            by_url.setdefault(_url_hash(url), package_id)
    for package_id, url in model.Session.query(model.Resource.package_id, model.Resource.url).filter(
        model.Resource.package_id.in_(package_ids), model.Resource.state == "active"
    ):
        if url:
            by_url.setdefault(_url_hash(url), package_id)
    taken, matches = set(), {}
    for obj_id, keys in identity:
        match = next((by_url[k] for k in keys if k in by_url and by_url[k] not in taken), None)
        if match:
            taken.add(match)
            matches[obj_id] = match
    # only the objects matched are read back (their content was written while streaming)
    for obj in model.Session.query(HarvestObject).filter(HarvestObject.id.in_(list(matches))):
        content = json.loads(obj.content)
        content["same_as"] = matches[obj.id]
        obj.content = json.dumps(content, ensure_ascii=False)
    return taken


def _url_key(url: str) -> str:
    parts = urlsplit(url.strip())
    return f"{(parts.hostname or '').lower()}{parts.path.rstrip('/')}?{parts.query}"
