"""Validators of the dataset schema (schemas/dataset.yaml). Messages in French, naming the
offending value: commune agents read them beside the field, re-users in the API's 409."""
from __future__ import annotations

import datetime as dt
import json
import re

from ckan.lib.helpers import unified_resource_format
from ckan.lib.navl.dictization_functions import Invalid, StopOnError, missing

from . import vocabularies as v
from .communes_field import default_communes, fresh_territory_communes

MAX_DESCRIPTION = 100_000
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def _empty(value) -> bool:
    return value in (None, "", missing, []) or (isinstance(value, (list, tuple)) and not any(value))


def _as_list(value) -> list[str]:
    if _empty(value):
        return []
    if isinstance(value, str):
        try:
            loaded = json.loads(value)
            if isinstance(loaded, list):
                return [str(x).strip() for x in loaded if str(x).strip()]
        except ValueError:
            pass
        return [x.strip() for x in re.split(r"[,;]", value) if x.strip()]
    return [str(x).strip() for x in value if str(x).strip()]


def themes(key, data, errors, context):
    values = _as_list(data.get(key))
    if not values:
        errors[key].append("Choisissez au moins un thème.")
        raise StopOnError
    labels = v.theme_labels()
    unknown = [x for x in values if x not in labels]
    if unknown:
        errors[key].append(f"Thème inconnu : {', '.join(unknown)}. Thèmes possibles : {', '.join(labels)}.")
        raise StopOnError
    data[key] = json.dumps(list(dict.fromkeys(values)))


def frequency(value, context):
    if _empty(value):
        return ""
    value = str(value).strip()
    if value.startswith(v.EU_FREQUENCY):
        value = value[len(v.EU_FREQUENCY):]
    if value.upper() in v.frequencies():
        return value.upper()
    raise Invalid(f"Fréquence inconnue : « {value} ». Choisissez une fréquence de la liste "
                  f"({', '.join(v.frequencies())}).")


def license(value, context):
    if _empty(value):
        raise Invalid("Choisissez une licence : la Licence Ouverte 2.0 (lov2) ou l'ODbL (odc-odbl) "
                      "pour des données publiques.")
    if value not in v.license_ids():
        raise Invalid(f"Licence inconnue : « {value} ». Licences possibles : {', '.join(v.license_ids())}.")
    return value


def communes(key, data, errors, context):
    values = [x.upper() for x in _as_list(data.get(key))]
    if not values:
        values = default_communes(data.get(("owner_org",)))
    allowed = fresh_territory_communes()  # a write checks against the database, not the cache
    outside = [x for x in values if x not in allowed]
    if outside:
        errors[key].append(f"Code INSEE hors du territoire du portail : {', '.join(outside)}. "
                           "Indiquez des communes membres.")
        raise StopOnError
    data[key] = json.dumps(list(dict.fromkeys(values)))


def _parse_date(value) -> dt.date:
    text = str(value).strip()
    for fmt in ("%Y-%m-%d", "%d/%m/%Y", "%Y-%m-%dT%H:%M:%S", "%Y"):
        try:
            return dt.datetime.strptime(text[:19] if "T" in text else text, fmt).date()
        except ValueError:
            continue
    raise Invalid(f"« {text} » n'est pas une date : écrivez-la AAAA-MM-JJ (ex. 2024-01-31) ou JJ/MM/AAAA.")


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
        raise StopOnError
    data[key] = end_date.isoformat()
    start = data.get(("temporal_start",))
    if not _empty(start):
        try:
            start_date = _parse_date(start)
        except Invalid:
            return  # reported on temporal_start
        if end_date < start_date:
            errors[key].append(f"La fin de la période couverte ({end_date.isoformat()}) précède son début "
                               f"({start_date.isoformat()}).")


def email(value, context):
    if _empty(value):
        return ""
    value = str(value).strip()
    if not EMAIL_RE.match(value) or len(value) > 254:
        raise Invalid(f"« {value[:80]} » n'est pas une adresse électronique valide (ex. opendata@ville.fr).")
    return value


def description(value, context):
    if _empty(value):
        return ""
    if len(value) > MAX_DESCRIPTION:
        raise Invalid(f"La description est trop longue : {len(value):,} caractères pour "
                      f"{MAX_DESCRIPTION:,} au plus. Mettez le détail dans une ressource "
                      "(document joint).".replace(",", " "))
    return value


def resource_format(value, context):
    """One spelling per format: 'csv', '.CSV', 'text/csv' -> 'CSV'."""
    if _empty(value):
        return ""
    raw = str(value).strip()
    key = raw.lower().lstrip(".")
    if key in v.formats():
        return v.formats()[key]
    return unified_resource_format(raw) or raw.upper()


def conforms_to(value, context):
    if _empty(value):
        return ""
    value = str(value).strip()
    if value in v.table_schemas() or re.match(r"^https?://\S+$", value):
        return value
    raise Invalid(f"« {value} » n'est ni un schéma de schema.data.gouv.fr (ex. scdl/deliberations) "
                  "ni l'adresse (URL) d'un schéma.")


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

    extent = tk.get_action("metropole_commune_geometry_show")({"ignore_auth": True}, {"codes": codes})["extent"]
    if extent:
        data[key] = json.dumps(extent)


def get_validators() -> dict:
    return {
        "metropole_themes": themes,
        "metropole_frequency": frequency,
        "metropole_license": license,
        "metropole_communes": communes,
        "metropole_date": date,
        "metropole_temporal_end": temporal_end,
        "metropole_email": email,
        "metropole_description": description,
        "metropole_resource_format": resource_format,
        "metropole_conforms_to": conforms_to,
        "metropole_spatial_default": spatial_default,
        "metropole_source_date": source_date,
    }
