"""``ckan metropole themes sync``."""

import ckan.plugins.toolkit as tk
import click

from ..messages import translate as _


# _: see common/cli.py (help in the portal's language, output in the request's)
@click.group(
    short_help=_("The 13 themes, as groups of the portal."), help=_("The portal's themes and their groups.")
)
def themes():
    pass


@themes.command(help=_("Create or update the themes' groups and file every dataset in them."))
def sync():
    # As the site user (a sysadmin): the action's auth applies as for anyone.
    site_user = tk.get_action("get_site_user")({"ignore_auth": True}, {})["name"]
    counts = tk.get_action("metropole_theme_groups_sync")({"user": site_user}, {})
    click.echo(
        _("Theme groups — created: {created}, updated: {updated}, unchanged: {unchanged}").format(**counts)
    )
    click.echo(_("Datasets filed again: {count}").format(count=counts["datasets_regrouped"]))
