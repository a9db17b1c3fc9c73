"""``ckan metropole …``: one command group shared by the bundle's capabilities."""
import click


@click.group(short_help="Commandes du portail métropolitain (ckanext-metropole).")
def metropole():
    """Commandes du portail métropolitain."""


def get_commands():
    # Imported here so that each capability registers its subcommands on the group.
    from .common.cli import common
    from .communes.cli import territory
    from .dataset.cli import themes
    from .previews.cli import previews

    metropole.add_command(territory)
    metropole.add_command(themes)
    metropole.add_command(common)
    metropole.add_command(previews)
    return [metropole]
