"""The records API of a resource, as copyable calls ("Utiliser l'API" on its page)."""

from __future__ import annotations

import json
from urllib.parse import urlencode

import ckan.plugins.toolkit as tk


def _action_url(action: str, params: dict | None = None) -> str:
    # the API is not localised: no language in its address even under a root_path with {{LANG}}
    root = (tk.config.get("ckan.root_path") or "").replace("/{{LANG}}", "")
    url = f"{tk.config.get('ckan.site_url').rstrip('/')}{root.rstrip('/')}/api/3/action/{action}"
    return f"{url}?{urlencode(params)}" if params else url


def for_resource(resource: dict) -> dict | None:
    """The calls of the DataStore API for this resource, or None when it has no table."""
    if not resource.get("datastore_active"):
        return None
    rid = resource["id"]
    upsert_body = json.dumps(
        {"resource_id": rid, "method": "upsert", "force": True, "records": [{"<colonne>": "<valeur>"}]},
        ensure_ascii=False,
    )
    return {
        "search": _action_url("datastore_search", {"resource_id": rid, "limit": 5}),
        "search_q": _action_url("datastore_search", {"resource_id": rid, "q": "Clermont"}),
        "sql": _action_url("datastore_search_sql", {"sql": f'SELECT * FROM "{rid}" LIMIT 5'}),
        "upsert_url": _action_url("datastore_upsert"),
        "upsert_curl": (
            f"curl -X POST {_action_url('datastore_upsert')} "
            f"-H 'Authorization: <votre jeton d’API>' "
            f"-H 'Content-Type: application/json' -d '{upsert_body}'"
        ),
        "docs": "https://docs.ckan.org/en/2.11/maintaining/datastore.html#the-datastore-api",
    }
