"""``ckan metropole common …``: validate files and rebuild consolidations by hand."""
from __future__ import annotations

import click
import ckan.plugins.toolkit as tk

from . import catalogue, jobs


@click.group(short_help="Jeux communs : validation et consolidation.")
def common():
    """Jeux communs des communes."""


@common.command("consolidate")
@click.argument("ids", nargs=-1)
def consolidate(ids):
    """Reconstruit le jeu consolidé des jeux communs IDS (tous sans argument)."""
    known = {c.id for c in catalogue.common_datasets()}
    for common_id in ids or sorted(known):
        if common_id not in known:
            raise click.ClickException(f"Jeu commun inconnu : {common_id} (connus : {', '.join(sorted(known))})")
        result = jobs.consolidate(common_id)
        click.echo(f"{common_id} : {result.get('rows', 0)} lignes, communes {', '.join(result.get('contributors') or []) or '—'}"
                   f"{', écartées : ' + ', '.join(result['left_out']) if result.get('left_out') else ''}"
                   f", doublons : {result.get('duplicates', 0)}")


@common.command("validate")
@click.option("--all", "everything", is_flag=True, help="Toutes les ressources, même déjà validées.")
def validate(everything):
    """Valide (ici, sans file d'attente) les ressources qui déclarent le schéma d'un jeu commun."""
    from . import state

    count = 0
    for entry in state.entries():
        if everything or entry.status == "pending":
            report = jobs.validate_resource(entry.resource["id"])
            count += 1
            click.echo(f"{entry.package['name']} / {entry.resource.get('name') or entry.resource['id']} : "
                       f"{report and report['status']}")
    click.echo(f"{count} ressources validées")


@common.command("publish")
@click.argument("common_id")
@click.argument("files", nargs=-1, required=True, metavar="INSEE=FICHIER...")
def publish(common_id, files):
    """Publie pour des communes leur fichier du jeu commun COMMON_ID et le valide aussitôt.

    Chaque fichier devient la ressource du jeu de données « <commune>-<jeu commun> » de la
    commune (créé au besoin, remplacé sinon) : reprise de fichiers existants, démonstration.
    """
    import io
    from pathlib import Path

    from werkzeug.datastructures import FileStorage

    from . import state

    common = catalogue.by_id(common_id)
    if common is None:
        raise click.ClickException(f"Jeu commun inconnu : {common_id}")
    _, communes = state.territory()
    by_insee = {c.get("insee_code"): c for c in communes}
    pairs = []
    for item in files:
        insee, _, path = item.partition("=")
        if insee not in by_insee or not Path(path).is_file():
            raise click.ClickException(f"« {item} » : attendu INSEE=FICHIER, avec une commune du territoire "
                                       "et un fichier existant")
        pairs.append((by_insee[insee], Path(path)))
    for org, path in pairs:
        name = f"{org['name']}-{common.id}"[:100]
        fields = {"upload": FileStorage(io.BytesIO(path.read_bytes()), filename=path.name), "url": path.name,
                  "name": path.name, "format": path.suffix.lstrip(".").upper(), "conforms_to": common.schema_id}
        try:
            dataset = tk.get_action("package_show")(jobs.site_context(), {"id": name})
        except tk.ObjectNotFound:
            dataset = tk.get_action("package_create")(jobs.site_context(), {
                "name": name, "title": f"{common.title} — {org['title']}", "owner_org": org["id"],
                "notes": common.description, "theme": [common.theme], "license_id": "lov2"})
        if dataset.get("resources"):
            resource = tk.get_action("resource_update")(jobs.site_context(),
                                                        {**fields, "id": dataset["resources"][0]["id"]})
        else:
            resource = tk.get_action("resource_create")(jobs.site_context(), {**fields, "package_id": dataset["id"]})
        report = jobs.validate_resource(resource["id"], consolidate=False)
        click.echo(f"{org['title']} : {name} — {report['status'] if report else '?'}")


@common.command("list")
def list_():
    """Liste les jeux communs et leur schéma."""
    for c in catalogue.common_datasets():
        click.echo(f"{c.id}\t{c.schema_id} {c.version}\t{c.title}")
