"""``ckan metropole common …``: validate files and rebuild consolidations by hand."""

from __future__ import annotations

import ckan.plugins.toolkit as tk
import click

from ..messages import in_portal_language
from ..messages import translate as _
from . import catalogue, jobs

# _: the portal's language (ckan.locale_default) for --help, read when the CLI loads (after the
# configuration); the request's language for what a command prints (the metropole group runs
# commands in a request context)


@click.group(
    short_help=_("Common datasets: validation and consolidation."), help=_("The communes' common datasets.")
)
def common():
    pass


@common.command(
    "consolidate",
    help=_("Rebuild the consolidated dataset of the common datasets IDS (all without an argument)."),
)
@click.argument("ids", nargs=-1)
def consolidate(ids):
    known = {c.id for c in catalogue.common_datasets()}
    for common_id in ids or sorted(known):
        if common_id not in known:
            raise click.ClickException(
                _("Unknown common dataset: {id} (known: {known})").format(
                    id=common_id, known=", ".join(sorted(known))
                )
            )
        result = jobs.consolidate(common_id)
        click.echo(
            _(
                "{id}: {rows} rows, communes {communes}, left out: {left_out}, duplicates: {duplicates}"
            ).format(
                id=common_id,
                rows=result.get("rows", 0),
                communes=", ".join(result.get("contributors") or []) or "—",
                left_out=", ".join(result.get("left_out") or []) or "—",
                duplicates=result.get("duplicates", 0),
            )
        )


@common.command(
    "validate",
    help=_("Validate (here, without a queue) the resources that declare the schema of a common dataset."),
)
@click.option("--all", "everything", is_flag=True, help=_("Every resource, even those already validated."))
def validate(everything):
    from . import state

    count = 0
    for entry in state.entries():
        if everything or entry.status == "pending":
            report = jobs.validate_resource(entry.resource["id"])
            count += 1
            click.echo(
                _("{dataset} / {resource}: {status}").format(
                    dataset=entry.package["name"],
                    resource=entry.resource.get("name") or entry.resource["id"],
                    status=report and report["status"],
                )
            )
    click.echo(_("{count} resources validated").format(count=count))


@common.command(
    "publish",
    help=_(
        "Publish for communes their file of the common dataset COMMON_ID and validate it at once.\n\n"
        "Each file becomes the resource of the commune's dataset COMMUNE-COMMON_ID (created if needed, "
        "replaced otherwise): taking over existing files, demonstration."
    ),
)
@click.argument("common_id")
@click.argument("files", nargs=-1, required=True, metavar=_("INSEE=FILE..."))
def publish(common_id, files):
    import io
    from pathlib import Path

    from werkzeug.datastructures import FileStorage

    from . import state

    common = catalogue.by_id(common_id)
    if common is None:
        raise click.ClickException(_("Unknown common dataset: {id}").format(id=common_id))
    _metro, communes = state.territory()
    by_insee = {c.get("insee_code"): c for c in communes}
    pairs = []
    for item in files:
        insee, _sep, path = item.partition("=")
        if insee not in by_insee or not Path(path).is_file():
            raise click.ClickException(
                _(
                    "“{item}”: expected INSEE=FILE, with a commune of the territory and an existing file"
                ).format(item=item)
            )
        pairs.append((by_insee[insee], Path(path)))
    for org, path in pairs:
        name = f"{org['name']}-{common.id}"[:100]
        fields = {
            "upload": FileStorage(io.BytesIO(path.read_bytes()), filename=path.name),
            "url": path.name,
            "name": path.name,
            "format": path.suffix.lstrip(".").upper(),
            "conforms_to": common.schema_id,
        }
        try:
            dataset = tk.get_action("package_show")(jobs.site_context(), {"id": name})
        except tk.ObjectNotFound:
            dataset = tk.get_action("package_create")(
                jobs.site_context(),
                {
                    "name": name,
                    "title": f"{in_portal_language(common.title)} — {org['title']}",
                    "owner_org": org["id"],
                    "notes": in_portal_language(common.description),
                    "theme": [common.theme],
                    "license_id": "lov2",
                },
            )
        if dataset.get("resources"):
            resource = tk.get_action("resource_update")(
                jobs.site_context(), {**fields, "id": dataset["resources"][0]["id"]}
            )
        else:
            resource = tk.get_action("resource_create")(
                jobs.site_context(), {**fields, "package_id": dataset["id"]}
            )
        report = jobs.validate_resource(resource["id"], consolidate=False)
        click.echo(
            _("{commune}: {name} — {status}").format(
                commune=org["title"], name=name, status=report["status"] if report else "?"
            )
        )


@common.command("list", help=_("List the common datasets and their schema."))
def list_():
    for c in catalogue.common_datasets():
        click.echo(f"{c.id}\t{c.schema_id} {c.version}\t{_(c.title)}")
