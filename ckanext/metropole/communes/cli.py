"""``ckan metropole territory load|show``."""

from __future__ import annotations

import sys
from pathlib import Path

import ckan.plugins.toolkit as tk
import click
from tqdm import tqdm

from ..messages import translate as _
from . import codes_file
from . import territory as t

# _: see common/cli.py (help in the portal's language, output in the request's)


@click.group(
    short_help=_("The territory: the métropole and its communes."),
    help=_("The métropole and its member communes, as organisations of the portal."),
)
def territory():
    pass


@territory.command(help=_("Create or update the métropole and one organisation per member commune."))
@click.option(
    "--epci", metavar="SIREN", help=_("SIREN of the EPCI (e.g. 246300701, Clermont Auvergne Métropole).")
)
@click.option(
    "--communes",
    "communes_file",
    type=click.Path(path_type=Path, dir_okay=False),
    help=_("File of the communes: one INSEE code per line, or a CSV with an insee column."),
)
@click.option("--name", help=_("Address (URL) of the métropole's organisation (by default: from the EPCI)."))
@click.option("--title", help=_("Name of the métropole's organisation (by default: the EPCI's)."))
@click.option("--siren", help=_("SIREN of the métropole when the territory is a list of communes."))
@click.option("--dry-run", is_flag=True, help=_("Show what would change, writing nothing."))
def load(epci, communes_file, name, title, siren, dry_run):
    data = {"epci": epci, "name": name, "title": title, "siren": siren, "dry_run": dry_run}
    try:
        # The action checks these too; here they are said in the command's own terms.
        if bool(epci) == bool(communes_file):
            raise t.TerritoryError(_("Give either --epci SIREN or --communes FILE."))
        if epci and siren:
            raise t.TerritoryError(
                _("--siren only goes with --communes: with --epci, the SIREN is the EPCI's.")
            )
        if communes_file:
            data["communes"] = codes_file.read_codes(communes_file)
        context = dict(_site_context(), metropole_progress=_progress)
        result = tk.get_action("metropole_territory_load")(context, {k: v for k, v in data.items() if v})
    except t.TerritoryError as e:
        click.secho(_("Error: {message}").format(message=e), fg="red", err=True)
        sys.exit(1)
    except tk.ValidationError as e:
        if "territory" in e.error_dict:  # refused before any write
            click.secho(
                _("Error: {message}").format(message=" ".join(e.error_dict["territory"])), fg="red", err=True
            )
        else:
            click.secho(
                _(
                    "Saving failed: {summary}. The organisations already saved are correct: run the "
                    "command again once the cause is fixed."
                ).format(summary=e.error_summary),
                fg="red",
                err=True,
            )
        sys.exit(1)

    terr = result["territory"]
    click.echo(
        _("Territory “{title}” ({source}): {count} communes.").format(
            title=terr["title"], source=terr["source"], count=terr["communes"]
        )
    )
    for line in result["reported"]:
        click.secho("  " + _("reported: {line}").format(line=line), fg="yellow")
    if dry_run:
        for change in result["changes"]:
            if change["action"] != "unchanged":
                click.echo(f"  {change['action']} {change['name']} {', '.join(change['changed'])}")
        return
    s = result["summary"]
    click.echo(
        _(
            "Done — created: {created}, updated: {updated}, unchanged: {unchanged}, reported: {reported}"
        ).format(**s)
    )


def _progress(changes: list):
    """A big EPCI (the MEL: 95 communes) takes minutes: count, rate and time left, on stderr."""
    return tqdm(changes, desc="Organisations", unit="org", file=sys.stderr, mininterval=0.5, ascii=True)


def _site_context() -> dict:
    # The CLI acts as the site user, a sysadmin: the actions' auth applies as for anyone.
    return {"user": tk.get_action("get_site_user")({"ignore_auth": True}, {})["name"]}


@territory.command(help=_("Show the métropole, its communes and their open data obligation."))
@click.option("--name", help=_("Address of the métropole's organisation (if there are several)."))
def show(name):
    try:
        metros = tk.get_action("metropole_territory_show")(_site_context(), {"name": name} if name else {})
    except tk.ObjectNotFound:
        metros = []
    if not metros:
        click.secho(
            (
                _("No métropole named “{name}” on this portal").format(name=name)
                if name
                else _("No métropole on this portal")
            )
            + _(": load it with “ckan metropole territory load”."),
            fg="red",
            err=True,
        )
        sys.exit(1)
    if len(metros) > 1:
        click.secho(
            _("Several métropoles: give --name, one of {names}").format(
                names=", ".join(m["name"] for m in metros)
            ),
            fg="red",
            err=True,
        )
        sys.exit(1)
    metro = metros[0]
    communes = metro["communes"]
    obliged = sum(1 for c in communes if c["open_data_obligation"])
    click.echo(
        _(
            "{title} ({name}) — SIREN {siren} — {count} communes, {obliged} of them under the "
            "open data obligation"
        ).format(
            title=metro["title"],
            name=metro["name"],
            siren=metro["siren"] or "—",
            count=len(communes),
            obliged=obliged,
        )
    )
    click.echo(
        f"{'INSEE':<7}{_('Commune'):<34}{_('Population'):>11}  {_('Obligation'):<11}{_('Organization')}"
    )
    for c in communes:
        population = f"{c['population']:,}".replace(",", " ") if c["population"] is not None else "—"
        click.echo(
            f"{c['insee_code'] or '':<7}{c['title'][:33]:<34}{population:>11}  "
            f"{_('yes') if c['open_data_obligation'] else _('no'):<11}{c['name']}"
        )
