"""Validators of the organisation schema (schemas/organization.yaml). Messages are English
msgids translated by the catalogue (French by default): commune agents and operators read
them in the forms and in the API's 409 answers."""

from __future__ import annotations

import json
import re

import ckan.authz as authz
import ckan.model as model
import ckan.plugins.toolkit as tk
from ckan.lib.navl.dictization_functions import Invalid, StopOnError, missing
from ckan.plugins.toolkit import _

from .reference import obliged, reference, siren_is_valid

KINDS = ("metropole", "commune", "partner")
# Put in the context of the organisation writes made by a territory load (logic/action.py):
# the reference fields (INSEE code, SIREN, population…) are written by the load only, and auth
# functions or validators that guard them recognise the load by this key.
TERRITORY_LOAD = "metropole_territory_load"
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
    query = (
        model.Session.query(model.Group.name)
        .join(model.GroupExtra, model.GroupExtra.group_id == model.Group.id)
        .filter(
            model.Group.is_organization.is_(True),
            model.Group.state != "deleted",
            model.GroupExtra.key == key,
            model.GroupExtra.value == value,
            model.GroupExtra.state == "active",
        )
    )
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
        errors[key].append(
            _("“{value}” is not an INSEE code: 5 characters expected (e.g. 63113, 2A004).").format(
                value=value
            )
        )
        raise StopOnError
    if reference().commune(value) is None:
        successor = reference().successor(value)
        hint = (
            " "
            + _("It joined the commune {name} ({code}).").format(name=successor.name, code=successor.insee)
            if successor
            else ""
        )
        errors[key].append(
            _("The INSEE code {value} is not the code of any commune of the official reference data.").format(
                value=value
            )
            + hint
        )
        raise StopOnError
    # On update, CKAN puts the organisation being edited in the context.
    # ("id" may hold a name: resolve it.)
    own = context.get("group") or (model.Group.get(_value(data, "id")) if _value(data, "id") else None)
    own_id = own.id if own is not None else None
    other = _other_org_with_extra("insee_code", value, own_id)
    if other:
        errors[key].append(
            _("The INSEE code {value} already belongs to the organisation “{other}”.").format(
                value=value, other=other
            )
        )
        raise StopOnError
    data[key] = value


def siren(value, context):
    if _empty(value):
        return ""
    value = re.sub(r"\s", "", str(value))
    if not value.isdigit() or len(value) != 9:
        raise Invalid(_("“{value}” is not a SIREN: 9 digits expected.").format(value=value))
    if not siren_is_valid(value):
        raise Invalid(
            _("The SIREN {value} is invalid: its check digit (Luhn) does not match.").format(value=value)
        )
    return value


def population(value, context):
    if _empty(value):
        return ""
    try:
        number = int(str(value).replace(" ", "").replace("\u202f", ""))
    except ValueError:
        raise Invalid(
            _("“{value}” is not a number of inhabitants (a whole number is expected).").format(value=value)
        ) from None
    if number < 0:
        raise Invalid(_("The population cannot be negative."))
    if number > MAX_POPULATION:
        raise Invalid(
            tk._("A population above {max} inhabitants is not plausible.").format(
                max=f"{MAX_POPULATION:,}".replace(",", "\u202f")
            )
        )
    return str(number)


def unique_siren(key, data, errors, context):
    """Two organisations never share a SIREN (an organisation admin duplicated another
    commune's); after ``metropole_siren`` has normalised it."""
    value = data.get(key)
    if errors[key] or _empty(value):
        return
    own = context.get("group") or (model.Group.get(_value(data, "id")) if _value(data, "id") else None)
    other = _other_org_with_extra("siren", value, own.id if own is not None else None)
    if other:
        errors[key].append(
            _("The SIREN {siren} already belongs to the organisation “{name}”.").format(
                siren=value, name=other
            )
        )
        raise StopOnError


def may_write_reference(context) -> bool:
    """Reference fields are written by the territory load (its context flag), by internal
    calls (ignore_auth: the CLI's site user) and by sysadmins — the portal's operators, who
    may have to correct a value before the next release of the reference data; the next
    load brings the reference value back anyway."""
    return bool(
        context.get(TERRITORY_LOAD) or context.get("ignore_auth") or authz.is_sysadmin(context.get("user"))
    )


def _comparable(field: str, value):
    """A value as the field's own validator would store it, for comparison only."""
    if _empty(value) or value == "[]":
        return ""
    if field == "postal_codes":
        return sorted({str(code).strip() for code in _postcode_list(value) if str(code).strip()})
    text = str(value).strip()
    if field in ("siren", "population"):
        text = re.sub(r"[\s\u202f]", "", text)
    return text.upper() if field == "insee_code" else text


REFERENCE_FIELDS = ("kind", "insee_code", "siren", "population", "postal_codes", "member_of")


def reference_field(key, data, errors, context):
    """``kind``, ``insee_code``, ``siren``, ``population``, ``postal_codes``, ``member_of``
    come from the official reference data: an organisation admin editing the commune keeps
    them (a field left out keeps its value); a different value is refused on the field, in
    French, rather than silently dropped — the admin then knows it is not theirs to change.
    First in each field's chain: the field's own validators then check what is kept."""
    group = context.get("group")  # the organisation being updated (group_update sets it)
    if group is None or may_write_reference(context):
        return
    field = key[-1]
    stored = group.extras.get(field)
    sent = data.get(key)
    if sent is missing or sent is None:
        # keep every reference field left out, not only this one: fields are validated in
        # alphabetical order and insee_code reads kind before kind's own turn
        for name in REFERENCE_FIELDS:
            if data.get((name,)) in (missing, None) and group.extras.get(name) is not None:
                data[(name,)] = group.extras[name]
        return
    if _comparable(field, sent) != _comparable(field, stored):
        errors[key].append(
            _(
                "This value comes from the official reference data: only the territory load "
                "(or a portal administrator) changes it."
            )
        )
        raise StopOnError


def int_output(value, context):
    if _empty(value):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _postcode_list(value) -> list:
    """Postcodes as sent: a list, a JSON list, or text separated by spaces, commas, semicolons."""
    if not isinstance(value, str):
        return list(value)
    try:
        loaded = json.loads(value)
        return loaded if isinstance(loaded, list) else [value]
    except ValueError:
        return re.split(r"[\s,;]+", value)


def postal_codes(key, data, errors, context):
    value = data.get(key)
    if _empty(value):
        data[key] = "[]"
        return
    codes = []
    for code in _postcode_list(value):
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
        "metropole_unique_siren": unique_siren,
        "metropole_reference_field": reference_field,
        "metropole_population": population,
        "metropole_int_output": int_output,
        "metropole_postal_codes": postal_codes,
        "metropole_member_of": member_of,
        "metropole_open_data_obligation": open_data_obligation,
    }
