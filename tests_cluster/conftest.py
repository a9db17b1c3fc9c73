"""The running cluster (scripts/cluster.sh test brings it up and takes it down) seen from the
tests: its nodes from `cluster.sh status`, a node killed with SIGKILL or started again, SQL on its
PostgreSQL servers, CKAN's commands with its configuration."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from pathlib import Path

import pytest
import requests

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "scripts" / "cluster.sh"
CKAN = ROOT / ".venv" / "bin" / "ckan"


class Cluster:
    def __init__(self):
        self.dir = Path(os.environ.get("METROPOLE_CLUSTER_DIR") or ROOT / ".cache" / "cluster")
        self.ini = self.dir / "cluster.ini"
        self.url = f"http://127.0.0.1:{os.environ.get('METROPOLE_CLUSTER_HTTP_PORT', '5000')}"

    def _script(self, *args, timeout=300) -> str:
        done = subprocess.run(
            ["bash", str(SCRIPT), *args], capture_output=True, text=True, timeout=timeout, cwd=ROOT
        )
        assert done.returncode == 0, f"cluster.sh {' '.join(args)}: {done.stderr[-2000:]}"
        return done.stdout

    def status(self) -> dict:
        return json.loads(self._script("status", timeout=60))

    def node(self, name: str) -> dict:
        return next(n for n in self.status()["nodes"] if n["name"] == name)

    def kill9(self, name: str) -> int:
        """SIGKILL to the node's whole process group (gunicorn's master and its workers)."""
        pid = self.node(name)["pid"]
        assert pid, f"{name} is not running"
        try:
            os.killpg(pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            os.kill(pid, signal.SIGKILL)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and _alive(pid):
            time.sleep(0.1)
        assert not _alive(pid), f"{name} (pid {pid}) survived SIGKILL"
        return pid

    def start(self, *names: str) -> None:
        self._script("start", *names)

    def stop(self, *names: str) -> None:
        self._script("stop", *names)

    def port(self, name: str) -> int:
        return int(self.node(name)["address"].rsplit(":", 1)[1].split("/")[0])

    def psql(self, sql: str, node: str = "postgres-primary", db: str = "ckan_dev") -> str:
        done = subprocess.run(
            [
                "psql",
                "-X",
                "-At",
                "-h",
                "/tmp",
                "-p",
                str(self.port(node)),
                "-U",
                "postgres",
                "-d",
                db,
                "-c",
                sql,
            ],
            capture_output=True,
            text=True,
            timeout=30,
        )
        assert done.returncode == 0, done.stderr
        return done.stdout.strip()

    def ckan(self, *args: str, ini: Path | None = None, timeout=120) -> str:
        done = subprocess.run(
            [str(CKAN), "-c", str(ini or self.ini), *args], capture_output=True, text=True, timeout=timeout
        )
        assert done.returncode == 0, done.stderr[-2000:]
        return done.stdout

    def action(self, action: str, token: str | None = None, /, timeout=30, **data) -> dict:
        headers = {"Authorization": token} if token else {}
        r = requests.post(f"{self.url}/api/3/action/{action}", json=data, headers=headers, timeout=timeout)
        body = r.json()
        assert body.get("success"), f"{action}: {r.status_code} {body.get('error')}"
        return body["result"]


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # a zombie of ours is dead too
    try:
        return Path(f"/proc/{pid}/stat").read_text().split()[2] != "Z"
    except OSError:
        return False


def wait_for(check, timeout: float, what: str, every: float = 0.5):
    """check() until it returns something true, at most timeout seconds."""
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        try:
            last = check()
        except (requests.RequestException, AssertionError, KeyError, ValueError) as e:
            last = e
        else:
            if last:
                return last
        time.sleep(every)
    raise AssertionError(f"{what}: not within {timeout:.0f} s (last: {last!r})")


@pytest.fixture(scope="session")
def cluster() -> Cluster:
    c = Cluster()
    down = [n["name"] for n in c.status()["nodes"] if not n["running"]]
    assert not down, f"nodes not running: {down} (make cluster-up)"
    return c


@pytest.fixture(scope="session")
def token(cluster) -> str:
    """An API token of the cluster's sysadmin (the stack's `admin`)."""
    return cluster.ckan("user", "token", "add", "admin", "cluster-tests").strip().splitlines()[-1].strip()


@pytest.fixture(scope="session")
def datasets(cluster) -> list[dict]:
    """The demo's datasets (make up's content, loaded by cluster-up)."""
    found = cluster.action("package_search", rows=20, fq="-dataset_type:harvest")["results"]
    assert len(found) >= 5, "the demo content is missing"
    return found
