"""Requests checked before CKAN parses them (a Flask before_request hook).

The Action API parses its body with Python's json module: a body nested 100,000 deep
raised RecursionError (HTTP 500); a body that was not UTF-8 or not JSON got an English
400; a ``Content-Type: text/plain`` body an HTML 415. Here the body is read once, decoded
strictly, parsed with the recursion caught, and its strings and fields checked
(payload.check); the client gets CKAN's usual JSON error shape with a French message and
nothing runs. Web forms posting text far beyond any field's limit are refused the same way
before any view reads them; their field-level errors come from the write actions (payload.guard).
"""

from __future__ import annotations

import json

import ckan.plugins.toolkit as tk
import flask
from werkzeug.exceptions import HTTPException

from . import payload

JSON_TYPES = ("application/json", "text/json")
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


class Refused(Exception):
    def __init__(self, status: int, errors: dict[str, list[str]]):
        super().__init__(status, errors)
        self.status, self.errors = status, errors


def _api_answer(status: int, errors: dict[str, list[str]]):
    if status == 409:
        error = {"__type": "Validation Error", **errors}
    else:
        error = {"__type": "Bad request", "message": " ".join(m for ms in errors.values() for m in ms)}
    body = json.dumps(
        {"help": flask.request.url_root + "api/3/action/help_show", "success": False, "error": error}
    )
    return flask.Response(body, status=status, content_type="application/json;charset=utf-8")


def _bad_body(message: str) -> Refused:
    return Refused(400, {"__body": [message]})


def _mixed(multi) -> dict:
    return {k: v[0] if len(v) == 1 else v for k, v in multi.to_dict(flat=False).items()}


def _json(text: str | bytes):
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError:
            raise _bad_body(tk._("The request body is not valid UTF-8 text: encode it in UTF-8.")) from None
    try:
        return json.loads(text)
    except RecursionError:
        raise _bad_body(
            tk._("The request body is nested too deeply ({maximum} levels at most).").format(
                maximum=payload.limit("json_depth")
            )
        ) from None
    except ValueError as e:
        raise _bad_body(
            tk._("The request body is not valid JSON ({reason}).").format(reason=str(e)[:200])
        ) from None


def _api_payload(request):
    """The action's data as CKAN will read it (api._get_request_data), or Refused."""
    if request.method == "GET":
        return _mixed(request.args)
    length = request.content_length or 0
    if request.mimetype != "multipart/form-data" and length > payload.limit("body_bytes"):
        raise _bad_body(
            tk._("The request body is too large: {length} bytes for {maximum} at most.").format(
                length=payload._number(length), maximum=payload._number(payload.limit("body_bytes"))
            )
        )
    if request.mimetype in FORM_TYPES:
        form = request.form
        values = list(form.values())
        if len(form) == 1 and values[0] in ("1", ""):  # curl -d '{"…"}': the JSON is the key
            return _json(next(iter(form.keys())))
        return _mixed(form)
    raw = request.get_data(cache=True)
    if not raw.strip():
        return {}
    if request.mimetype and request.mimetype not in JSON_TYPES and not request.mimetype.endswith("+json"):
        raise _bad_body(
            tk._(
                "Send the body as JSON with the header Content-Type: application/json (received “{type}”)."
            ).format(type=request.mimetype[:100])
        )
    return _json(raw)


def _missing_form_fields(request) -> list[str]:
    """Fields CKAN's form views index without checking (``del data['save']``,
    ``data.pop('id')``, ``request.form['save']``): their own forms always send them, and a
    forged or truncated form without them raised KeyError, an HTTP 500."""
    blueprint, _, view = (request.endpoint or "").partition(".")
    form = request.form
    if blueprint.endswith("_resource") and view == "new":
        needed = ("save", "id")
    elif (
        (blueprint.endswith("_resource") and view == "edit")
        or (view in ("new", "edit") and "_ckan_phase" in form)
        or request.endpoint == "admin.config"
    ):
        needed = ("save",)
    else:
        return []
    return [name for name in needed if name not in form]


def check_request():
    """before_request hook: API calls and form posts carrying what no field may hold."""
    request = flask.request
    try:
        if request.blueprint == "api" and (request.view_args or {}).get("logic_function"):
            action = request.view_args["logic_function"]
            errors = payload.check(_api_payload(request), action)
            if errors:
                raise Refused(409 if "__payload" not in errors else 400, errors)
        elif request.method == "POST" and request.mimetype in FORM_TYPES:
            missing = _missing_form_fields(request)
            if missing:
                return tk.abort(
                    400,
                    tk._(
                        "This form is incomplete (missing: {fields}): send it again from the portal's page."
                    ).format(fields=", ".join(missing)),
                )
            # beyond every field's own limit (those give their error on the field, in the form)
            maximum = max(payload.limit(name) for name in set(payload.FIELD_LIMITS.values()) | {"text_chars"})
            for field, value in request.form.items(multi=True):
                if len(value) > maximum:
                    return tk.abort(
                        400,
                        tk._(
                            "The field “{field}” is too long: {length} characters for {maximum} at most."
                        ).format(
                            field=field[:100],
                            length=payload._number(len(value)),
                            maximum=payload._number(maximum),
                        ),
                    )
    except Refused as e:
        if request.blueprint == "api":
            return _api_answer(e.status, e.errors)
        return tk.abort(e.status, " ".join(m for ms in e.errors.values() for m in ms))
    except HTTPException as e:
        # werkzeug's own limits (a form field over max_form_memory_size…): French, not English HTML
        if e.code == 413:
            message = tk._("The request is too large.")
            if request.blueprint == "api":
                return _api_answer(400, {"__body": [message]})
            return tk.abort(400, message)
        raise
    return None
