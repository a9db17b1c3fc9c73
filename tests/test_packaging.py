"""The bundle installs as any CKAN extension: pyproject.toml builds a wheel that carries every file
of the package (schemas/ and config/, reached through symbolic links, included), declares the pins
of requirements.txt and the plugins' entry points, and serves CKAN from a fresh environment."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from email.parser import Parser
from importlib.metadata import entry_points
from pathlib import Path

import pytest

from .conftest import ROOT, ckan_server, free_port, ini_text_with

SOURCES = ("pyproject.toml", "setup.py", "README.md", "requirements.txt", "dev-requirements.txt")
# Tracked files of the package that stay out of the wheel: the developers' configuration template
# (scripts/stack.sh makes its local development.ini, with secrets) and an empty folder's marker.
NOT_SHIPPED = {"ckanext/metropole/config/development.ini.template", "ckanext/metropole/schemas/.gitkeep"}
# Only in the built copy, never in the checkout: served, it proves CKAN runs the wheel's plugins.
PROBE = "ckanext/metropole/theme/public/metropole/probe-from-the-wheel.txt"


def test_plugins_are_registered_by_entry_point():
    names = {ep.name: ep.value for ep in entry_points(group="ckan.plugins")}
    for plugin, target in [
        ("metropole_communes", "ckanext.metropole.communes.plugin:CommunesPlugin"),
        ("metropole_dataset", "ckanext.metropole.dataset.plugin:DatasetPlugin"),
        ("metropole_harvester", "ckanext.metropole.harvest.plugin:HarvesterPlugin"),
        ("metropole_theme", "ckanext.metropole.theme.plugin:ThemePlugin"),
        ("metropole_review", "ckanext.metropole.review.plugin:ReviewPlugin"),
    ]:
        assert names.get(plugin) == target


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    """The wheel of a copy of the checkout, built without network (the build backend is .venv's)."""
    src = tmp_path_factory.mktemp("src")
    for name in SOURCES:
        shutil.copy(ROOT / name, src / name)
    ignore = shutil.ignore_patterns("__pycache__", "*.egg-info", "development.ini")
    for name in ("ckanext", "schemas", "config"):
        shutil.copytree(ROOT / name, src / name, symlinks=True, ignore=ignore)
    # Files of the kinds later capabilities add, to prove the mechanism, not today's content.
    (src / "schemas" / "probe_schema.yaml").write_text("scheming_version: 2\n")
    (src / "config" / "probe_licenses.json").write_text("[]\n")
    (src / "config" / "development.ini").write_text("SECRET_KEY = must-not-ship\n")
    (src / PROBE).write_text("served from the wheel\n")

    out = tmp_path_factory.mktemp("dist")
    build = [sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", str(out), str(src)]
    subprocess.run(build, check=True, capture_output=True, timeout=240)
    (built,) = out.glob("ckanext_metropole-*.whl")
    return built


def tracked_package_files() -> set[str]:
    """The checkout's tracked files of the package, named as in the wheel."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "ckanext", "schemas", "config"],
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    ).stdout.split("\0")
    files = set()
    for path in filter(None, listed):
        if (ROOT / path).is_file() and not (ROOT / path).is_symlink():
            files.add(path if path.startswith("ckanext/") else f"ckanext/metropole/{path}")
    return files


def test_wheel_ships_every_file_of_the_package_but_no_local_ini(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    tracked = tracked_package_files()
    # templates, public files and webassets of each plugin, schemas/*.yaml, config/*.json|yaml,
    # the JSON-LD contexts, the compiled French catalogue (.mo), the territory data, table schemas
    assert tracked - NOT_SHIPPED - names == set()
    assert NOT_SHIPPED & names == set()
    for kind in (
        "/templates/",
        "/public/",
        "/assets/",
        "i18n/fr/LC_MESSAGES/ckanext-metropole.mo",
        "metropole/data/",
        "metropole/schemas/dataset.yaml",
        "metropole/config/licenses.json",
        "config/jsonld/dcat-ap-3.0.1.jsonld",
        "/config_declaration.yaml",
    ):
        assert any(kind in name for name in tracked & names), kind
    assert {
        "ckanext/metropole/schemas/probe_schema.yaml",
        "ckanext/metropole/config/probe_licenses.json",
        PROBE,
    } <= names
    assert not [n for n in names if n.endswith(".ini")]


def requirement_lines(name: str) -> list[str]:
    lines = (line.split("#")[0].strip() for line in (ROOT / name).read_text().splitlines())
    return [line for line in lines if line]


def dist_info(wheel: Path, name: str) -> str:
    archive = zipfile.ZipFile(wheel)
    (path,) = [n for n in archive.namelist() if n.endswith(f".dist-info/{name}")]
    return archive.read(path).decode()


def wheel_entry_points(wheel: Path) -> dict[str, dict[str, str]]:
    sections = re.split(r"^\[(.+)\]$", dist_info(wheel, "entry_points.txt"), flags=re.M)
    return {
        group: dict(line.split(" = ") for line in body.strip().splitlines())
        for group, body in zip(sections[1::2], sections[2::2], strict=True)
    }


def test_wheel_declares_the_pins_and_every_plugin(wheel):
    metadata = Parser().parsestr(dist_info(wheel, "METADATA"))
    requires = metadata.get_all("Requires-Dist")
    assert [r for r in requires if "extra ==" not in r] == requirement_lines("requirements.txt")
    tests_extra = [r.split(";")[0] for r in requires if 'extra == "test"' in r]
    assert tests_extra == requirement_lines("dev-requirements.txt")
    assert metadata["Requires-Python"] == ">=3.10" and metadata["License"] == "AGPL-3.0-or-later"

    points = wheel_entry_points(wheel)
    configured = set()
    for ini in (ROOT / "test.ini", ROOT / "config" / "development.ini.template"):
        plugins = re.search(r"^ckan\.plugins =(.*?)\n(?=\S)", ini.read_text(), re.M | re.S).group(1)
        configured |= {name for name in plugins.split() if name.startswith("metropole_")}
    assert "metropole_demo" in configured and configured <= set(points["ckan.plugins"])
    assert points["ckan.rdf.profiles"] == {
        "metropole_dcat_ap": "ckanext.metropole.dataset.dcat:MetropoleDCATAPProfile"
    }
    for target in [*points["ckan.plugins"].values(), *points["ckan.rdf.profiles"].values()]:
        assert target.split(":")[0].replace(".", "/") + ".py" in zipfile.ZipFile(wheel).namelist()


def test_docker_image_builds_the_package_from_the_same_files():
    """docker/ckan/Dockerfile installs the bundle from a copy of what the wheel above is built from."""
    dockerfile = (ROOT / "docker" / "ckan" / "Dockerfile").read_text()
    (copied,) = re.findall(r"^COPY (.*) /srv/app/metropole/src/$", dockerfile, re.M)
    assert set(copied.split()) == set(SOURCES)


# Run by the fresh environment's Python: where the package and CKAN's view of our plugins come
# from, and the wheel's Requires-Dist (with their own, extras included) met as `pip check` would.
CHECK_ENVIRONMENT = r"""
import importlib.metadata as md, json
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

def unmet(name, extras, seen):
    problems = []
    for text in md.distribution(name).requires or []:
        req = Requirement(text)
        if req.marker and not any(req.marker.evaluate({"extra": e}) for e in extras | {""}):
            continue
        if (canonicalize_name(req.name), frozenset(req.extras)) in seen:
            continue
        seen.add((canonicalize_name(req.name), frozenset(req.extras)))
        try:
            version = md.version(req.name)
        except md.PackageNotFoundError:
            problems.append(f"{name}: {text}: not installed")
            continue
        if not req.specifier.contains(version, prereleases=True):
            problems.append(f"{name}: {text}: {version} installed")
        problems += unmet(req.name, set(req.extras), seen)
    return problems

import ckanext.metropole, ckanext.metropole.resources as resources
ours = [ep for ep in md.entry_points(group="ckan.plugins") if ep.value.startswith("ckanext.metropole.")]
print(json.dumps({
    "unmet": unmet("ckanext-metropole", set(), set()),
    "package": ckanext.metropole.__file__,
    "schemas": str(resources.schemas_dir().resolve()),
    "plugins": {ep.name: str(ep.dist.locate_file("")) for ep in ours if ep.load()},
}))
"""

# The fresh environment sees the dependencies .venv already holds (a pip install of them all from
# PyPI takes minutes) but not .venv's editable install of the checkout: its path, its .pth files
# (CKAN's ckanext namespace lines) except the editable finder's.
SEE_DEPENDENCIES = """\
import os, site, sys
DEPS = {deps!r}
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.append(DEPS)
for name in sorted(os.listdir(DEPS)):
    if name.endswith(".pth") and not name.startswith("__editable__"):
        site.addpackage(DEPS, name, None)
# One ckanext folder per environment here (one for all in a real install): ours first.
if "ckanext" in sys.modules:
    sys.modules["ckanext"].__path__.insert(0, os.path.join(HERE, "ckanext"))
"""


def test_wheel_installed_in_a_fresh_environment_serves_ckan_with_our_plugins(wheel, tmp_path):
    import requests

    fresh = tmp_path / "fresh"
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("PYTHONPATH", "VIRTUAL_ENV") and not k.startswith("COVERAGE_")
    }
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(fresh)], check=True, timeout=60)
    python = str(fresh / "bin" / "python")
    # the wheel first, into an environment that holds nothing yet: pip sees no other ckanext-metropole
    pip = [sys.executable, "-m", "pip", "--python", python, "--disable-pip-version-check"]
    install = [*pip, "install", "-q", "--no-index", "--no-deps", str(wheel)]
    subprocess.run(install, check=True, capture_output=True, timeout=120, env=env)
    site_packages = Path(sysconfig.get_path("purelib", vars={"base": str(fresh)}))
    (site_packages / "_metropole_dependencies.py").write_text(
        SEE_DEPENDENCIES.format(deps=sysconfig.get_path("purelib"))
    )
    (site_packages / "_metropole_dependencies.pth").write_text("import _metropole_dependencies\n")

    run = tmp_path / "run"  # outside the checkout: nothing of it on sys.path
    run.mkdir()
    checked = subprocess.run(
        [python, "-c", CHECK_ENVIRONMENT], cwd=run, env=env, capture_output=True, text=True, timeout=120
    )
    assert checked.returncode == 0, checked.stderr
    found = json.loads(checked.stdout)
    assert found["unmet"] == []
    assert Path(found["package"]).is_relative_to(site_packages)
    assert Path(found["schemas"]) == site_packages / "ckanext" / "metropole" / "schemas"
    assert set(found["plugins"]) == set(wheel_entry_points(wheel)["ckan.plugins"])
    assert set(found["plugins"].values()) == {str(site_packages)}

    url = f"http://127.0.0.1:{free_port()}"
    ini = run / "test.ini"
    ini.write_text(ini_text_with(url))
    ckan = (python, "-c", "import sys; from ckan.cli.cli import ckan; sys.exit(ckan())")
    with ckan_server(ini, url, tmp_path / "ckan.log", ckan=ckan, cwd=run, env=env):
        status = requests.get(f"{url}/api/3/action/status_show", timeout=30).json()["result"]
        assert {"metropole_dataset", "metropole_theme", "metropole_security"} <= set(status["extensions"])
        # the theme's public folder is the wheel's: only the built copy holds the probe
        probe = requests.get(f"{url}/metropole/probe-from-the-wheel.txt", timeout=30)
        assert probe.status_code == 200 and probe.text == "served from the wheel\n"
        # schemas/dataset.yaml, reached through the package's symbolic link, came with the wheel
        schema = requests.get(
            f"{url}/api/3/action/scheming_dataset_schema_show", params={"type": "dataset"}, timeout=30
        ).json()["result"]
        assert "theme" in {field["field_name"] for field in schema["dataset_fields"]}
        home = requests.get(url + "/", timeout=60)
        assert home.status_code == 200 and "/metropole/metropole.css" in home.text
