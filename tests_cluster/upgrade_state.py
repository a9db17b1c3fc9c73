"""What a portal holds, as JSON: run by the upgrade test inside a release's own virtualenv,
before and after the upgrade (so only CKAN's actions and SQL, nothing of the bundle's code).

    python upgrade_state.py CKAN_INI OUT.json
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
from pathlib import Path


def _files(root: Path) -> dict[str, str]:
    # CKAN's generated webassets are not the portal's data
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file() and p.relative_to(root).parts[0] != "webassets"
    }


def state(ini: str) -> dict:
    from ckan.cli import load_config
    from ckan.config.middleware import make_app

    app = make_app(load_config(ini))
    with app._wsgi_app.test_request_context():
        import ckan.model as model
        import ckan.plugins.toolkit as tk
        import sqlalchemy as sa

        user = tk.get_action("get_site_user")({"ignore_auth": True}, {})["name"]

        def act(name, **data):
            return tk.get_action(name)({"user": user, "ignore_auth": True}, data)

        def rows(sql):
            return [list(r) for r in model.Session.execute(sa.text(sql))]

        packages = rows("SELECT id, type FROM package WHERE state <> 'deleted' ORDER BY name")
        groups = rows("SELECT id, is_organization FROM \"group\" WHERE state = 'active' ORDER BY name")
        out = {
            "datasets": {
                act("package_show", id=i)["name"]: act("package_show", id=i)
                for i, t in packages
                if t != "harvest"
            },
            "harvest_sources": {i: act("harvest_source_show", id=i) for i, t in packages if t == "harvest"},
            "organizations": {
                g["name"]: g
                for g in (act("organization_show", id=i, include_datasets=False) for i, org in groups if org)
            },
            "groups": {
                g["name"]: g
                for g in (act("group_show", id=i, include_datasets=False) for i, org in groups if not org)
            },
            "harvest_objects": rows(
                "SELECT id, guid, package_id, current, state, harvest_source_id, harvest_job_id,"
                " report_status FROM harvest_object ORDER BY id"
            ),
            "harvest_jobs": rows("SELECT id, source_id, status, finished FROM harvest_job ORDER BY id"),
            "users": rows('SELECT name, state, sysadmin FROM "user" ORDER BY name'),
            "members": rows("SELECT table_name, table_id, group_id, capacity, state FROM member ORDER BY id"),
            # the publication review's state of each dataset (metropole_review keeps it in an extra)
            "review_states": rows(
                "SELECT p.name, e.value FROM package_extra e JOIN package p ON p.id = e.package_id"
                " WHERE e.key = 'review_state' ORDER BY p.name"
            ),
        }
        tables = {}
        engine = sa.create_engine(tk.config["ckan.datastore.write_url"])
        with engine.connect() as conn:
            # the DataStore's tables (CKAN's own views and functions start with "_")
            listing = "SELECT name FROM \"_table_metadata\" WHERE alias_of IS NULL AND name NOT LIKE '\\_%'"
            names = [r[0] for r in conn.execute(sa.text(listing + " ORDER BY name"))]
        engine.dispose()
        for name in names:
            found = act("datastore_search", resource_id=name, limit=32000, sort="_id")
            tables[name] = {"fields": found["fields"], "total": found["total"], "records": found["records"]}
        out["datastore"] = tables
        search = {}
        for label, query in {
            "all": {"q": "*:*", "rows": 1000, "sort": "name asc"},
            "text": {"q": "toilettes", "rows": 100, "sort": "name asc"},
            "organization": {"fq": "organization:clermont-ferrand", "rows": 100, "sort": "name asc"},
        }.items():
            found = act("package_search", include_private=True, **query)
            search[label] = {"count": found["count"], "names": [d["name"] for d in found["results"]]}
        out["search"] = search
        out["files"] = _files(Path(tk.config["ckan.storage_path"]))
        return out


if __name__ == "__main__":
    result = state(sys.argv[1])
    Path(sys.argv[2]).write_text(json.dumps(result, indent=1, sort_keys=True, default=str), encoding="utf-8")
    print(f"{len(result['datasets'])} datasets, {len(result['files'])} files", file=sys.stderr)
    os._exit(0)  # no lingering threads of CKAN's plugins
