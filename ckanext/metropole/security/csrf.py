"""State-changing routes answer POST only (with CKAN's CSRF token, checked by Flask-WTF
once ``ckan.csrf_protection.ignore_extensions = false``).

ckanext-harvest changes state on GET (``/harvest/clear/<id>``, ``/harvest/refresh/<id>``,
``/harvest/delete/<id>?clear=true``, ``/harvest/<source>/job/<id>/abort``): a link or an
image on another site was enough to wipe a commune's harvested datasets. Refusing GET for
those endpoints leaves only the POST the CSRF check guards.
"""

from __future__ import annotations

import ckan.plugins.toolkit as tk
import flask

# Endpoints (blueprint.view) that write; every other route is left as its plugin made it.
STATE_CHANGING_ENDPOINTS = frozenset(
    {
        "harvester.clear",
        "harvester.refresh",
        "harvester.delete",
        "harvester.job_abort",
    }
)

SAFE_METHODS = frozenset({"POST"})


def refuse_unsafe_methods():
    """Flask before_request hook: 405 for a GET (or HEAD…) on a state-changing endpoint."""
    if flask.request.endpoint in STATE_CHANGING_ENDPOINTS and flask.request.method not in SAFE_METHODS:
        return tk.abort(
            405,
            tk._(
                "This action changes data: it is only accepted from the "
                "portal's own form (POST), never from a link."
            ),
        )
    return None


def install(app):
    """Register the hook on the Flask application CKAN builds (IMiddleware)."""
    app.before_request(refuse_unsafe_methods)
    return app
