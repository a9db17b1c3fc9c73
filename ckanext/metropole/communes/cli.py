"""``ckan metropole territory load|show``."""
from __future__ import annotations

import sys
from pathlib import Path

import click

import ckan.plugins.toolkit as tk

from . import territory as t


@click.group(short_help="Le territoire : la métropole et ses communes.")
def territory():
    """La métropole et ses communes membres, en organisations du portail."""


@territory.command()
@click.option("--epci", metavar="SIREN", help="SIREN de l'EPCI (ex. 246300701, Clermont Auvergne Métropole).")
@click.option("--communes", "communes_file", type=click.Path(path_type=Path, dir_okay=False),
              help="Fichier des communes : un code INSEE par ligne, ou un CSV avec une colonne insee.")
@click.option("--name", help="Adresse (URL) de l'organisation de la métropole (par défaut : d'après l'EPCI).")
@click.option("--title", help="Nom de l'organisation de la métropole (par défaut : celui de l'EPCI).")
@click.option("--siren", help="SIREN de la métropole quand le territoire est une liste de communes.")
@click.option("--dry-run", is_flag=True, help="Montrer ce qui changerait, sans rien écrire.")
def load(epci, communes_file, name, title, siren, dry_run):
    """Crée ou met à jour la métropole et une organisation par commune membre."""
    try:
        if bool(epci) == bool(communes_file):
            raise t.TerritoryError("Donnez soit --epci SIREN, soit --communes FICHIER.")
        if epci:
            if siren:
                raise t.TerritoryError("--siren ne sert qu'avec --communes : avec --epci, c'est le SIREN de l'EPCI.")
            terr = t.from_epci(epci, name, title)
        else:
            terr = t.from_codes(t.read_codes(communes_file), name, title, siren,
                                source=f"le fichier {communes_file}")
        the_plan = t.plan(terr)
    except t.TerritoryError as e:
        click.secho(f"Erreur : {e}", fg="red", err=True)
        sys.exit(1)

    click.echo(f"Territoire « {terr.title} » ({terr.source}) : {len(terr.communes)} communes.")
    for line in the_plan.reported:
        click.secho(f"  signalée : {line}", fg="yellow")
    if dry_run:
        for change in the_plan.changes():
            if change.action != "unchanged":
                click.echo(f"  {change.action} {change.name} {', '.join(change.changed)}")
        return

    try:
        with click.progressbar(length=len(the_plan.changes()), label="Organisations",
                               file=sys.stderr) as bar:
            summary = t.apply(the_plan, progress=lambda change: bar.update(1))
    except tk.ValidationError as e:
        click.secho(f"Erreur d'enregistrement : {e.error_summary}. Les organisations déjà enregistrées "
                    "sont correctes : relancez la commande une fois la cause corrigée.", fg="red", err=True)
        sys.exit(1)
    click.echo(f"Terminé — {summary}")


@territory.command()
@click.option("--name", help="Adresse de l'organisation de la métropole (s'il y en a plusieurs).")
def show(name):
    """Affiche la métropole, ses communes et leur obligation d'ouverture."""
    metros = t.by_metropole()
    if name:
        metros = [(m, c) for m, c in metros if m.name == name]
    if not metros:
        click.secho("Aucune métropole sur ce portail" + (f" à l'adresse « {name} »" if name else "")
                    + " : chargez-la avec « ckan metropole territory load ».", fg="red", err=True)
        sys.exit(1)
    if len(metros) > 1:
        click.secho("Plusieurs métropoles : précisez --name parmi " + ", ".join(m.name for m in metros),
                    fg="red", err=True)
        sys.exit(1)
    metro, communes = metros[0]
    obliged = sum(1 for c in communes if c["open_data_obligation"])
    click.echo(f"{metro.title} ({metro.name}) — SIREN {metro.extras.get('siren') or '—'} — "
               f"{len(communes)} communes, dont {obliged} soumises à l'obligation d'ouverture")
    click.echo(f"{'INSEE':<7}{'Commune':<34}{'Population':>11}  {'Obligation':<11}Organisation")
    for c in communes:
        population = f"{c['population']:,}".replace(",", " ") if c["population"] is not None else "—"
        click.echo(f"{c['insee_code'] or '':<7}{c['title'][:33]:<34}{population:>11}  "
                   f"{'oui' if c['open_data_obligation'] else 'non':<11}{c['name']}")
