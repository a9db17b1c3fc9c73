"""``ckan metropole territory load|show`` as an operator runs it."""

from __future__ import annotations

import pytest
from ckan.cli.cli import ckan
from ckan.tests import helpers

from .conftest import CLERMONT


def _run(cli, *args):
    return cli.invoke(ckan, ["metropole", "territory", *args])


@pytest.mark.usefixtures("clean_db", "with_plugins", "with_extended_cli")
class TestTerritoryCli:
    def test_load_then_reload_then_show(self, cli):
        first = _run(cli, "load", "--epci", CLERMONT)
        assert first.exit_code == 0, first.output
        assert "Clermont Auvergne Métropole" in first.output
        assert "créées : 22, mises à jour : 0, inchangées : 0, signalées : 0" in first.output
        assert "22/22" in first.output  # the progress bar (stderr) counted every organisation
        again = _run(cli, "load", "--epci", CLERMONT)
        assert again.exit_code == 0
        assert "créées : 0, mises à jour : 0, inchangées : 22, signalées : 0" in again.output
        shown = _run(cli, "show")
        assert shown.exit_code == 0
        assert "21 communes, dont" in shown.output
        line = next(row for row in shown.output.splitlines() if row.startswith("63113"))
        assert "Clermont-Ferrand" in line and "oui" in line and "clermont-ferrand" in line
        line = next(row for row in shown.output.splitlines() if row.startswith("63141"))
        assert "Durtol" in line and "non" in line

    def test_list_file_with_name_title_siren(self, cli, tmp_path):
        path = tmp_path / "lyon.csv"
        path.write_text("nom;insee\nLyon;69123\nVilleurbanne;69266\n", encoding="utf-8")
        result = _run(
            cli,
            "load",
            "--communes",
            str(path),
            "--name",
            "metropole-de-lyon",
            "--title",
            "Métropole de Lyon",
            "--siren",
            "200046977",
        )
        assert result.exit_code == 0, result.output
        assert "créées : 3" in result.output
        assert helpers.call_action("organization_show", id="metropole-de-lyon")["siren"] == "200046977"

    @pytest.mark.parametrize(
        ("args", "message"),
        [
            (["--epci", "999999999"], "SIREN inconnu : 999999999"),
            ([], "soit --epci SIREN, soit --communes FICHIER"),
            (["--epci", CLERMONT, "--siren", "200046977"], "--siren ne sert qu'avec --communes"),
        ],
    )
    def test_bad_arguments_exit_non_zero_and_create_nothing(self, cli, args, message):
        result = _run(cli, "load", *args)
        assert result.exit_code != 0
        assert message in result.output
        assert helpers.call_action("organization_list") == []

    @pytest.mark.parametrize(
        ("content", "message"),
        [("", "est vide"), ("69123\n691\n", "« 691 » (ligne 2)"), ("69123\n99999\n", "99999")],
    )
    def test_bad_files_exit_non_zero_and_create_nothing(self, cli, tmp_path, content, message):
        path = tmp_path / "codes.txt"
        path.write_text(content)
        result = _run(cli, "load", "--communes", str(path), "--name", "lyon", "--title", "Lyon")
        assert result.exit_code != 0
        assert message in result.output
        assert helpers.call_action("organization_list") == []

    def test_dry_run_writes_nothing(self, cli):
        result = _run(cli, "load", "--epci", CLERMONT, "--dry-run")
        assert result.exit_code == 0
        assert "create clermont-ferrand" in result.output
        assert helpers.call_action("organization_list") == []

    def test_show_without_territory(self, cli):
        result = _run(cli, "show")
        assert result.exit_code != 0
        assert "Aucune métropole" in result.output
