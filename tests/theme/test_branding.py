"""The identity comes from configuration and is refused at start-up when it would fail RGAA."""

from __future__ import annotations

import re
import subprocess

import pytest

from ckanext.metropole.theme import branding

from ..conftest import ROOT

GOOD = {
    "ckanext.metropole.primary_color": "#1F4E79",
    "ckanext.metropole.secondary_color": "#0B5D42",
    "ckanext.metropole.logo": "",
    "ckan.locale_default": "fr",
    "ckan.locales_offered": "fr en",
}


def test_contrast_ratio_follows_wcag():
    assert branding.contrast("#000000", "#FFFFFF") == pytest.approx(21.0)
    assert branding.contrast("#777777", "#FFFFFF") == pytest.approx(4.48, abs=0.01)
    assert branding.contrast("#1F4E79", "#FFFFFF") > 4.5


def test_defaults_pass():
    branding.check(GOOD)
    assert branding.wcag_color(" #1F4E79 ") == "#1F4E79"


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("bleu", "« bleu » n'est pas une couleur"),
        ("#FFD700", "#FFD700 contraste à 1.4"),
        ("#888888", "#888888 contraste"),
    ],
)
def test_colour_validator_of_the_config_declaration(value, message):
    from ckan.lib.navl.dictization_functions import Invalid

    with pytest.raises(Invalid) as e:
        branding.wcag_color(value)
    assert message in e.value.error


def test_start_up_messages_are_in_the_portal_language(ckan_config, monkeypatch):
    """Start-up has no request: the messages follow ckan.locale_default (here English)."""
    from ckan.lib.navl.dictization_functions import Invalid

    monkeypatch.setitem(ckan_config, "ckan.locale_default", "en")
    with pytest.raises(Invalid) as e:
        branding.wcag_color("bleu")
    assert e.value.error == "“bleu” is not a colour in the #RRGGBB format (e.g. #1F4E79)."
    with pytest.raises(
        RuntimeError, match=re.escape("the file “/metropole/absent.svg” is not in CKAN's public folders")
    ):
        branding.check({**GOOD, "ckanext.metropole.logo": "/metropole/absent.svg"})


@pytest.mark.parametrize(
    ("override", "message"),
    [
        (
            {"ckanext.metropole.logo": "/metropole/absent.svg"},
            "ckanext.metropole.logo : le fichier « /metropole/absent.svg »",
        ),
        ({"ckan.locale_default": "xx"}, "ckan.locale_default : langue « xx »"),
    ],
)
def test_bad_identity_names_the_key(override, message):
    with pytest.raises(RuntimeError) as e:
        branding.check({**GOOD, **override})
    assert message in str(e.value)


def test_ckan_refuses_to_start_with_a_failing_colour_pair(tmp_path):
    ini = tmp_path / "bad.ini"
    text = (
        (ROOT / "test.ini")
        .read_text()
        .replace("[app:main]\n", "[app:main]\nckanext.metropole.primary_color = #FFFF00\n", 1)
    )
    ini.write_text(text)
    proc = subprocess.run(
        [str(ROOT / ".venv" / "bin" / "ckan"), "-c", str(ini), "config", "list"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode != 0
    # CKAN's own report of a declared option whose validator refused the value: one line per
    # key, no traceback
    out = proc.stdout + proc.stderr
    assert "Invalid configuration values provided:" in out
    assert "ckanext.metropole.primary_color: #FFFF00 contraste à 1.07:1" in out
    assert "Traceback" not in out


def test_both_colours_are_declared_with_the_contrast_validator():
    import yaml

    with open(ROOT / "ckanext" / "metropole" / "theme" / "config_declaration.yaml", encoding="utf-8") as f:
        options = {o["key"]: o for g in yaml.safe_load(f)["groups"] for o in g["options"]}
    for key in ("ckanext.metropole.primary_color", "ckanext.metropole.secondary_color"):
        assert options[key]["validators"] == "metropole_wcag_color"
        branding.wcag_color(options[key]["default"])  # the defaults pass their own check
