"""A wheel (not only an editable checkout) carries schemas/ and config/ inside the package."""
from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from importlib.metadata import entry_points

from .conftest import ROOT


def test_plugins_are_registered_by_entry_point():
    names = {ep.name: ep.value for ep in entry_points(group="ckan.plugins")}
    for plugin, target in [("metropole_communes", "ckanext.metropole.communes.plugin:CommunesPlugin"),
                           ("metropole_dataset", "ckanext.metropole.dataset.plugin:DatasetPlugin"),
                           ("metropole_harvester", "ckanext.metropole.harvest.plugin:HarvesterPlugin"),
                           ("metropole_theme", "ckanext.metropole.theme.plugin:ThemePlugin"),
                           ("metropole_review", "ckanext.metropole.review.plugin:ReviewPlugin")]:
        assert names.get(plugin) == target


def test_wheel_ships_schemas_and_config_but_no_local_ini(tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    for name in ("setup.py", "setup.cfg", "README.md"):
        shutil.copy(ROOT / name, src / name)
    ignore = shutil.ignore_patterns("__pycache__", "*.egg-info", "development.ini*")
    for name in ("ckanext", "schemas", "config"):
        shutil.copytree(ROOT / name, src / name, symlinks=True, ignore=ignore)
    # Files of the kinds later capabilities add, to prove the mechanism, not today's content.
    (src / "schemas" / "probe_schema.yaml").write_text("scheming_version: 2\n")
    (src / "config" / "probe_licenses.json").write_text("[]\n")
    (src / "config" / "development.ini").write_text("SECRET_KEY = must-not-ship\n")

    out = tmp_path / "dist"
    subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation",
                    "-w", str(out), str(src)], check=True, capture_output=True, timeout=240)
    (wheel,) = out.glob("ckanext_metropole-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    assert "ckanext/metropole/schemas/probe_schema.yaml" in names
    assert "ckanext/metropole/config/probe_licenses.json" in names
    assert "ckanext/metropole/stack/solr/solrconfig.xml" in names
    assert "ckanext/metropole/harvest/config_declaration.yaml" in names
    # the shipped JSON-LD contexts (DCAT-US 1.1, DCAT-AP): without them a harvest would fetch them
    assert {"ckanext/metropole/config/jsonld/dcat-us-1.1-catalog.jsonld",
            "ckanext/metropole/config/jsonld/dcat-ap-3.0.1.jsonld"} <= names
    assert not [n for n in names if n.endswith(".ini")]
    for capability in ("communes", "dataset", "harvest", "theme"):
        assert f"ckanext/metropole/{capability}/plugin.py" in names
