"""``ckan metropole …``: one command group shared by the bundle's capabilities."""
import click


@click.group(short_help="Commandes du portail métropolitain (ckanext-metropole).")
@click.pass_context
def metropole(ctx):
    """Commandes du portail métropolitain."""
    # Inside a request context, as CKAN's and ckanext-harvest's commands: actions, templates
    # and the message catalogue (the portal's default language) work as in a request.
    flask_app = ctx.meta.get("flask_app")
    if flask_app is not None:
        ctx.with_resource(flask_app.test_request_context())


def get_commands():
    # Imported here so that each capability registers its subcommands on the group.
    from .common.cli import common
    from .communes.cli import territory
    from .dataset.cli import themes
    from .previews.cli import previews
    from .demo.cli import demo

    metropole.add_command(territory)
    metropole.add_command(themes)
    metropole.add_command(common)
    metropole.add_command(previews)
    metropole.add_command(demo)
    return [metropole]
