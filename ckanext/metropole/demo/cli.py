"""``ckan metropole demo load|remove``: the demo content of the development portal."""
from __future__ import annotations

import sys
from pathlib import Path

import click

from ..messages import translate as _
from . import content as c, loader

# _: see common/cli.py (help in the portal's language, output in the request's)


@click.group(short_help=_("The portal's demonstration content."),
             help=_("Demonstration datasets, files and harvesting (folder demo/)."))
def demo():
    pass


def _content(folder):
    try:
        return c.read(Path(folder) if folder else loader.default_folder())
    except c.ContentError as e:
        click.secho(_("Error: {message}").format(message=e), fg="red", err=True)
        sys.exit(1)


@demo.command(help=_("Load the demonstration (duplicating nothing if it is loaded already)."))
@click.option("--folder", type=click.Path(file_okay=False), help=_("Demonstration folder (by default: "
              "ckanext.metropole.demo.folder)."))
def load(folder):
    counts = loader.load(_content(folder))
    click.echo(_("Datasets — created: {datasets_created}, already there: {datasets_kept}; harvest sources — "
                 "created: {sources_created}, already there: {sources_kept}").format(**counts))
    for job in counts["jobs"]:
        click.echo(_("Harvest of {source}: {status} {stats}").format(**job))


@demo.command(help=_("Remove everything the demonstration created (datasets, files, harvested sources)."))
@click.option("--folder", type=click.Path(file_okay=False), help=_("Demonstration folder."))
def remove(folder):
    counts = loader.remove(_content(folder))
    click.echo(_("Removed — datasets: {datasets_removed}, sources: {sources_removed}").format(**counts))
