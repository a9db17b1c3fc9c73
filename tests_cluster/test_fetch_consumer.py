"""A fetch consumer killed (SIGKILL) in the middle of an import batch, the other one still running:
the next `harvester run` puts the dead consumer's batch back in the queue (ckanext-metropole's
recovery, ckanext.metropole.harvest.recover_after), the job finishes, and every dataset of the
source lands exactly once.

The commune portal is an Opendatasoft-shaped catalogue served by this test: N copies of the demo
portal's first dataset (demo/portals/chamalieres, itself an Explore API v2.1 answer)."""

import copy
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import psycopg2
import pytest
from conftest import ROOT, wait_for

DATASETS = 100  # two import batches (ckanext.metropole.harvest.import_batch: 50)
API = "/api/explore/v2.1/catalog/datasets"


def _catalogue(run: str) -> list[dict]:
    demo = ROOT / "demo" / "portals" / "chamalieres" / "datasets.json"
    template = json.loads(demo.read_text())["results"][0]
    out = []
    for i in range(DATASETS):
        d = copy.deepcopy(template)
        d["dataset_id"] = f"jeu-{run}-{i:03d}"
        d["dataset_uid"] = f"da_{run}_{i:03d}"
        d["metas"]["default"]["title"] = f"Jeu {run} n° {i:03d}"
        out.append(d)
    return out


@pytest.fixture
def portal():
    run = time.strftime("%H%M%S")
    catalogue = _catalogue(run)

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            url = urlsplit(self.path)
            if url.path != API:
                self.send_error(404)
                return
            q = parse_qs(url.query)
            offset, limit = int(q.get("offset", ["0"])[0]), int(q.get("limit", ["10"])[0])
            body = json.dumps({"total_count": len(catalogue), "results": catalogue[offset : offset + limit]})
            self.send_response(200)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.end_headers()
            self.wfile.write(body.encode())

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield run, f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def _socket_inodes(pid: int) -> set[str]:
    inodes = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            target = fd.readlink().name
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(target[8:-1])
    return inodes


def _port_owner(port: int, pids: dict[str, int]) -> str | None:
    """The node whose process holds the TCP socket bound locally to this port."""
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            if int(fields[1].rsplit(":", 1)[1], 16) == port:
                inodes.add(fields[9])
    return next((name for name, pid in pids.items() if inodes & _socket_inodes(pid)), None)


def _recovery_ini(cluster, tmp_path) -> Path:
    """cluster.ini with the recovery delay at 0: this test's `harvester run` is the next run."""
    ini = tmp_path / "recovery.ini"
    text = cluster.ini.read_text()
    ini.write_text(
        f"[app:main]\nuse = config:{cluster.ini}\nckanext.metropole.harvest.recover_after = 0\n\n"
        + text[text.index("[loggers]") :]
    )
    return ini


def test_fetch_consumer_killed_mid_batch(cluster, token, portal, tmp_path):
    run, url = portal
    source = cluster.action(
        "harvest_source_create",
        token,
        name=f"panne-{run}",
        title=f"Portail de test {run}",
        url=url,
        source_type="intercommunal",
        owner_org="chamalieres",
        frequency="MANUAL",
        config=json.dumps({"protocol": "opendatasoft", "publisher": "Ville de Chamalières"}),
    )
    consumers = {n: cluster.node(n)["pid"] for n in ("fetch1", "fetch2")}
    primary = cluster.port("postgres-primary")
    db = psycopg2.connect(host="/tmp", port=primary, user="postgres", dbname="ckan_dev")
    db.autocommit = True
    victim = None
    try:
        job = cluster.action("harvest_job_create", token, source_id=source["id"], run=True)
        # a batch imports in one transaction under an advisory lock: kill its consumer then
        deadline = time.monotonic() + 180
        with db.cursor() as cur:
            while victim is None and time.monotonic() < deadline:
                cur.execute(
                    "SELECT a.client_port FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid"
                    " WHERE l.locktype = 'advisory' AND l.granted AND a.datname = 'ckan_dev'"
                )
                for (port,) in cur.fetchall():
                    victim = _port_owner(port, consumers)
                    if victim:
                        break
                else:
                    time.sleep(0.02)
        assert victim, "no fetch consumer was seen importing a batch"
        cluster.kill9(victim)
        survivor = next(n for n in consumers if n != victim)
        assert cluster.node(survivor)["running"]

        ini = _recovery_ini(cluster, tmp_path)

        def finished():
            cluster.ckan("harvester", "run", ini=ini)
            return cluster.action("harvest_job_show", token, id=job["id"])["status"] == "Finished"

        wait_for(finished, 240, "the job finished", every=3)
        stats = cluster.action("harvest_job_show", token, id=job["id"])["stats"]
        assert stats.get("errored", 0) == 0 and stats.get("added", 0) == DATASETS, stats
        with db.cursor() as cur:
            cur.execute(
                "SELECT count(*), count(DISTINCT title) FROM package"
                " WHERE state = 'active' AND type = 'dataset' AND title LIKE %s",
                (f"Jeu {run} n° %",),
            )
            assert cur.fetchone() == (DATASETS, DATASETS)  # each once, never a second copy
        found = cluster.action("package_search", q=f'title:"Jeu {run}"', rows=0)["count"]
        assert found == DATASETS
    finally:
        db.close()
        if victim:
            cluster.start(victim)
        cluster.action("harvest_source_clear", token, id=source["id"], timeout=120)
