"""Upgrade from the previous release to this code, in place, as README's "Upgrading" says.

The previous release (CHANGELOG.md names its commit) is taken from this repository's history into
a tree of its own and installed into a virtualenv of its own, which reuses this checkout's
installed dependencies (its pins are checked to be this code's: identical versions, not a second
download). Its demo (scripts/demo.d: territory, themes, datasets with their files and review
states, the Opendatasoft-shaped harvest, the common datasets and their consolidation, the DataStore
tables) is loaded into databases and a Solr core of this test's own on the running stack. Then the
upgrade, in place: dependencies, this code, `ckan db upgrade`, the plugins' migrations, the
DataStore grants, the Solr schema (reloaded and the index rebuilt when it changed). Nothing may be
lost or changed: every dataset and organisation as package_show / organization_show answer it, the
harvest sources, objects and jobs, the DataStore tables and their records, the uploaded files
(by checksum) and the search answers. Everything the test made is dropped at its end.

Long (a few minutes): run by the operations run (`make cluster-test`), not by `make test`.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import secrets
import shlex
import shutil
import socket
import subprocess
import sys
import tarfile
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
STATE = Path(os.environ.get("METROPOLE_STATE_DIR") or ROOT / ".cache")
PG = ("127.0.0.1", 55432)
SOLR = "http://127.0.0.1:58983/solr"
REDIS = "redis://127.0.0.1:56379"
NAME = "ckan_upgrade_test"  # databases, Solr core, site id: this test's own
REDIS_DB = 63  # the stack starts 64; the test slots use 3..42


def previous_release() -> tuple[str, str]:
    """(version, commit) of the release before the current one in CHANGELOG.md."""
    releases = re.findall(
        r"^## \[?(\d+\.\d+\.\d+)\]?.*?commit `?([0-9a-f]{7,40})`?", (ROOT / "CHANGELOG.md").read_text(), re.M
    )
    assert releases, "CHANGELOG.md names no released commit"
    return releases[0]


def run(*args, env=None, cwd=None, stdin=None, timeout=900) -> str:
    done = subprocess.run(
        [str(a) for a in args],
        env={**os.environ, **(env or {})},
        cwd=cwd,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    assert done.returncode == 0, (
        f"{' '.join(map(str, args))} failed:\n{done.stdout[-3000:]}\n{done.stderr[-5000:]}"
    )
    return done.stdout


def psql(sql: str, db: str = "postgres", **kw) -> str:
    """As the cluster's superuser on its local socket (scripts/stack.sh does the same)."""
    command = shlex.split(f"psql -X -q -v ON_ERROR_STOP=1 -h /tmp -p {PG[1]} -U postgres -d {db}")
    return run(*command, *(("-c", sql) if sql else ()), **kw)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Release:
    """One release's tree and virtualenv, and its `ckan` on this test's databases."""

    def __init__(self, work: Path):
        self.work = work
        self.venv = work / "venv"
        self.python = self.venv / "bin" / "python"
        self.env = {
            "CKAN_SQLALCHEMY_URL": f"postgresql://ckan:ckan@{PG[0]}:{PG[1]}/{NAME}",
            "CKAN_DATASTORE_WRITE_URL": f"postgresql://ckan:ckan@{PG[0]}:{PG[1]}/{NAME}_datastore",
            "CKAN_DATASTORE_READ_URL": f"postgresql://datastore_ro:datastore_ro@{PG[0]}:{PG[1]}/{NAME}_datastore",
            "CKAN_SOLR_URL": f"{SOLR}/{NAME}",
            "CKAN_REDIS_URL": f"{REDIS}/{REDIS_DB}",
            "CKAN_SITE_ID": NAME,
            "CKAN_STORAGE_PATH": str(work / "storage"),
            # the demo serves its commune portal on the site's port (0.1.0 exits when it is
            # taken, and the stack's CKAN holds 5000): a free one
            "CKAN_SITE_URL": f"http://127.0.0.1:{_free_port()}",
        }

    def make_venv(self) -> None:
        """A virtualenv whose own site-packages come first (the release), then this checkout's
        (its dependencies, CKAN and the other extensions), without this checkout's own package."""
        run(sys.executable, "-m", "venv", "--without-pip", self.venv)
        own = next(self.venv.glob("lib/python3*/site-packages"))
        shared = next((ROOT / ".venv").glob("lib/python3*/site-packages"))
        (own / "_metropole_shared.py").write_text(
            "import os, site, sys\n"
            f"SHARED = {str(shared)!r}\n"
            "known = set(sys.path)\n"
            "sys.path.append(SHARED)\n"
            "for name in sorted(os.listdir(SHARED)):\n"
            "    if name.endswith('.pth') and 'ckanext_metropole' not in name:\n"
            "        site.addpackage(SHARED, name, known)\n"
            "# ckanext is a namespace of CKAN's making (its nspkg .pth): this venv's extension first\n"
            "own = os.path.join(os.path.dirname(__file__), 'ckanext')\n"
            "ns = sys.modules.get('ckanext')\n"
            "if ns is not None and own not in ns.__path__:\n"
            "    ns.__path__.insert(0, own)\n"
        )
        (own / "zz_metropole_shared.pth").write_text("import _metropole_shared\n")
        ckan = self.venv / "bin" / "ckan"
        ckan.write_text(f"#!{self.python}\nimport sys\nfrom ckan.cli.cli import ckan\nsys.exit(ckan())\n")
        ckan.chmod(0o755)

    def pip(self, *args) -> str:
        return run(
            ROOT / ".venv" / "bin" / "pip", "--python", self.python, "--disable-pip-version-check", *args
        )

    def install(self, tree: Path) -> None:
        # the release's dependencies (already there: shared), then the release itself
        self.pip("install", "-q", "--no-build-isolation", "-r", tree / "requirements.txt")
        self.pip("install", "-q", "--no-deps", "--no-build-isolation", tree)

    def write_ini(self, tree: Path) -> Path:
        """The release's own portal configuration (its config/development.ini.template), as
        scripts/stack.sh fills it; the addresses come from the environment (CKAN_*)."""
        values = {
            "SECRET_KEY": secrets.token_urlsafe(24),
            "JWT_SECRET": secrets.token_urlsafe(24),
            "ROOT": str(tree),
            "XLOADER_TOKEN": "NOT_SET",
            "POOL_SIZE": "5",
            "MAX_OVERFLOW": "5",
            "POOL_TIMEOUT": "30",
        }
        text = (tree / "config" / "development.ini.template").read_text()
        text = re.sub(r"@([A-Z_]+)@", lambda m: values[m.group(1)], text)
        ini = self.work / f"{tree.name}.ini"
        ini.write_text(text)
        return ini

    def ckan(self, ini: Path, *args, **kw) -> str:
        return run(self.venv / "bin" / "ckan", "-c", ini, *args, env=self.env, **kw)

    def state(self, ini: Path) -> dict:
        out = self.work / f"state-{time.monotonic_ns()}.json"
        run(self.python, ROOT / "tests_cluster" / "upgrade_state.py", ini, out, env=self.env, cwd=self.work)
        return json.loads(out.read_text())


def _tree(commit: str, target: Path) -> Path:
    target.mkdir(parents=True)
    archive = subprocess.run(
        ["git", "-C", str(ROOT), "archive", commit], capture_output=True, check=True
    ).stdout
    tar = target.parent / f"{target.name}.tar"
    tar.write_bytes(archive)
    with tarfile.open(tar) as t:
        t.extractall(target, filter="tar")
    tar.unlink()
    return target


def _pins(tree: Path) -> dict[str, str]:
    lines = (tree / "requirements.txt").read_text().splitlines()
    return dict(line.split("==", 1) for line in (x.split("#")[0].strip() for x in lines) if "==" in line)


def _solr(path: str) -> dict:
    with urllib.request.urlopen(f"{SOLR}/{path}", timeout=120) as answer:
        return json.load(answer)


def _conf(release: Release, target: Path) -> dict[str, bytes]:
    run(release.python, "-m", "ckanext.metropole.stack.solr_schema", target)
    return {p.name: p.read_bytes() for p in sorted(target.iterdir()) if p.is_file()}


def _drop_all(core_dir: Path) -> None:
    psql(f"DROP DATABASE IF EXISTS {NAME} WITH (FORCE)")
    psql(f"DROP DATABASE IF EXISTS {NAME}_datastore WITH (FORCE)")
    with contextlib.suppress(OSError):  # no such core
        _solr(f"admin/cores?action=UNLOAD&core={NAME}&deleteIndex=true&wt=json")
    shutil.rmtree(core_dir, ignore_errors=True)
    subprocess.run(["redis-cli", "-p", "56379", "-n", str(REDIS_DB), "flushdb"], capture_output=True)


@pytest.fixture
def upgrade_work(tmp_path):
    # the stack's services (in CI, `make test` stopped them): started if need be, and stopped
    # again only when this test started them all
    stack = ROOT / "scripts" / "stack.sh"
    was_down = not any(_port_open(port) for port in (PG[1], 56379, 58983))
    run("bash", stack, "start", "postgres", "redis", "solr")
    core_dir = STATE / "solr" / "home" / NAME
    _drop_all(core_dir)
    yield tmp_path, core_dir
    _drop_all(core_dir)
    if was_down:
        run("bash", stack, "stop")


def _port_open(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


# the previous release's demo and the upgrade: minutes, more than tests_cluster's default
@pytest.mark.timeout(1800)
def test_upgrade_from_the_previous_release_loses_and_changes_nothing(upgrade_work):
    work, core_dir = upgrade_work
    version, commit = previous_release()
    old_tree, new_tree = _tree(commit, work / "previous"), _tree("HEAD", work / "current")
    old_pins, new_pins = _pins(old_tree), _pins(new_tree)
    # the shared dependencies are the previous release's own versions, not newer ones
    assert {k: new_pins.get(k) for k in old_pins} == old_pins

    release = Release(work)
    release.make_venv()
    release.install(old_tree)
    assert release.pip("show", "ckanext-metropole").count(f"Version: {version}") == 1

    # a portal of the previous release, as its stack prepares one (scripts/stack.sh)
    psql(f"CREATE DATABASE {NAME} OWNER ckan ENCODING 'UTF8' TEMPLATE template0")
    psql(f"CREATE DATABASE {NAME}_datastore OWNER ckan ENCODING 'UTF8' TEMPLATE template0")
    old_ini = release.write_ini(old_tree)
    old_conf = _conf(release, core_dir / "conf")
    _solr(f"admin/cores?action=CREATE&name={NAME}&instanceDir={NAME}&dataDir=data&wt=json")
    release.ckan(old_ini, "db", "init")
    release.ckan(old_ini, "db", "pending-migrations", "--apply")
    psql("", db=f"{NAME}_datastore", stdin=release.ckan(old_ini, "datastore", "set-permissions"))
    for script in sorted((old_tree / "scripts" / "demo.d").glob("*.sh")):
        run(
            "bash",
            script,
            env={**release.env, "CKAN": str(release.venv / "bin" / "ckan"), "CKAN_INI": str(old_ini)},
        )
    before = release.state(old_ini)
    assert (
        len(before["datasets"]) >= 40
        and before["harvest_objects"]
        and before["datastore"]
        and before["files"]
    )
    assert {"submitted", "returned"} <= {state for _name, state in before["review_states"]}
    # the consolidated common datasets (jeu-commun-<id>) with their consolidated files
    assert {"jeu-commun-toilettes-publiques", "jeu-commun-stationnement"} <= set(before["datasets"])

    # the upgrade, README's steps
    release.install(new_tree)
    assert f"Version: {current_version()}" in release.pip("show", "ckanext-metropole")
    new_ini = release.write_ini(new_tree)
    release.ckan(new_ini, "db", "upgrade")
    release.ckan(new_ini, "db", "pending-migrations", "--apply")
    psql("", db=f"{NAME}_datastore", stdin=release.ckan(new_ini, "datastore", "set-permissions"))
    new_conf = _conf(release, work / "new-solr-conf")
    if new_conf != old_conf:
        shutil.copytree(work / "new-solr-conf", core_dir / "conf", dirs_exist_ok=True)
        _solr(f"admin/cores?action=RELOAD&core={NAME}&wt=json")
        release.ckan(new_ini, "search-index", "rebuild")
    after = release.state(new_ini)

    # what the previous release knew must be there, the same; what the new code adds to an
    # answer (a new schema field, a new computed key) is not a change
    assert not list(_lost_or_changed(before, after)), list(_lost_or_changed(before, after))[:20]


def _lost_or_changed(old, new, path="$"):
    if isinstance(old, dict) and isinstance(new, dict):
        for key, value in old.items():
            if key not in new:
                yield f"{path}.{key}: lost"
            else:
                yield from _lost_or_changed(value, new[key], f"{path}.{key}")
    elif isinstance(old, list) and isinstance(new, list) and len(old) == len(new):
        for i, (a, b) in enumerate(zip(old, new, strict=True)):
            yield from _lost_or_changed(a, b, f"{path}[{i}]")
    elif old != new:
        yield f"{path}: {str(old)[:120]!r} -> {str(new)[:120]!r}"


def current_version() -> str:
    import tomllib

    return tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]
