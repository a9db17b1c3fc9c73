"""``ckan metropole demo load|remove``: the demo content of the development portal."""
from __future__ import annotations

import sys
from pathlib import Path

import click

from . import content as c, loader


@click.group(short_help="Le contenu de démonstration du portail.")
def demo():
    """Jeux de données, fichiers et moissonnage de démonstration (dossier demo/)."""


def _content(folder):
    try:
        return c.read(Path(folder) if folder else loader.default_folder())
    except c.ContentError as e:
        click.secho(f"Erreur : {e}", fg="red", err=True)
        sys.exit(1)


@demo.command()
@click.option("--folder", type=click.Path(file_okay=False), help="Dossier de démonstration (par défaut : "
              "ckanext.metropole.demo.folder).")
def load(folder):
    """Charge la démonstration (sans rien dupliquer si elle l'est déjà)."""
    counts = loader.load(_content(folder))
    click.echo(f"Jeux de données — créés : {counts['datasets_created']}, déjà là : {counts['datasets_kept']} ; "
               f"sources de moissonnage — créées : {counts['sources_created']}, déjà là : {counts['sources_kept']}")
    for job in counts["jobs"]:
        click.echo(f"Moissonnage de {job['source']} : {job['status']} {job['stats']}")


@demo.command()
@click.option("--folder", type=click.Path(file_okay=False), help="Dossier de démonstration.")
def remove(folder):
    """Retire tout ce que la démonstration a créé (jeux, fichiers, sources moissonnées)."""
    counts = loader.remove(_content(folder))
    click.echo(f"Retirés — jeux de données : {counts['datasets_removed']}, sources : {counts['sources_removed']}")
