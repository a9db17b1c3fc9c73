"""``ckan metropole themes sync``."""
import click

from . import groups


@click.group(short_help="Les 13 thèmes, en groupes du portail.")
def themes():
    """Les thèmes du portail et leurs groupes."""


@themes.command()
def sync():
    """Crée ou met à jour les groupes des thèmes et y range chaque jeu de données."""
    counts = groups.ensure_theme_groups()
    click.echo(f"Groupes des thèmes — créés : {counts['created']}, mis à jour : {counts['updated']}, "
               f"inchangés : {counts['unchanged']}")
    changed = groups.resync_all()
    click.echo(f"Jeux de données rangés à nouveau : {changed}")
