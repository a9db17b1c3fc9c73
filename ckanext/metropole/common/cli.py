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


@common.command("list")
def list_():
    """Liste les jeux communs et leur schéma."""
    for c in catalogue.common_datasets():
        click.echo(f"{c.id}\t{c.schema_id} {c.version}\t{c.title}")
