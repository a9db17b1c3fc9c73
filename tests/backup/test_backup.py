"""`ckan metropole backup create` then `restore`: a portal put back onto an empty stack (databases
dropped and created again, empty file store and index) and over itself with --replace is the
same portal: counts, a dataset with its uploaded file downloadable, its DataStore table, search
answers. The real pg_dump / pg_restore, PostgreSQL and Solr of the test slot."""

from __future__ import annotations

import io
import shlex
import subprocess

import ckan.model as model
import ckan.plugins.toolkit as tk
import pytest
import sqlalchemy as sa
from ckan.cli.cli import ckan
from ckan.lib import search
from ckan.tests import factories, helpers
from werkzeug.datastructures import FileStorage

from ckanext.metropole.backup import archive

from ..conftest import DATASET_DEFAULTS, load_territory

# as scripts/stack.sh creates databases: the cluster's superuser on its local socket
SUPERUSER_PSQL = shlex.split("psql -X -q -v ON_ERROR_STOP=1 -h /tmp -p 55432 -U postgres -d postgres")
CSV = b"nom;places\nJaude;1200\nGaillard;450\n"


def _portal(app) -> dict:
    """What a visitor and a re-user see of the portal."""
    dataset = helpers.call_action("package_show", id="parkings-clermont")
    resource = dataset["resources"][0]
    return {
        "datasets": helpers.call_action("package_search", rows=0, include_private=True)["count"],
        "organizations": helpers.call_action("organization_list"),
        "dataset": dataset,
        "file": app.get(resource["url"], status=200).get_data(),
        "records": helpers.call_action("datastore_search", resource_id=resource["id"])["records"],
        "answers": [
            [d["name"] for d in helpers.call_action("package_search", **query)["results"]]
            for query in ({"q": "stationnement"}, {"fq": "organization:clermont-ferrand"}, {"q": "Jaude"})
        ],
    }


def _backup(cli, *args):
    return cli.invoke(ckan, ["metropole", "backup", *args])


def _empty_stack():
    """The slot's databases dropped and created again empty (as a new stack's), its Solr core
    and file store emptied."""
    from ckanext.datastore.backend import postgres as datastore_backend

    model.Session.remove()
    model.meta.engine.dispose()
    datastore_backend._dispose_engines()
    for option in ("sqlalchemy.url", "ckan.datastore.write_url"):
        name = sa.engine.make_url(tk.config.get(option)).database
        create = f"CREATE DATABASE {name} OWNER ckan ENCODING 'UTF8' TEMPLATE template0"
        subprocess.run(
            [*SUPERUSER_PSQL, "-c", f"DROP DATABASE {name} WITH (FORCE)", "-c", create],
            check=True,
            capture_output=True,
        )
    search.clear_all()
    for path in archive._store_files(archive._store()):
        path.unlink()


@pytest.mark.usefixtures("clean_db", "clean_index", "with_plugins", "with_extended_cli")
def test_a_restored_portal_is_the_backed_up_portal(app, cli, tmp_path):
    load_territory(epci="246300701")
    admin = {"user": factories.Sysadmin()["name"]}
    dataset = helpers.call_action(
        "package_create",
        context=dict(admin),
        name="parkings-clermont",
        title="Parkings de Clermont",
        notes="Stationnement en ouvrage",
        owner_org="clermont-ferrand",
        **DATASET_DEFAULTS,
    )
    resource = helpers.call_action(
        "resource_create",
        context=dict(admin),
        package_id=dataset["id"],
        url="parkings.csv",
        format="CSV",
        upload=FileStorage(stream=io.BytesIO(CSV), filename="parkings.csv", content_type="text/csv"),
    )
    helpers.call_action(
        "datastore_create",
        context=dict(admin),
        resource_id=resource["id"],
        force=True,
        fields=[{"id": "nom", "type": "text"}, {"id": "places", "type": "int"}],
        records=[{"nom": "Jaude", "places": 1200}, {"nom": "Gaillard", "places": 450}],
    )
    before = _portal(app)
    assert before["file"] == CSV and before["answers"][0] == ["parkings-clermont"]

    folder = tmp_path / "sauvegarde"
    created = _backup(cli, "create", "--to", str(folder))
    assert created.exit_code == 0, created.output
    manifest = archive.read_manifest(folder)
    assert (
        manifest["version"] == archive.bundle_version()
        and manifest["storage"]["files"] == len(archive._store_files(archive._store())) >= 1
    )
    again = _backup(cli, "create", "--to", str(folder))
    assert again.exit_code == 1 and "n'est pas vide" in again.output

    # over a living portal, only when asked
    refused = _backup(cli, "restore", "--from", str(folder))
    assert refused.exit_code == 1
    assert "Le portail n'est pas vide" in refused.output and "--replace" in refused.output

    _empty_stack()
    restored = _backup(cli, "restore", "--from", str(folder))
    assert restored.exit_code == 0, restored.output
    assert _portal(app) == before

    # --replace: what was written since the backup goes, the backup's portal comes back
    helpers.call_action(
        "package_create",
        context=dict(admin),
        name="apres-sauvegarde",
        owner_org="clermont-ferrand",
        **DATASET_DEFAULTS,
    )
    helpers.call_action("package_patch", context=dict(admin), id="parkings-clermont", title="Titre changé")
    replaced = _backup(cli, "restore", "--from", str(folder), "--replace")
    assert replaced.exit_code == 0, replaced.output
    assert _portal(app) == before


def test_an_interrupted_or_damaged_backup_is_refused(tmp_path):
    with pytest.raises(archive.BackupError, match=r"manifest\.json"):
        archive.read_manifest(tmp_path)
    (tmp_path / "ckan.db.dump").write_bytes(b"tronque")
    (tmp_path / "manifest.json").write_text(
        '{"format": 1, "version": "0.2.0", "databases": {"main": {"file": "ckan.db.dump", "sha256": "0"}}}'
    )
    with pytest.raises(archive.BackupError, match=r"ckan\.db\.dump"):
        archive.read_manifest(tmp_path)
