"""Each plugin names the plugins it builds on: CKAN refuses to start with one line saying
which is missing, not a traceback."""
from __future__ import annotations

import subprocess

from .conftest import ROOT


def test_missing_plugin_is_named_without_traceback(tmp_path):
    text = (ROOT / "test.ini").read_text()
    ini = tmp_path / "partial.ini"
    # metropole_theme without metropole_dataset (and its scheming schema)
    ini.write_text(text.replace("ckan.plugins = metropole_communes metropole_dataset metropole_harvester metropole_theme",
                                "ckan.plugins = metropole_communes metropole_theme", 1)
                   .replace("\n    scheming_datasets scheming_organizations harvest", "\n    scheming_organizations harvest", 1))
    assert "metropole_dataset" not in ini.read_text().split("ckan.plugins =", 1)[1].split("\n[", 1)[0].split("scheming.")[0]
    proc = subprocess.run([str(ROOT / ".venv" / "bin" / "ckan"), "-c", str(ini), "config", "list"],
                          capture_output=True, text=True, timeout=180)
    output = proc.stdout + proc.stderr
    assert proc.returncode != 0
    assert "metropole_theme needs the plugin metropole_dataset: add metropole_dataset to ckan.plugins" in output
    assert "Traceback" not in output
