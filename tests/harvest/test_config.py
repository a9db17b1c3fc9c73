"""Source configuration: validated on the source form, in French."""

from __future__ import annotations

import re

import ckan.plugins.toolkit as tk
import pytest
from ckan.tests import helpers

from ckanext.metropole.harvest import sourceconfig


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("{pas du json", "n'est pas du JSON valide"),
        ("[1, 2]", "doit être un objet JSON"),
        ('{"protocole": "ckan"}', "Clé inconnue : protocole"),
        ('{"protocol": "ftp"}', "« ftp » inconnu"),
        ('{"theme_mapping": {"Voirie": "routes"}}', "« routes » (pour « Voirie ») n'est pas un thème"),
        ('{"default_license": "wtfpl"}', "« wtfpl » n'est pas une licence"),
        ('{"max_withdrawal_ratio": 2}', "entre 0 et 1"),
        ('{"publisher": ""}', "texte non vide"),
    ],
)
def test_bad_config_is_refused_with_french_message(text, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        sourceconfig.parse(text)


def test_good_config():
    config = sourceconfig.parse(
        '{"protocol": "opendatasoft", "publisher": "Ville de Roubaix", '
        '"theme_mapping": {"Voirie": "transports"}, "default_license": "lov2", '
        '"max_withdrawal_ratio": 0.2}'
    )
    assert config.theme_mapping == {"voirie": "transports"}
    assert config.max_withdrawal_ratio == 0.2


@pytest.mark.usefixtures("with_request_context")  # the portal's language (French)
def test_source_form_shows_the_error_on_config_in_french_only(make_source):
    with pytest.raises(tk.ValidationError) as e:
        make_source("http://127.0.0.1:9/", config='{"protocol": "ftp"}')
    (message,) = e.value.error_dict["config"]
    # ckanext-harvest's English prefix ("Error parsing the configuration options: ") replaced
    assert message.startswith("La configuration est inutilisable : ") and "« ftp » inconnu" in message
    source = make_source("http://127.0.0.1:9/")
    with pytest.raises(tk.ValidationError) as e:
        helpers.call_action("harvest_source_patch", id=source["id"], config="[1]")
    assert e.value.error_dict["config"][0].startswith("La configuration est inutilisable : ")


@pytest.mark.usefixtures("with_extended_cli")
def test_run_test_cli_runs_one_source_end_to_end(cli, portal, make_source, small_pages):
    from ckan.cli.cli import ckan

    from .conftest import harvested, serve_ods

    serve_ods(portal)
    source = make_source(portal.url)
    result = cli.invoke(ckan, ["harvester", "run-test", source["name"]])
    assert result.exit_code == 0, result.output
    assert len(harvested()) == 5
