"""``ckan metropole …``: one command group shared by the bundle's capabilities."""

import click

from .messages import translate as _


@click.group()
@click.pass_context
def metropole(ctx):
    # Inside a request context, as CKAN's and ckanext-harvest's commands: actions, templates
    # and the message catalogue (the portal's default language) work as in a request.
    flask_app = ctx.meta.get("flask_app")
    if flask_app is not None:
        ctx.with_resource(flask_app.test_request_context())


def get_commands():
    # --help in the portal's language (ckan.locale_default): CKAN calls this once its
    # configuration is loaded, and the capabilities' CLI modules are imported here, after it
    metropole.short_help = _("Commands of the métropole portal (ckanext-metropole).")
    metropole.help = _("Commands of the métropole portal.")
    # Imported here so that each capability registers its subcommands on the group.
    from .backup.cli import backup
    from .common.cli import common
    from .communes.cli import territory
    from .dataset.cli import themes
    from .demo.cli import demo
    from .previews.cli import previews

    metropole.add_command(territory)
    metropole.add_command(themes)
    metropole.add_command(common)
    metropole.add_command(previews)
    metropole.add_command(demo)
    metropole.add_command(backup)
    return [metropole]
