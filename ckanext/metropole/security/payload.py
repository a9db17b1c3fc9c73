"""One guard for every action payload: what no field of any action may hold.

Stock CKAN answered HTTP 500 to a NUL byte (PostgreSQL refuses it), a lone surrogate
(``"\\ud800"``, not encodable in UTF-8), a number where its validators expect text
(``notes: 3``) or a JSON body nested 100,000 deep (Python's json parser recurses); it
answered an English "Integrity Error" echoing the whole payload to ``resources: {}``, and
stored a 10 MB organisation description that made its page take 20 s. Rather than patching
each field, every string of every payload goes through :func:`check` (the Action API's
body before CKAN parses it, the forms' and internal calls' data in the write actions), and
the write actions' fields are checked against ``config/payload_shapes.yaml``.

Limits are configuration (``ckanext.metropole.limits.*``, config_declaration.yaml); messages
are French through the catalogue and never repeat the refused value (a 10 MB field must not
come back in the answer).
"""

from __future__ import annotations

import json
from functools import lru_cache

import ckan.plugins.toolkit as tk
import yaml

from ..resources import config_dir

# Field name -> the limit (configuration key suffix) of its strings, wherever it appears.
FIELD_LIMITS = {
    "title": "title_chars",
    "name": "title_chars",
    "notes": "description_chars",
    "description": "description_chars",
    "comment": "description_chars",
    "url": "url_chars",
    "image_url": "url_chars",
    "website": "url_chars",
    "harvest_landing_page": "url_chars",
    "config": "harvest_config_chars",
}
# Fields whose whole value, when it parses as a JSON array or object, is data pasted in the
# wrong place ('["a"]' as a title): refused.
NOT_JSON_FIELDS = ("title", "notes")


@lru_cache(maxsize=1)
def shapes() -> dict:
    with open(config_dir() / "payload_shapes.yaml", encoding="utf-8") as f:
        data = yaml.safe_load(f)
    return {
        "actions": frozenset(data["actions"]),
        "text": frozenset(data["text"]),
        "objects": frozenset(data["objects"]),
        "texts": frozenset(data["texts"]),
        "scalar": frozenset(data["scalar"]),
    }


def limit(name: str) -> int:
    return tk.config.get(f"ckanext.metropole.limits.{name}")


def _number(n: int) -> str:
    return f"{n:,}".replace(",", "\u202f")


def _has_lone_surrogate(text: str) -> bool:
    try:
        text.encode("utf-8")
        return False
    except UnicodeEncodeError:
        return True


def string_error(field: str, text: str) -> str | None:
    """French message when this string may not be stored in ``field``, else None."""
    if "\x00" in text:
        return tk._("This text contains a NUL character (\\u0000), which cannot be stored.")
    if _has_lone_surrogate(text):
        return tk._("This text contains an invalid character (a lone UTF-16 surrogate such as \\ud800).")
    kind = FIELD_LIMITS.get(field, "text_chars")
    maximum = limit(kind)
    if len(text) > maximum:
        if kind == "description_chars":  # the dataset schema's message, with its advice
            return tk._(
                "The description is too long: {length} characters for {maximum} at most. Put the detail "
                "in a resource (an attached document)."
            ).format(length=_number(len(text)), maximum=_number(maximum))
        return tk._("This text is too long: {length} characters for {maximum} at most.").format(
            length=_number(len(text)), maximum=_number(maximum)
        )
    if field in NOT_JSON_FIELDS and text.lstrip()[:1] in ("[", "{"):
        try:
            parsed = json.loads(text)
        except ValueError:
            parsed = None
        if isinstance(parsed, (list, dict)):
            return tk._("This field takes plain text, not a JSON list or object.")
    return None


def _shape_error(field: str, value) -> str | None:
    s = shapes()
    if field in s["objects"]:
        if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
            return tk._("A list of objects is expected here, e.g. [{…}, {…}].")
    elif field in s["texts"]:
        if isinstance(value, list):
            if not all(isinstance(item, (str, int)) and not isinstance(item, bool) for item in value):
                return tk._('A list of texts is expected here, e.g. ["a", "b"].')
        elif value is not None and not isinstance(value, str):
            return tk._('A list of texts is expected here, e.g. ["a", "b"].')
    elif field in s["text"]:
        if value is not None and not isinstance(value, str):
            return tk._("Text is expected here (not a number, a list or an object).")
    elif field in s["scalar"] and isinstance(value, (list, dict)):
        return tk._("A single value is expected here (not a list or an object).")
    return None


def check(payload, action: str | None = None) -> dict[str, list[str]]:
    """French errors by top-level field for a decoded payload (empty when it may run).

    Walks the payload without recursion (its depth is bounded too); the error goes on the
    top-level field that holds the bad value, where forms and API clients look for it.
    """
    errors: dict[str, list[str]] = {}
    if not isinstance(payload, dict):
        return {"__payload": [tk._('The request body must be a JSON object, e.g. {"id": "…"}.')]}
    shaped = action in shapes()["actions"]
    max_depth = limit("json_depth")
    # (top-level field, this value's field name, value, depth, directly under its key?)
    stack = [(str(k), k, v, 1, True) for k, v in payload.items()]
    while stack:
        top, field, value, depth, keyed = stack.pop()
        if top in errors:
            continue
        message = None
        if depth > max_depth:
            message = tk._("This value is nested too deeply ({maximum} levels at most).").format(
                maximum=max_depth
            )
        elif keyed and isinstance(field, str):
            message = string_error("", field)  # a key is stored too (extras, JSON fields)
            if message is None and shaped:
                message = _shape_error(field, value)
        if message is None and isinstance(value, str):
            message = string_error(field if isinstance(field, str) else "", value)
        if message is not None:
            errors[top] = [message]
            continue
        if isinstance(value, dict):
            stack.extend((top, k, v, depth + 1, True) for k, v in value.items())
        elif isinstance(value, list):
            stack.extend((top, field, v, depth + 1, False) for v in value)
    return errors


CORE_PREFIXES = ("package_", "resource_", "organization_", "group_", "user_")


def guarded_actions() -> frozenset[str]:
    """The write actions chained with :func:`guard`: those whose fields are shaped, and the
    user account ones (profile forms write text too)."""
    return shapes()["actions"] | {"user_create", "user_update", "user_patch"}


def guard(action: str, extra_check=None):
    """A chained action refusing what :func:`check` finds (and ``extra_check(data_dict)``,
    which raises ValidationError), before the action runs: forms and internal calls; the
    Action API's requests were already checked by requests.py."""

    def chained(up, context, data_dict):
        errors = check(data_dict, action)
        if errors:
            raise tk.ValidationError(errors)
        if extra_check is not None:
            extra_check(data_dict)
        return up(context, data_dict)

    chained.__name__ = action
    # CKAN exempts extensions' actions from its test-time auth audit, but a chained wrapper
    # only keeps its own attributes: keep the exemption of the actions that had it.
    if not action.startswith(CORE_PREFIXES):
        chained.auth_audit_exempt = True
    return tk.chained_action(chained)
