"""Home page under local load: 20 concurrent clients for 20 s against our portal and against
stock CKAN's home page, served from the same database and core (left by bench_search, or a
small territory). Also counts the Solr requests of one home render, read from Solr's own
metrics, with 21 and with 116 communes. Goals (issue 6): p50/p95 <= 1.2x; constant count.
    python -m bench bench_home
"""
from __future__ import annotations

import json
import os
import socket
import statistics
import subprocess
import sys
import threading
import time

import requests

from bench.common import BENCH_OVERRIDES, ROOT, STOCK_PLUGINS, Ckan, full_plugins, ratio, run_variant, size

CLIENTS = size(20, 2)
SECONDS = size(20, 1)
# the big territory added for the second Solr count (tiny: Montpellier, 31 communes)
BIG_EPCI = size("200093201", "243400017")
SOLR_CORE = BENCH_OVERRIDES["solr_url"]


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def serve(plugins: str):
    port = _port()
    env = {**os.environ, "BENCH_PLUGINS": plugins}
    proc = subprocess.Popen([sys.executable, "-m", "bench.cli", "run", "-H", "127.0.0.1", "-p", str(port),
                             "--threaded", "--disable-reloader"], cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    for _ in range(180):
        try:
            if requests.get(url + "/api/3/action/status_show", timeout=2).ok:
                return proc, url
        except requests.RequestException:
            time.sleep(0.5)
    proc.kill()
    raise SystemExit(f"CKAN ({plugins}) did not start")


def load(url: str) -> dict:
    samples, errors = [], []
    deadline = time.monotonic() + SECONDS

    def client():
        session = requests.Session()
        while time.monotonic() < deadline:
            t0 = time.perf_counter()
            r = session.get(url + "/", timeout=30)
            (samples if r.ok else errors).append((time.perf_counter() - t0) * 1000)

    threads = [threading.Thread(target=client) for _ in range(CLIENTS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    ordered = sorted(samples)
    return {"p50": statistics.median(ordered), "p95": ordered[int(0.95 * (len(ordered) - 1))],
            "requests": len(ordered), "errors": len(errors)}


def solr_selects() -> int:
    core = SOLR_CORE.rsplit("/", 1)[1]
    metrics = requests.get(SOLR_CORE.rsplit("/", 1)[0] + "/admin/metrics",
                           params={"group": "core", "prefix": "QUERY./select.requests", "wt": "json"}, timeout=10).json()
    values = metrics["metrics"][f"solr.core.{core}"]
    return int(next(iter(values.values())))


def prepare(plugins: str) -> dict:
    """Make sure the bench database has a territory and datasets (bench_search leaves 10,000)."""
    ckan = Ckan(plugins)
    import ckan.model as model
    from ckan.tests import helpers

    from ckanext.metropole.communes.reference import reference

    def metropoles():
        return helpers.call_action("metropole_territory_show")

    if not metropoles():
        ckan.reset()
        helpers.call_action("metropole_territory_load", epci="246300701")
        helpers.call_action("metropole_theme_groups_sync")
    return {"datasets": model.Session.query(model.Package).filter_by(state="active").count(),
            "mel": any(m["siren"] == reference().epci(BIG_EPCI).siren for m in metropoles())}


def add_mel(plugins: str) -> dict:
    Ckan(plugins)
    from ckan.tests import helpers

    helpers.call_action("metropole_territory_load", epci=BIG_EPCI)
    return {"ok": True}


def main() -> None:
    state = run_variant("bench.bench_home", full_plugins(), "prepare")
    results = {}
    for label, plugins in (("stock", STOCK_PLUGINS), ("metropole", full_plugins())):
        proc, url = serve(plugins)
        try:
            counts = []
            for _ in range(2):  # a first render (cold cache), then one within the cache delay
                before = solr_selects()
                requests.get(url + "/", timeout=60)
                counts.append(solr_selects() - before)
            results[f"solr_{label}"] = counts
            results[label] = load(url)
        finally:
            proc.terminate()
            proc.wait(20)
    if not state["mel"]:
        run_variant("bench.bench_home", full_plugins(), "add_mel")
    proc, url = serve(full_plugins())
    try:
        before = solr_selects()
        requests.get(url + "/", timeout=60)
        results["solr_116"] = solr_selects() - before
    finally:
        proc.terminate()
        proc.wait(20)
    s, o = results["stock"], results["metropole"]
    print(f"home page, {CLIENTS} concurrent clients for {SECONDS} s, {state['datasets']} datasets "
          f"(CKAN's development server, threaded)")
    print(f"{'':18}{'stock CKAN':>12}{'metropole':>12}{'ratio':>8}   goal <= 1.20x")
    for key in ("p50", "p95"):
        print(f"{key + ' ms':18}{s[key]:>12.1f}{o[key]:>12.1f}{ratio(o[key], s[key]):>8}")
    print(f"{'requests (errors)':18}{s['requests']:>8} ({s['errors']}){o['requests']:>8} ({o['errors']})")
    print(f"Solr /select requests per home render (Solr's own metrics), first render of a process: "
          f"stock CKAN {results['solr_stock'][0]}; ours with 21 communes {results['solr_metropole'][0]}, "
          f"with 116 communes {results['solr_116']}; ours within the cache delay {results['solr_metropole'][1]}")


if __name__ == "__main__":
    action = sys.argv[2]
    print(json.dumps(prepare(sys.argv[1]) if action == "prepare" else add_mel(sys.argv[1])))
