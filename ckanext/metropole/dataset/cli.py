"""``ckan metropole themes sync``."""
import click

import ckan.plugins.toolkit as tk


@click.group(short_help="Les 13 thèmes, en groupes du portail.")
def themes():
    """Les thèmes du portail et leurs groupes."""


@themes.command()
def sync():
    """Crée ou met à jour les groupes des thèmes et y range chaque jeu de données."""
    # As the site user (a sysadmin): the action's auth applies as for anyone.
    site_user = tk.get_action("get_site_user")({"ignore_auth": True}, {})["name"]
    counts = tk.get_action("metropole_theme_groups_sync")({"user": site_user}, {})
    click.echo(f"Groupes des thèmes — créés : {counts['created']}, mis à jour : {counts['updated']}, "
               f"inchangés : {counts['unchanged']}")
    click.echo(f"Jeux de données rangés à nouveau : {counts['datasets_regrouped']}")
