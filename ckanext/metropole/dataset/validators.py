"""Validators of the dataset schema (schemas/dataset.yaml). Messages are English msgids
translated by the catalogue (French by default), naming the offending value: commune agents
read them beside the field, re-users in the API's 409."""

from __future__ import annotations

import datetime as dt
import json
import re

from ckan.lib.navl.dictization_functions import Invalid, StopOnError, missing
from ckan.plugins.toolkit import _, config

from ..lists import as_list
from ..review.validators import review_field
from . import hvd
from . import vocabularies as v
from .communes_field import default_communes, fresh_territory_communes


def _empty(value) -> bool:
    return value in (None, "", missing, []) or (isinstance(value, (list, tuple)) and not any(value))


def frequency(value, context):
    if _empty(value):
        return ""
    value = str(value).strip()
    if value.startswith(v.EU_FREQUENCY):
        value = value[len(v.EU_FREQUENCY) :]
    if value.upper() in v.frequencies():
        return value.upper()
    raise Invalid(
        _("Unknown frequency: “{value}”. Choose a frequency of the list ({choices}).").format(
            value=value, choices=", ".join(v.frequencies())
        )
    )


def license(value, context):
    if _empty(value):
        raise Invalid(
            _("Choose a licence: the Licence Ouverte 2.0 (lov2) or the ODbL (odc-odbl) for public data.")
        )
    if value not in v.license_ids():
        raise Invalid(
            _("Unknown licence: “{value}”. Possible licences: {choices}.").format(
                value=value, choices=", ".join(v.license_ids())
            )
        )
    return value


def communes(key, data, errors, context):
    values = [x.upper() for x in as_list(data.get(key), split=r"[,;]")]
    if not values:
        values = default_communes(data.get(("owner_org",)))
    # a write checks against the database, not the cache; a bulk writer (the harvest import)
    # reads the territory once per batch and passes its INSEE codes in the context
    allowed = context.get("metropole_territory_codes")
    if allowed is None:
        allowed = fresh_territory_communes()
    outside = [x for x in values if x not in allowed]
    if outside:
        errors[key].append(
            _("INSEE code outside the territory of the portal: {codes}. Give member communes.").format(
                codes=", ".join(outside)
            )
        )
        raise StopOnError
    data[key] = json.dumps(list(dict.fromkeys(values)))


def _parse_date(value) -> dt.date:
    text = str(value).strip()
    for fmt in ("%Y-%m-%d", "%d/%m/%Y", "%Y-%m-%dT%H:%M:%S", "%Y"):
        try:
            return dt.datetime.strptime(text[:19] if "T" in text else text, fmt).date()
        except ValueError:
            continue
    raise Invalid(
        _("“{value}” is not a date: write it YYYY-MM-DD (e.g. 2024-01-31) or DD/MM/YYYY.").format(value=text)
    )


def date(value, context):
    if _empty(value):
        return ""
    return _parse_date(value).isoformat()


def source_date(value, context):
    """A date a harvested source gave: kept when it reads as a date, dropped otherwise (a
    source's odd date never rejects its dataset)."""
    if _empty(value):
        return ""
    for text in (value, str(value)[:10]):
        try:
            return _parse_date(text).isoformat()
        except Invalid:
            continue
    return ""


def temporal_end(key, data, errors, context):
    end = data.get(key)
    if _empty(end):
        data[key] = ""
        return
    try:
        end_date = _parse_date(end)
    except Invalid as e:
        errors[key].append(e.error)
        raise StopOnError from None
    data[key] = end_date.isoformat()
    start = data.get(("temporal_start",))
    if not _empty(start):
        try:
            start_date = _parse_date(start)
        except Invalid:
            return  # reported on temporal_start
        if end_date < start_date:
            errors[key].append(
                _("The end of the period covered ({end}) comes before its start ({start}).").format(
                    end=end_date.isoformat(), start=start_date.isoformat()
                )
            )


def description(value, context):
    if _empty(value):
        return ""
    maximum = config.get("ckanext.metropole.limits.description_chars")  # declared by metropole_security
    if len(value) > maximum:
        raise Invalid(
            _(
                "The description is too long: {length} characters for {maximum} at most. Put the detail "
                "in a resource (an attached document)."
            ).format(
                length=f"{len(value):,}".replace(",", "\u202f"), maximum=f"{maximum:,}".replace(",", "\u202f")
            )
        )
    return value


def conforms_to(value, context):
    if _empty(value):
        return ""
    value = str(value).strip()
    if value in v.table_schemas() or re.match(r"^https?://\S+$", value):
        return value
    raise Invalid(
        _(
            "“{value}” is neither a schema of schema.data.gouv.fr (e.g. scdl/deliberations) nor the "
            "address (URL) of a schema."
        ).format(value=value)
    )


def spatial_default(key, data, errors, context):
    """No extent given: the bounding box of the communes covered (ckanext-spatial indexes it
    for map search, the dataset page draws it)."""
    if not _empty(data.get(key)):
        return
    try:
        codes = json.loads(data.get(("communes",)) or "[]")
    except (TypeError, ValueError):
        codes = []
    if not codes:
        return
    import ckan.plugins.toolkit as tk

    extent = tk.get_action("metropole_commune_geometry_show")(
        {"ignore_auth": True}, {"codes": codes, "contours": False}
    )["extent"]
    if extent:
        data[key] = json.dumps(extent)


GEOMETRY_TYPES = (
    "Point",
    "MultiPoint",
    "LineString",
    "MultiLineString",
    "Polygon",
    "MultiPolygon",
    "GeometryCollection",
)


def _positions(geometry: dict):
    """Every position of a GeoJSON geometry, without recursion (an attacker's nesting)."""
    stack = [
        geometry.get("geometries")
        if geometry.get("type") == "GeometryCollection"
        else geometry.get("coordinates")
    ]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            stack.append(
                item.get("geometries")
                if item.get("type") == "GeometryCollection"
                else item.get("coordinates")
            )
        elif (
            isinstance(item, list)
            and item
            and all(isinstance(x, (int, float)) and not isinstance(x, bool) for x in item)
        ):
            yield item
        elif isinstance(item, list):
            stack.extend(item)
        else:
            raise Invalid(_("The extent's coordinates must be lists of numbers."))


def spatial(value, context):
    """The extent: one GeoJSON geometry in WGS84 degrees. ckanext-spatial checked it only
    after the write, in English, and accepted coordinates of 1e308 (which its own bounding
    box normalisation then loops on)."""
    if _empty(value):
        return value
    import math

    import geojson

    try:
        parsed = json.loads(value) if isinstance(value, str) else value
    except (TypeError, ValueError, RecursionError):
        raise Invalid(_("The extent is not valid GeoJSON (JSON text expected).")) from None
    if not isinstance(parsed, dict) or parsed.get("type") not in GEOMETRY_TYPES:
        raise Invalid(_("The extent must be a GeoJSON geometry (Point, Polygon, MultiPolygon…)."))
    count = 0
    for position in _positions(parsed):
        count += 1
        if len(position) not in (2, 3) or not all(math.isfinite(x) for x in position):
            raise Invalid(
                _("Each position of the extent must be 2 or 3 finite numbers (longitude, latitude).")
            )
        if not (-180 <= position[0] <= 180 and -90 <= position[1] <= 90):
            raise Invalid(
                _(
                    "The extent's coordinates must be in degrees: longitude between -180 and 180, "
                    "latitude between -90 and 90."
                )
            )
    if not count:
        raise Invalid(_("The extent has no coordinates."))
    if not geojson.loads(json.dumps(parsed)).is_valid:  # ckanext-spatial's own test, after ours
        raise Invalid(_("The extent is not a valid GeoJSON geometry (e.g. a polygon ring must be closed)."))
    return value if isinstance(value, str) else json.dumps(parsed)


def get_validators() -> dict:
    return {
        "metropole_frequency": frequency,
        "metropole_license": license,
        "metropole_communes": communes,
        "metropole_date": date,
        "metropole_temporal_end": temporal_end,
        "metropole_description": description,
        "metropole_conforms_to": conforms_to,
        "metropole_spatial_default": spatial_default,
        "metropole_spatial": spatial,
        "metropole_source_date": source_date,
        "metropole_hvd_category": hvd.category_validator,
        "metropole_hvd_legislation": hvd.legislation_validator,
        # the schema's review fields are kept from writes outside the review's transitions
        # whether or not metropole_review is enabled (review/validators.py)
        "metropole_review_field": review_field,
    }
