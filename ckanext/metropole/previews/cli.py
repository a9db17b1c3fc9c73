"""``ckan metropole previews demo``: demo tables, map, chart and a reuse (make run's demo)."""

from __future__ import annotations

import io
from pathlib import Path

import ckan.plugins.toolkit as tk
import click

from ..messages import translate as _

DEMO = Path(__file__).parent / "demo"


# _: see common/cli.py (help in the portal's language, output in the request's)
@click.group(short_help=_("Data previews: demonstration."), help=_("Tables, maps, charts and reuses."))
def previews():
    pass


def _site_user() -> dict:
    return tk.get_action("get_site_user")({"ignore_auth": True}, {})


def _exists(name: str) -> bool:
    try:
        tk.get_action("package_show")({"ignore_auth": True}, {"id": name})
        return True
    except tk.ObjectNotFound:
        return False


def _organization(name: str, fallback: str = "clermont-ferrand") -> str:
    try:
        return tk.get_action("organization_show")({"ignore_auth": True}, {"id": name})["name"]
    except tk.ObjectNotFound:
        return fallback


@previews.command(
    short_help=_("Load the previews' demonstration data (once)."),
    help=_(
        "Car parks (table, map, chart, updated through the API), public toilets (GeoJSON, map) and a "
        "published reuse."
    ),
)
def demo():
    import csv

    import yaml
    from werkzeug.datastructures import FileStorage

    # the demo's datasets are content (French, as the portal's), kept as data beside its files
    content = yaml.safe_load((DEMO / "content.yaml").read_text(encoding="utf-8"))
    parkings, toilets, reuse = content["parkings"], content["toilets"], content["reuse"]
    dataset_keys = ("name", "title", "notes", "owner_org", "theme", "license_id")
    user = _site_user()["name"]
    context = {"user": user, "ignore_auth": True}
    if not _exists(parkings["name"]):
        pkg = tk.get_action("package_create")(dict(context), {k: parkings[k] for k in dataset_keys})
        rows = list(csv.DictReader((DEMO / "parkings.csv").open(encoding="utf-8")))
        fields = [{"id": k, "type": "numeric" if k in parkings["numeric"] else "text"} for k in rows[0]]
        tk.get_action("datastore_create")(
            dict(context),
            {
                "resource": {"package_id": pkg["id"], "name": parkings["resource"], "format": "CSV"},
                "fields": fields,
                "primary_key": ["id_park"],
                "records": rows,
                "force": True,
            },
        )
        click.echo(_("{name}: table, map and chart").format(name=parkings["name"]))
    # datastore_create makes no views: the default ones that fit (table, map, chart), once
    pkg = tk.get_action("package_show")(dict(context), {"id": parkings["name"]})
    for resource in pkg["resources"]:
        tk.get_action("resource_create_default_resource_views")(
            dict(context), {"resource": resource, "package": pkg, "create_datastore_views": True}
        )
    if not _exists(toilets["name"]):
        pkg = tk.get_action("package_create")(
            dict(context),
            {**{k: toilets[k] for k in dataset_keys}, "owner_org": _organization(toilets["owner_org"])},
        )
        data = (DEMO / "toilettes.geojson").read_bytes()
        tk.get_action("resource_create")(
            dict(context),
            {
                "package_id": pkg["id"],
                "name": toilets["resource"],
                "format": "GeoJSON",
                "url": "toilettes.geojson",
                "upload": FileStorage(
                    io.BytesIO(data), "toilettes.geojson", content_type="application/geo+json"
                ),
            },
        )
        click.echo(_("{name}: GeoJSON map").format(name=toilets["name"]))
    if not _exists(reuse["name"]):
        submitted = tk.get_action("metropole_reuse_submit")(
            dict(context), {**reuse, "datasets": parkings["name"]}
        )
        tk.get_action("metropole_reuse_publish")(dict(context), {"id": submitted["id"]})
        click.echo(_("{name}: reuse published").format(name=reuse["name"]))
