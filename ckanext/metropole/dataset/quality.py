"""Metadata quality: data.europa.eu's MQA indicators (config/mqa.yaml, 405 points), measured
on a dataset as the DCAT catalogue publishes it (dcat_input.for_dcat).

Two deliberate differences with data.europa.eu, said on the page: a URL is "valid" when it is
a well-formed public web address (the MQA also fetches it; the portal does not, on each page
view), and rights statements are not published yet (the 5 points of "Droits" stay at 0).

Per organisation, the score of every dataset is indexed with its organisation
(``metropole_quality_org`` = "<organisation>|<score>"), so one faceted Solr query gives the
average of every commune (/participation).
"""

from __future__ import annotations

import json
import logging
from functools import lru_cache

import ckan.plugins.toolkit as tk

from .. import cache
from . import dcat_input, hvd
from . import vocabularies as v

log = logging.getLogger(__name__)

INDEX_FIELD = "metropole_quality_org"
MAX_POINTS = 405


@lru_cache(maxsize=1)
def methodology() -> dict:
    data = v._yaml("mqa.yaml")
    total = sum(i["weight"] for d in data["dimensions"] for i in d["indicators"])
    assert total == MAX_POINTS, f"config/mqa.yaml weighs {total} points, not {MAX_POINTS}"
    return data


def _format_flags(resource: dict) -> dict:
    return dcat_input._format_iris(resource.get("format") or "")


# Interoperability is scored on the dataset's best distribution ("identical content with
# several distributions": data.europa.eu's methodology counts only the distribution with the
# most points); the other distribution indicators count the share of distributions meeting them.
BEST_DISTRIBUTION = ("format", "media_type", "vocabulary", "non_proprietary", "machine_readable")


def _interoperability(published: list[dict], original_by_id: dict) -> dict[str, float]:
    weights = {i["id"]: i["weight"] for d in methodology()["dimensions"] for i in d["indicators"]}
    best = dict.fromkeys(BEST_DISTRIBUTION, 0.0)
    for r in published:
        flags = _format_flags(original_by_id.get(r.get("id"), r))
        met = {
            "format": float(bool(r.get("format"))),
            "media_type": float(bool(r.get("mimetype"))),
            # our formats and media types are published only as EU file-type / IANA IRIs
            "vocabulary": float(bool(r.get("format") and r.get("mimetype"))),
            "non_proprietary": float(bool(flags.get("non_proprietary"))),
            "machine_readable": float(bool(flags.get("machine_readable"))),
        }
        if sum(weights[k] * met[k] for k in met) > sum(weights[k] * best[k] for k in best):
            best = met
    return best


def _values(dataset: dict, prepared: dict) -> dict[str, float]:
    """Each indicator's share met (0..1)."""
    total = len(dataset.get("resources") or [])
    published = prepared.get("resources") or []
    original_by_id = {r.get("id"): r for r in dataset.get("resources") or []}

    def share(test) -> float:
        return sum(1 for r in published if test(r)) / total if total else 0.0

    has_publisher = bool(prepared.get("publisher"))
    return {
        "keywords": float(bool(prepared.get("tags") or prepared.get("metropole_themes"))),
        "categories": float(bool(prepared.get("theme"))),
        "spatial": float(bool(prepared.get("spatial_coverage"))),
        "temporal": float(bool(prepared.get("temporal_coverage"))),
        "access_url": share(lambda r: bool(r.get("access_url"))),
        "download_url": share(lambda r: bool(r.get("download_url"))),
        "download_url_valid": share(lambda r: dcat_input.published_url(r.get("download_url"))),
        **_interoperability(published, original_by_id),
        # what DCAT-AP makes mandatory, as published (the SHACL test holds the rest)
        # an HVD dataset's DCAT-AP HVD obligations too (a licence compatible with CC BY 4.0, a
        # bulk download, an API): its description is not compliant without them
        "dcat_ap": float(bool(prepared.get("title") and prepared.get("notes")) and not hvd.lacking(dataset)),
        "license": share(lambda r: bool(r.get("license"))),
        "license_vocabulary": share(lambda r: bool(r.get("license"))),
        "access_rights": float(bool(prepared.get("access_rights"))),
        "access_rights_vocabulary": float(bool(prepared.get("access_rights"))),
        "contact_point": float(bool(prepared.get("contact"))),
        "publisher": float(has_publisher),
        "rights": share(lambda r: bool(r.get("rights"))),
        "byte_size": share(lambda r: bool(r.get("size"))),
        "issued": float(bool(prepared.get("issued") or prepared.get("metadata_created"))),
        "modified": float(bool(prepared.get("modified") or prepared.get("metadata_modified"))),
    }


def rating(score: float) -> str:
    return next(r["label"] for r in methodology()["ratings"] if score >= r["min"])


def _t(text: str) -> str:
    """The French of a msgid from config/mqa.yaml; the msgid itself outside a request (Solr
    indexing from the CLI or a harvest job, where only the score is kept)."""
    if not text:
        return text
    try:
        return tk._(text)
    except (RuntimeError, TypeError, AttributeError):
        return text


def _points(ind: dict, values: dict) -> float:
    return round(ind["weight"] * values[ind["id"]], 1)


def score(dataset: dict, org: dict | None) -> int:
    """The MQA score alone: what the search index keeps, without the labels that ``measure``
    translates for display (their ~50 lookups per dataset were half the score's cost)."""
    values = _values(dataset, dcat_input.for_dcat(dataset, org))
    return round(
        sum(
            round(sum(_points(ind, values) for ind in dim["indicators"]), 1)
            for dim in methodology()["dimensions"]
        )
    )


def measure(dataset: dict, org: dict | None) -> dict:
    """The MQA of one dataset (a package_show dict) and of its owner ``org``."""
    values = _values(dataset, dcat_input.for_dcat(dataset, org))
    dimensions, total = [], 0.0
    for dim in methodology()["dimensions"]:
        indicators = [
            {
                **ind,
                "label": _t(ind["label"]),
                "hint": _t(ind["hint"]),
                "points": _points(ind, values),
                "met": values[ind["id"]],
            }
            for ind in dim["indicators"]
        ]
        for ind in indicators:
            if ind["id"] == "dcat_ap" and (missing := hvd.lacking(dataset)):
                ind["hint"] = _t(
                    "High-value dataset: add what regulation 2023/138 requires ({missing})."
                ).format(missing=", ".join(hvd.obligation_label(k) for k in missing))
        points = round(sum(i["points"] for i in indicators), 1)
        dimensions.append(
            {
                "id": dim["id"],
                "label": _t(dim["label"]),
                "points": points,
                "max": sum(i["weight"] for i in dim["indicators"]),
                "indicators": indicators,
            }
        )
        total += points
    total = round(total)
    return {"score": total, "max": MAX_POINTS, "rating": _t(rating(total)), "dimensions": dimensions}


# seconds; an organisation write clears it at once in its process (a web worker where an
# organisation is edited), within cache.CHECK_SECONDS in the others (a harvest consumer indexing)
ORG_TTL = 60
_indexed_orgs = cache.Cache(cache.ORGANISATIONS, max_entries=1024)


def clear_cache() -> None:
    cache.ORGANISATIONS.bump()


def _org(owner_org) -> dict | None:
    if not owner_org:
        return None
    try:
        return tk.get_action("organization_show")(
            {"ignore_auth": True}, {"id": owner_org, "include_datasets": False}
        )
    except tk.ObjectNotFound:
        return None


def _indexed_org(owner_org) -> dict | None:
    """_org, cached briefly for indexing: a harvest or a rebuild indexes many datasets of one
    organisation, and organization_show (with its Solr count) cost as much as the rest of the
    index (bench/PROFILE.md)."""
    return _indexed_orgs.cached(owner_org, lambda: _org(owner_org), ORG_TTL)


def index_fields(pkg_dict: dict) -> dict:
    """before_dataset_index: the dataset's score with its organisation's name."""
    try:
        data = json.loads(pkg_dict.get("validated_data_dict") or "{}")
        if data.get("type", "dataset") != "dataset" or not data.get("owner_org"):
            return pkg_dict
        org = _indexed_org(data["owner_org"])
        if org:
            pkg_dict[INDEX_FIELD] = f"{org['name']}|{score(data, org)}"
    except Exception:
        log.exception("metadata quality of %s not indexed", pkg_dict.get("name"))
    return pkg_dict


def by_organisation(context) -> dict:
    """{organisation name: {"datasets": n, "average": mean score}} from one faceted search."""
    result = tk.get_action("package_search")(
        dict(context),
        {
            "q": "*:*",
            "rows": 0,
            "facet.field": json.dumps([INDEX_FIELD]),
            "facet.limit": -1,
            "include_private": False,
        },
    )
    totals: dict[str, list[int]] = {}
    for item in result["search_facets"].get(INDEX_FIELD, {}).get("items", []):
        name, _, points = item["name"].rpartition("|")
        entry = totals.setdefault(name, [0, 0])
        entry[0] += item["count"]
        entry[1] += int(points) * item["count"]
    return {name: {"datasets": n, "average": round(total / n)} for name, (n, total) in totals.items() if n}


# A commune's figures walk its public datasets page by page; the bound keeps one request
# finite on a very large organisation (the average then covers the first MAX_DATASETS).
PAGE_SIZE = 500
MAX_DATASETS = 5000
TO_FIX = 5


def _organisation_datasets(context, org_id: str):
    start, count = 0, None
    while start < MAX_DATASETS and (count is None or start < count):
        result = tk.get_action("package_search")(
            dict(context),
            {
                "fq": f'+owner_org:"{org_id}" +dataset_type:dataset',
                "rows": PAGE_SIZE,
                "start": start,
                "sort": "metadata_created asc",
                "include_private": False,
            },
        )
        count = result["count"]
        if not result["results"]:
            break
        yield from result["results"]
        start += PAGE_SIZE


def organisation_quality(context, org: dict) -> dict:
    """An organisation's MQA: the average score of its public datasets, the average points of
    each dimension and indicator, how many datasets miss each indicator, and ``to_fix``: the
    indicators the publisher controls, by average points lost, most first."""
    measures = [measure(d, org) for d in _organisation_datasets(context, org["id"])]
    n = len(measures)
    base = {"organization": org["name"], "max": MAX_POINTS, "datasets": n}
    if not n:
        return {**base, "average": None, "rating": None, "dimensions": [], "to_fix": []}
    average = round(sum(m["score"] for m in measures) / n)
    dimensions = []
    for d, dim in enumerate(measures[0]["dimensions"]):
        indicators = []
        for i, ind in enumerate(dim["indicators"]):
            points = [m["dimensions"][d]["indicators"][i]["points"] for m in measures]
            indicators.append(
                {key: ind[key] for key in ("id", "label", "hint", "weight")}
                | {
                    "fixable": ind.get("fixable", True),
                    "points": round(sum(points) / n, 1),
                    "missing": sum(1 for p in points if p < ind["weight"]),
                }
            )
        dimensions.append(
            {
                "id": dim["id"],
                "label": dim["label"],
                "max": dim["max"],
                "indicators": indicators,
                "points": round(sum(m["dimensions"][d]["points"] for m in measures) / n, 1),
            }
        )
    lost = [
        dict(ind, lost=round(ind["weight"] - ind["points"], 1), dimension=dim["label"])
        for dim in dimensions
        for ind in dim["indicators"]
        if ind["missing"] and ind["fixable"]
    ]
    lost.sort(key=lambda ind: (-ind["lost"], -ind["missing"]))
    return {
        **base,
        "average": average,
        "rating": _t(rating(average)),
        "dimensions": dimensions,
        "to_fix": lost[:TO_FIX],
    }


@tk.side_effect_free
def quality_show(context, data_dict):
    """Metadata quality (data.europa.eu MQA indicators, 405 points).

    :param id: a dataset id or name: its score, rating and every indicator with its points
    :param organization: an organisation name or id: the number of its public datasets, their
        average score and rating, each dimension and indicator's average points and the number
        of datasets missing it, and ``to_fix``: the indicators the publisher controls that lose
        the most points on average (at most 5), each with its hint
    :param organizations: true: {"organizations": {name: {"datasets", "average"}}} for every
        organisation with public datasets (one search)
    """
    tk.check_access("metropole_quality_show", context, data_dict)
    if data_dict.get("id"):
        dataset = tk.get_action("package_show")(dict(context), {"id": data_dict["id"]})
        return {
            "id": dataset["id"],
            "name": dataset["name"],
            **measure(dataset, _org(dataset.get("owner_org"))),
        }
    if tk.asbool(data_dict.get("organizations")):
        return {"max": MAX_POINTS, "organizations": by_organisation(context)}
    if data_dict.get("organization"):
        org = _org(data_dict["organization"])
        if org is None:
            raise tk.ObjectNotFound(tk._("Organisation not found."))
        return organisation_quality(context, org)
    raise tk.ValidationError({"id": [tk._("Give a dataset id (id) or an organisation (organization).")]})


@tk.auth_allow_anonymous_access
def quality_show_auth(context, data_dict):
    """Public: the figures are computed from public metadata; a dataset's own figures follow
    package_show's permission (checked when the action reads the dataset)."""
    return {"success": True}
