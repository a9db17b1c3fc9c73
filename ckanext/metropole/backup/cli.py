"""``ckan metropole backup create|restore``: save a portal, put it back (archive.py)."""

from __future__ import annotations

import sys

import click

from ..messages import translate as _
from . import archive

# _: see common/cli.py (help in the portal's language, output in the request's)


def _fail(error: archive.BackupError):
    click.secho(_("Error: {message}").format(message=error), fg="red", err=True)
    sys.exit(1)


@click.group(
    short_help=_("Backups of the portal."),
    help=_(
        "Backups of the portal: both databases, the file store and the version (the search index is rebuilt)."
    ),
)
def backup():
    pass


@backup.command(help=_("Back up the portal into DIR, a new or empty folder."))
@click.option("--to", "folder", required=True, type=click.Path(file_okay=False), help=_("Backup folder."))
def create(folder):
    try:
        manifest = archive.create(folder)
    except archive.BackupError as e:
        _fail(e)
    click.echo(
        _(
            "Backup written to {folder}: version {version}, {files} files. The search index is not in it: "
            "a restore rebuilds it from the database."
        ).format(folder=folder, version=manifest["version"], files=manifest["storage"]["files"])
    )


@backup.command(help=_("Restore the portal from a backup folder, onto an empty stack."))
@click.option("--from", "folder", required=True, type=click.Path(file_okay=False), help=_("Backup folder."))
@click.option(
    "--replace", is_flag=True, help=_("Replace the portal that is there (databases, files, index).")
)
def restore(folder, replace):
    try:
        result = archive.restore(folder, replace=replace)
    except archive.BackupError as e:
        _fail(e)
    click.echo(
        _(
            "Portal restored from {folder} (version {version}): {files} files, {indexed} datasets indexed."
        ).format(
            folder=folder,
            version=result["manifest"]["version"],
            files=result["files"],
            indexed=result["indexed"],
        )
    )
    if result["upgrade"]:
        click.echo(
            _("The backup comes from an earlier version: now run the upgrade steps (README, Upgrading).")
        )
