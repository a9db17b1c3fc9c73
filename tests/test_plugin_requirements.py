"""Each plugin names the plugins it builds on: CKAN refuses to start with one line saying
which is missing, not a traceback."""
from __future__ import annotations

import subprocess

from .conftest import ROOT


def test_missing_plugin_is_named_without_traceback(tmp_path):
    import re

    text = (ROOT / "test.ini").read_text()
    # metropole_theme (and others) without metropole_dataset (and its scheming schemas)
    plugins = re.search(r"^ckan\.plugins =(.*?)\n(?=\S)", text, re.M | re.S)
    kept = [p for p in plugins.group(1).split() if p not in ("metropole_dataset", "scheming_datasets")]
    ini = tmp_path / "partial.ini"
    ini.write_text(text.replace(plugins.group(0), "ckan.plugins = " + " ".join(kept) + "\n"))
    assert "metropole_theme" in kept and "metropole_dataset" not in kept
    proc = subprocess.run([str(ROOT / ".venv" / "bin" / "ckan"), "-c", str(ini), "config", "list"],
                          capture_output=True, text=True, timeout=180)
    output = proc.stdout + proc.stderr
    assert proc.returncode != 0
    assert "metropole_theme needs the plugin metropole_dataset: add metropole_dataset to ckan.plugins" in output
    assert "Traceback" not in output
