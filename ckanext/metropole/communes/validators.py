"""Validators of the organisation schema (schemas/organization.yaml). Messages are English
msgids translated by the catalogue (French by default): commune agents and operators read
them in the forms and in the API's 409 answers."""
from __future__ import annotations

import json
import re

import ckan.model as model
import ckan.plugins.toolkit as tk
from ckan.plugins.toolkit import _
from ckan.lib.navl.dictization_functions import Invalid, StopOnError, missing

from .reference import obliged, reference, siren_is_valid

KINDS = ("metropole", "commune", "partner")
INSEE_RE = re.compile(r"^(\d{5}|2[AB]\d{3})$")
POSTCODE_RE = re.compile(r"^\d{5}$")
# Ten times the largest French métropole: beyond it a figure is a typo or an attack (10³⁰ was accepted).
MAX_POPULATION = 100_000_000


def _value(data, name):
    value = data.get((name,))
    return None if value in (None, "", missing) else value


def _empty(value) -> bool:
    return value in (None, "", missing) or (isinstance(value, (list, tuple)) and not any(value))


def _other_org_with_extra(key: str, value: str, own_id) -> str | None:
    query = (model.Session.query(model.Group.name)
             .join(model.GroupExtra, model.GroupExtra.group_id == model.Group.id)
             .filter(model.Group.is_organization.is_(True), model.Group.state != "deleted",
                     model.GroupExtra.key == key, model.GroupExtra.value == value,
                     model.GroupExtra.state == "active"))
    if own_id:
        query = query.filter(model.Group.id != own_id)
    row = query.first()
    return row[0] if row else None


def insee_code(key, data, errors, context):
    value = data.get(key)
    kind = _value(data, "kind")
    if _empty(value):
        if kind == "commune":
            errors[key].append(_("A commune needs its INSEE code."))
            raise StopOnError
        data[key] = ""
        return
    value = str(value).strip().upper()
    if kind != "commune":
        errors[key].append(_("Only a commune has an INSEE code."))
        raise StopOnError
    if not INSEE_RE.match(value):
        errors[key].append(_("“{value}” is not an INSEE code: 5 characters expected (e.g. 63113, 2A004).").format(value=value))
        raise StopOnError
    if reference().commune(value) is None:
        successor = reference().successor(value)
        hint = (" " + _("It joined the commune {name} ({code}).").format(name=successor.name, code=successor.insee)
                if successor else "")
        errors[key].append(_("The INSEE code {value} is not the code of any commune of the official reference data.")
                           .format(value=value) + hint)
        raise StopOnError
    # On update, CKAN puts the organisation being edited in the context.
    # ("id" may hold a name: resolve it.)
    own = context.get("group") or (model.Group.get(_value(data, "id")) if _value(data, "id") else None)
    own_id = own.id if own is not None else None
    other = _other_org_with_extra("insee_code", value, own_id)
    if other:
        errors[key].append(_("The INSEE code {value} already belongs to the organisation “{other}”.").format(value=value, other=other))
        raise StopOnError
    data[key] = value


def siren(value, context):
    if _empty(value):
        return ""
    value = re.sub(r"\s", "", str(value))
    if not value.isdigit() or len(value) != 9:
        raise Invalid(_("“{value}” is not a SIREN: 9 digits expected.").format(value=value))
    if not siren_is_valid(value):
        raise Invalid(_("The SIREN {value} is invalid: its check digit (Luhn) does not match.").format(value=value))
    return value


def population(value, context):
    if _empty(value):
        return ""
    try:
        number = int(str(value).replace(" ", "").replace("\u202f", ""))
    except ValueError:
        raise Invalid(_("“{value}” is not a number of inhabitants (a whole number is expected).").format(value=value))
    if number < 0:
        raise Invalid(_("The population cannot be negative."))
    if number > MAX_POPULATION:
        raise Invalid(tk._("A population above {max} inhabitants is not plausible.")
                      .format(max=f"{MAX_POPULATION:,}".replace(",", "\u202f")))
    return str(number)


def int_output(value, context):
    if _empty(value):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def postal_codes(key, data, errors, context):
    value = data.get(key)
    if _empty(value):
        data[key] = "[]"
        return
    if isinstance(value, str):
        try:
            loaded = json.loads(value)
            value = loaded if isinstance(loaded, list) else [value]
        except ValueError:
            value = re.split(r"[\s,;]+", value)
    codes = []
    for code in value:
        code = str(code).strip()
        if not code:
            continue
        if not POSTCODE_RE.match(code):
            errors[key].append(_("“{code}” is not a postcode: 5 digits expected.").format(code=code))
            continue
        if code not in codes:
            codes.append(code)
    data[key] = json.dumps(codes)


def member_of(key, data, errors, context):
    value = data.get(key)
    if _empty(value):
        data[key] = ""
        return
    value = str(value).strip()
    if _value(data, "kind") == "metropole":
        errors[key].append(_("A métropole does not belong to another organisation."))
        raise StopOnError
    group = model.Group.get(value)
    if group is None or not group.is_organization or group.state != "active":
        errors[key].append(_("The organisation “{value}” does not exist.").format(value=value))
        raise StopOnError
    if group.extras.get("kind") != "metropole":
        errors[key].append(_("The organisation “{value}” is not a métropole.").format(value=value))
        raise StopOnError
    data[key] = group.name


def open_data_obligation(key, data, errors, context):
    """Derived from the population, whatever was sent: never typed in."""
    pop = _value(data, "population")
    try:
        number = int(pop) if pop is not None else None
    except (TypeError, ValueError):
        number = None
    data[key] = "true" if obliged(number) else "false"


def get_validators() -> dict:
    return {
        "metropole_insee_code": insee_code,
        "metropole_siren": siren,
        "metropole_population": population,
        "metropole_int_output": int_output,
        "metropole_postal_codes": postal_codes,
        "metropole_member_of": member_of,
        "metropole_open_data_obligation": open_data_obligation,
    }
