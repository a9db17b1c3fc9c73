"""``ckan metropole previews demo``: demo tables, map, chart and a reuse (make run's demo)."""
from __future__ import annotations

import io
from pathlib import Path

import click

import ckan.plugins.toolkit as tk

DEMO = Path(__file__).parent / "demo"


@click.group(short_help="Aperçus des données : démonstration.")
def previews():
    """Tableaux, cartes, graphiques et réutilisations."""


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


@previews.command(short_help="Charge les données de démonstration des aperçus (une fois).")
def demo():
    """Parkings (tableau, carte, graphique, mis à jour par l'API), toilettes (GeoJSON, carte)
    et une réutilisation publiée."""
    import csv

    from werkzeug.datastructures import FileStorage

    user = _site_user()["name"]
    context = {"user": user, "ignore_auth": True}
    if not _exists("parkings-clermont-places-libres"):
        pkg = tk.get_action("package_create")(dict(context), {
            "name": "parkings-clermont-places-libres", "title": "Parkings de Clermont-Ferrand : places libres",
            "notes": "Capacité et places libres des parkings en ouvrage, mises à jour par l'API DataStore.",
            "owner_org": "clermont-ferrand", "theme": ["transports"], "license_id": "lov2"})
        rows = list(csv.DictReader((DEMO / "parkings.csv").open(encoding="utf-8")))
        fields = [{"id": k, "type": "numeric" if k in ("nb_places", "places_libres", "Xlong", "Ylat") else "text"}
                  for k in rows[0]]
        tk.get_action("datastore_create")(dict(context), {
            "resource": {"package_id": pkg["id"], "name": "Places libres par parking", "format": "CSV"},
            "fields": fields, "primary_key": ["id_park"], "records": rows, "force": True})
        click.echo("parkings-clermont-places-libres: tableau, carte et graphique")
    # datastore_create makes no views: the default ones that fit (table, map, chart), once
    pkg = tk.get_action("package_show")(dict(context), {"id": "parkings-clermont-places-libres"})
    for resource in pkg["resources"]:
        tk.get_action("resource_create_default_resource_views")(dict(context), {
            "resource": resource, "package": pkg, "create_datastore_views": True})
    if not _exists("toilettes-publiques-royat"):
        pkg = tk.get_action("package_create")(dict(context), {
            "name": "toilettes-publiques-royat", "title": "Toilettes publiques de Royat et Clermont-Ferrand",
            "notes": "Emplacement des toilettes publiques.", "owner_org": _organization("royat"),
            "theme": ["equipements"],
            "license_id": "lov2"})
        data = (DEMO / "toilettes.geojson").read_bytes()
        tk.get_action("resource_create")(dict(context), {
            "package_id": pkg["id"], "name": "Toilettes (GeoJSON)", "format": "GeoJSON", "url": "toilettes.geojson",
            "upload": FileStorage(io.BytesIO(data), "toilettes.geojson", content_type="application/geo+json")})
        click.echo("toilettes-publiques-royat: carte GeoJSON")
    if not _exists("carte-des-parkings-en-temps-reel"):
        reuse = tk.get_action("metropole_reuse_submit")(dict(context), {
            "title": "Carte des parkings en temps réel", "name": "carte-des-parkings-en-temps-reel",
            "notes": "Une carte des places libres dans les parkings de Clermont-Ferrand, rafraîchie toutes les 5 minutes.",
            "url": "https://exemple.fr/parkings", "reuse_type": "application",
            "datasets": "parkings-clermont-places-libres"})
        tk.get_action("metropole_reuse_publish")(dict(context), {"id": reuse["id"]})
        click.echo("carte-des-parkings-en-temps-reel: réutilisation publiée")
