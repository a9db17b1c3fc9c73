"""Validators shared by the schemas: what a link may be."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import ckan.plugins.toolkit as tk
from ckan.lib.navl.dictization_functions import Invalid, missing

# A link shown to visitors opens with a web scheme; "javascript:", "data:", "vbscript:",
# "file:" ran script in their browser or reached the server's disk.
SAFE_SCHEMES = ("http", "https", "ftp")
# An uploaded file is stored under its bare name (url_type "upload"): no scheme at all.
SCHEME_RE = re.compile(r"^\s*([a-zA-Z][a-zA-Z0-9+.\-]*)\s*:")


def safe_url(value, context):
    if value in (None, "", missing):
        return value
    if not isinstance(value, str):
        raise Invalid(tk._("A web address (text) is expected."))
    # browsers ignore control characters and spaces inside a scheme: "java\tscript:"
    compact = re.sub(r"[\x00-\x20]", "", value)
    match = SCHEME_RE.match(compact)
    if match and match.group(1).lower() not in SAFE_SCHEMES:
        raise Invalid(
            tk._("Only http, https or ftp addresses are accepted (not “{scheme}:”).").format(
                scheme=match.group(1).lower()[:20]
            )
        )
    if match and not urlsplit(compact).netloc:
        raise Invalid(tk._("This address has no host name."))
    return value


def get_validators() -> dict:
    return {"metropole_safe_url": safe_url}
