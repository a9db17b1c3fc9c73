"""The demo content folder: what it holds and how it is read.

    demo/datasets/*.yaml   {datasets: [package_create dicts; resources with `file`]}
    demo/files/            the resource files (uploaded to CKAN's file store)
    demo/harvest/*.yaml    {sources: [{name, title, owner_org, portal, config}]}
    demo/portals/<portal>/ an Opendatasoft-shaped portal (datasets.json, exports/)

Every capability may add its own ``NN-name.yaml`` files: they are read in name order.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml

from ..messages import translate as _


# the states a demo dataset of a commune agent can be left in (see demo/datasets/60-review.yaml)
REVIEW_STATES = ("draft", "submitted", "returned")


class ContentError(Exception):
    """The demo folder is malformed; the message names the file."""


@dataclass
class Content:
    folder: Path
    datasets: list[dict]
    sources: list[dict]


def _entries(folder: Path, sub: str, key: str) -> list[dict]:
    out = []
    for path in sorted((folder / sub).glob("*.yaml")):
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        except yaml.YAMLError as e:
            raise ContentError(_("{path}: unreadable YAML ({error}).").format(path=path, error=e))
        entries = data.get(key) or []
        if not isinstance(entries, list) or not all(isinstance(e, dict) and e.get("name") for e in entries):
            raise ContentError(_("{path}: “{key}” must be a list of objects, each with a “name”.").format(
                path=path, key=key))
        out.extend(entries)
    names = [e["name"] for e in out]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise ContentError(_("{folder}: duplicate names: {names}.").format(folder=folder / sub,
                                                                           names=", ".join(duplicates)))
    return out


def read(folder: Path) -> Content:
    if not folder.is_dir():
        raise ContentError(_("Demonstration folder not found: {folder}.").format(folder=folder))
    content = Content(folder, _entries(folder, "datasets", "datasets"), _entries(folder, "harvest", "sources"))
    for dataset in content.datasets:
        for resource in dataset.get("resources") or []:
            if resource.get("file") and not (folder / "files" / resource["file"]).is_file():
                raise ContentError(_("Dataset “{name}”: file missing from {folder}: {file}.").format(
                    name=dataset["name"], folder=folder / "files", file=resource["file"]))
        review = dataset.get("review")
        if review is not None and not (
                isinstance(review, dict) and review.get("agent") and review.get("state") in REVIEW_STATES
                and (review["state"] != "returned" or review.get("comment"))):
            raise ContentError(_("Dataset “{name}”: “review” must name an “agent” and a “state” among {states} "
                                 "(with a “comment” for returned).").format(name=dataset["name"],
                                                                           states=", ".join(REVIEW_STATES)))
    return content
