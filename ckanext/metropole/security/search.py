"""Search parameters checked before ckanext-spatial and Solr see them, and Solr's errors
kept to ourselves.

ckanext-spatial normalises a bounding box with ``while minx < -180: minx += 360``: one
``ext_bbox=-1e308,…`` kept a server thread busy forever. CKAN's search errors echo the
whole Solr query (permission filters included) and whatever the client sent: the client
gets a French message, the log gets the details.
"""

from __future__ import annotations

import logging
import math

import ckan.plugins.toolkit as tk
from ckan.lib.search.common import SearchError, SearchQueryError

log = logging.getLogger(__name__)

# Longest q / fq accepted (characters): far beyond what a person or a facet link types,
# short enough that Solr never parses megabytes for one anonymous request.
MAX_QUERY_CHARS = 10_000


def parse_bbox(value) -> tuple[float, float, float, float]:
    """``minx,miny,maxx,maxy`` in WGS84 degrees, or ValueError with a French message."""
    parts = value.split(",") if isinstance(value, str) else value
    if not isinstance(parts, (list, tuple)) or len(parts) != 4:
        raise ValueError(
            tk._("Expected four numbers separated by commas: west,south,east,north (e.g. 2.9,45.7,3.2,45.9).")
        )
    try:
        minx, miny, maxx, maxy = (float(p) for p in parts)
    except (TypeError, ValueError):
        raise ValueError(
            tk._("Expected four numbers separated by commas: west,south,east,north (e.g. 2.9,45.7,3.2,45.9).")
        ) from None
    if not all(math.isfinite(v) for v in (minx, miny, maxx, maxy)):
        raise ValueError(tk._("The coordinates of the box must be finite numbers."))
    if not (-180 <= minx <= 180 and -180 <= maxx <= 180):
        raise ValueError(tk._("Longitudes must lie between -180 and 180."))
    if not (-90 <= miny <= 90 and -90 <= maxy <= 90):
        raise ValueError(tk._("Latitudes must lie between -90 and 90."))
    if not (minx < maxx and miny < maxy):
        raise ValueError(tk._("The box is empty: west must be less than east and south less than north."))
    return minx, miny, maxx, maxy


def check_params(data_dict: dict) -> dict[str, list[str]]:
    """French errors per parameter of a package_search call (empty when it may run)."""
    errors: dict[str, list[str]] = {}
    extras = data_dict.get("extras")
    bbox = data_dict.get("ext_bbox")
    if bbox is None and isinstance(extras, dict):
        bbox = extras.get("ext_bbox")
    if bbox not in (None, ""):
        try:
            parse_bbox(bbox)
        except ValueError as e:
            errors["ext_bbox"] = [str(e)]
    start = data_dict.get("start")
    maximum = tk.config.get("ckanext.metropole.limits.search_start")
    try:
        too_far = start not in (None, "") and int(start) > maximum
    except (TypeError, ValueError):
        too_far = False  # not a number: CKAN's own validator says so, in French
    if too_far:
        errors["start"] = [
            tk._(
                "This page of results is too far (start at most {max}): narrow the "
                "search with filters, or sort by metadata_modified to read the "
                "catalogue in slices."
            ).format(max=maximum)
        ]
    for key in ("q", "fq"):
        value = data_dict.get(key)
        if isinstance(value, str) and len(value) > MAX_QUERY_CHARS:
            errors[key] = [
                tk._("The search text is too long (at most {max} characters).").format(max=MAX_QUERY_CHARS)
            ]
    return errors


def refusal(context: dict, errors: dict[str, list[str]]) -> Exception:
    """The exception that reaches the client as a 400/409 with the French message: pages
    (for_view) catch SearchQueryError and answer 400, the Action API answers a
    ValidationError with 409 and the message on the parameter."""
    if context.get("for_view"):
        return SearchQueryError(" ".join(m for messages in errors.values() for m in messages))
    return tk.ValidationError(errors)


@tk.side_effect_free  # not inherited from CKAN's: GET on the API needs it
@tk.chained_action
def package_search(up, context, data_dict):
    errors = check_params(data_dict)
    if errors:
        raise refusal(context, errors)
    try:
        return up(context, data_dict)
    except SearchError as e:  # SearchQueryError included
        log.warning("package_search refused: %.2000s", e)
        raise refusal(
            context,
            {
                "q": [
                    tk._(
                        "The search could not be understood: check the query "
                        "and the filters (fq, sort, facets)."
                    )
                ]
            },
        ) from None
