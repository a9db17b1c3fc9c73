"""CKAN and DKAN Action API: package_search paged by rows/start; DKAN's quirks handled."""

from __future__ import annotations

from ...messages import N_
from .. import mapping
from ..errors import HarvestError
from ..model import Listing, RemoteDataset, RemoteResource, each

NAME = "ckan"
ROWS = 100


def _action(client, root: str, action: str, params: dict | None = None):
    url = root.rstrip("/") + f"/api/3/action/{action}"
    data = client.get(url, params=params).json()
    # CKAN answers HTTP 200 with success:false on errors
    if not isinstance(data, dict) or data.get("success") is not True:
        error = data.get("error") if isinstance(data, dict) else None
        message = error.get("message") if isinstance(error, dict) else error
        raise HarvestError(
            N_(
                "The CKAN API refused {action} ({url}): {error}.",
                action=action,
                url=url,
                error=str(message or "success:false"),
            )
        )
    return data.get("result")


def detect(client, root: str) -> bool:
    try:
        result = _action(client, root, "status_show")
        return isinstance(result, dict)
    except HarvestError:
        # DKAN has no status_show but answers package_list
        return isinstance(_action(client, root, "package_list"), list)


def _search(client, root: str, config, listing: Listing):
    start, total = 0, None
    fq = f'organization:"{config.remote_organization}"' if config.remote_organization else ""
    while total is None or start < total:
        params = {"rows": ROWS, "start": start}
        if fq:
            params["fq"] = fq
        result = _action(client, root, "package_search", params)
        if not isinstance(result, dict) or not isinstance(result.get("results"), list):
            raise HarvestError(N_("Unexpected response of package_search (count and results expected)."))
        total = listing.announced = result.get("count", 0) if isinstance(result.get("count"), int) else 0
        if not result["results"] and start < total:
            listing.stopped = N_(
                "empty page at start={start}", start=start
            )  # short listing: nothing withdrawn
            return
        yield from result["results"]
        listing.read += len(result["results"])
        # by what the page gave, not by what was asked: a portal that caps its pages
        # (ckan.search.rows_max, a CKAN-compatible facade) is still read whole
        start += len(result["results"]) or ROWS


def _dkan_listing(client, root: str, config, listing: Listing):
    """DKAN 7 lacks package_search: package_list, then package_show (which returns a list)."""
    names = _action(client, root, "package_list")
    listing.announced, listing.read = len(names), 0
    seen_owners, kept = set(), 0
    for name in names:
        result = _action(client, root, "package_show", {"id": name})
        package = result[0] if isinstance(result, list) and result else result
        if not isinstance(package, dict):
            raise HarvestError(N_("package_show of {name}: unexpected response.", name=name))
        listing.read += 1
        owners = _owners(package)
        seen_owners.update(owners)
        if config.remote_organization and config.remote_organization.lower() not in owners:
            continue
        kept += 1
        yield package
    if config.remote_organization and names and not kept:
        # never an empty harvest without a word: say which publishers the portal has
        seen = ", ".join(sorted(seen_owners)[:15])
        if not seen:
            raise HarvestError(
                N_(
                    "No dataset of the organisation “{organization}” on this DKAN portal ({count} "
                    "datasets read). Organisations or groups seen: none.",
                    organization=config.remote_organization,
                    count=len(names),
                )
            )
        raise HarvestError(
            N_(
                "No dataset of the organisation “{organization}” on this DKAN portal ({count} "
                "datasets read). Organisations or groups seen: {seen}.",
                organization=config.remote_organization,
                count=len(names),
                seen=seen,
            )
        )


def _owners(package: dict) -> set[str]:
    """Who publishes a package: its organisation, or DKAN's groups named "group/<name>"."""
    owners = set()
    for owner in [package.get("organization"), *(package.get("groups") or [])]:
        if isinstance(owner, dict):
            for key in ("name", "title"):
                if isinstance(owner.get(key), str) and owner[key]:
                    owners.add(owner[key].lower().removeprefix("group/"))
    return owners


def to_remote(package: dict, root: str) -> RemoteDataset:
    ident = package.get("id") or package.get("name")
    if not ident:
        raise HarvestError(N_("CKAN dataset without an id."))
    extras = {e.get("key"): e.get("value") for e in package.get("extras") or [] if isinstance(e, dict)}
    themes = package.get("theme") or extras.get("theme") or []
    if isinstance(themes, str):
        themes = [themes]
    groups = [
        g.get("title") or (g.get("name") or "").removeprefix("group/")
        for g in package.get("groups") or []
        if isinstance(g, dict)
    ]
    return RemoteDataset(
        remote_id=str(ident),
        slug=package.get("name") or "",
        title=package.get("title") or package.get("name") or str(ident),
        notes=package.get("notes") or "",
        themes=[*themes, *[g for g in groups if g]],
        keywords=[
            t.get("display_name") or t.get("name")
            for t in package.get("tags") or []
            if isinstance(t, dict) and (t.get("name") or t.get("display_name"))
        ],
        # DKAN 7 may give the licence only as a URL in license_title: the first that maps wins
        license=next(
            (
                x
                for x in (package.get("license_id"), package.get("license_url"), package.get("license_title"))
                if isinstance(x, str) and x and mapping.map_license(x, "")[0]
            ),
            package.get("license_id") or package.get("license_title") or "",
        ),
        frequency=package.get("frequency") or extras.get("frequency") or "",
        # a CKAN harvested with ckanext-dcat keeps its source's dates; otherwise the record's
        # own (DKAN 7 writes them "mar, 10/12/2019 - 09:23")
        modified=package.get("modified") or extras.get("modified") or package.get("metadata_modified") or "",
        issued=package.get("issued") or extras.get("issued") or package.get("metadata_created") or "",
        landing_page=root.rstrip("/") + f"/dataset/{package.get('name') or ident}",
        publisher=(package.get("organization") or {}).get("title") or "",
        temporal_start=package.get("temporal_start") or extras.get("temporal_start") or "",
        temporal_end=package.get("temporal_end") or extras.get("temporal_end") or "",
        resources=[
            RemoteResource(
                url=r.get("url") or "",
                name=r.get("name") or "",
                format=r.get("format") or "",
                description=r.get("description") or "",
                conforms_to=r.get("conforms_to") or "",
            )
            for r in package.get("resources") or []
            if isinstance(r, dict)
        ],
    )


def datasets(client, root: str, config, listing: Listing):
    try:
        packages = list(_search(client, root, config, listing))
    except HarvestError as e:
        if e.status not in (400, 404):  # only a missing package_search means DKAN
            raise
        packages = list(_dkan_listing(client, root, config, listing))
    else:
        if config.remote_organization and not packages:
            # CKAN answers an unknown organisation with an empty search, without an error
            raise HarvestError(
                N_(
                    "No dataset of the organisation “{organization}” on this CKAN portal: check its "
                    "name (what follows /organization/ in its address).",
                    organization=config.remote_organization,
                )
            )
    yield from each(listing, packages, lambda package: to_remote(package, root))
