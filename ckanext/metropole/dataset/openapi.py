"""A data service's endpoint description read as an OpenAPI document.

The field's standard is OpenAPI (OAS 2.0 "Swagger", 3.0, 3.1): what DCAT-AP names as an
example of ``dcat:endpointDescription``, what data.gouv.fr's data services store
(``machine_documentation_url``: "Swagger link, OpenAPI format") and what the APIs of
api.gouv.fr publish. The document is read with openapi-spec-validator (python-openapi, the
maintained validator of the three versions): an invalid one is refused with its first error; a
valid one gives the version (published as ``dct:conformsTo`` of the service) and the
documentation page when the agent left it empty (``externalDocs``). A
description that is no OpenAPI document (an OGC capabilities document, a page) is kept as it is.
"""

from __future__ import annotations

import json

import ckan.plugins.toolkit as tk
import requests
import yaml
from openapi_spec_validator import validate
from openapi_spec_validator.validation.exceptions import OpenAPIValidationError

from . import dcat_input

READ_OPTION = "ckanext.metropole.dataservice.read_openapi"
MAX_BYTES = 2_000_000
TIMEOUT = (3, 5)
# the specification a version conforms to (dct:conformsTo of the service)
STANDARDS = {
    "2": "https://swagger.io/specification/v2/",
    "3.0": "https://spec.openapis.org/oas/v3.0.{patch}",
    "3.1": "https://spec.openapis.org/oas/v3.1.{patch}",
}


class NotOpenAPI(Exception):
    """The document is not an OpenAPI document (kept as a plain description)."""


def describe(text: str) -> dict:
    """What an OpenAPI document (JSON or YAML text) says of its service; raises NotOpenAPI, or
    tk.Invalid for an OpenAPI document that does not validate."""
    try:
        # through JSON: YAML's integer keys (response codes) become the strings OpenAPI wants
        spec = json.loads(json.dumps(yaml.safe_load(text), default=str))
    except (yaml.YAMLError, ValueError, RecursionError) as e:
        raise NotOpenAPI() from e
    if not isinstance(spec, dict) or not ("openapi" in spec or "swagger" in spec):
        raise NotOpenAPI()
    try:
        validate(spec)
    except OpenAPIValidationError as e:
        where = "/".join(str(p) for p in e.absolute_path) or "/"
        raise tk.Invalid(
            tk._("This OpenAPI document is not valid (%(where)s: %(error)s).")
            % {"where": where, "error": e.message[:200]}
        ) from None
    except Exception as e:  # the validator's own errors on a malformed document (unknown version…)
        raise tk.Invalid(
            tk._("This OpenAPI document is not valid (%(error)s).") % {"error": str(e)[:200]}
        ) from None
    version = str(spec.get("openapi") or spec.get("swagger"))
    major_minor = "2" if version.startswith("2") else version[:3]
    patch = version.split(".")[2] if version.count(".") >= 2 else "0"
    info = spec.get("info") or {}
    servers = [s.get("url") for s in spec.get("servers") or [] if isinstance(s, dict)]
    return {
        "version": version,
        "standard": STANDARDS.get(major_minor, "").format(patch=patch) or None,
        "title": info.get("title"),
        "servers": [s for s in servers if dcat_input.valid_url(s)],
        "documentation": (spec.get("externalDocs") or {}).get("url"),
    }


def fetch(url: str) -> str | None:
    """The document at a public URL (never a private or loopback address), or None when it
    cannot be read in time or is too large."""
    if not dcat_input.valid_url(url):
        return None
    try:
        with requests.get(url, timeout=TIMEOUT, stream=True, allow_redirects=False) as response:
            if response.status_code != 200:
                return None
            body = response.raw.read(MAX_BYTES + 1, decode_content=True)
    except (requests.RequestException, OSError):
        return None
    if len(body) > MAX_BYTES:
        return None
    return body.decode(response.encoding or "utf-8", errors="replace")


def endpoint_description(key, data, errors, context):
    """Validator of a data service's endpoint description: an OpenAPI document is read and
    checked; its version goes to ``endpoint_standard``, its first server and documentation page
    to the fields the agent left empty."""
    url = data.get(key)
    data[("endpoint_standard",)] = None
    if not url or not tk.asbool(tk.config.get(READ_OPTION)):
        return
    text = fetch(url)
    if text is None:
        return
    try:
        found = describe(text)
    except NotOpenAPI:
        return
    except tk.Invalid as e:
        errors[key].append(e.error)
        return
    data[("endpoint_standard",)] = found["standard"]
    if not data.get(("documentation",)) and dcat_input.valid_url(found["documentation"]):
        data[("documentation",)] = found["documentation"]
