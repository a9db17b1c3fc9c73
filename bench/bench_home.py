"""Home page under local load: 20 concurrent clients for 20 s against our portal and against
stock CKAN's home page, served from the same database and core (the benchmark portal,
bench/portal.py: the MEL and 10,000 datasets). Also counts the Solr requests of one home
render, read from Solr's own metrics, with the MEL's 95 communes and with another territory's
21 added (116; removed afterwards). Goals (issue 6): p50/p95 <= 1.2x; constant count.
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

from bench import portal
from bench.common import BENCH_OVERRIDES, ROOT, STOCK_PLUGINS, Ckan, full_plugins, ratio, run_variant, size

CLIENTS = size(20, 2)
SECONDS = size(20, 1)
# the territory added to the portal's for the second Solr count: Clermont Auvergne Métropole
# (21 communes; tiny: Montpellier, 31)
ADDED_EPCI = size("246300701", "243400017")
SOLR_CORE = BENCH_OVERRIDES["solr_url"]


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def serve(plugins: str):
    port = _port()
    env = {**os.environ, "BENCH_PLUGINS": plugins}
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "bench.cli",
            "run",
            "-H",
            "127.0.0.1",
            "-p",
            str(port),
            "--threaded",
            "--disable-reloader",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
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
    return {
        "p50": statistics.median(ordered),
        "p95": ordered[int(0.95 * (len(ordered) - 1))],
        "requests": len(ordered),
        "errors": len(errors),
    }


def solr_selects() -> int:
    core = SOLR_CORE.rsplit("/", 1)[1]
    params = {"group": "core", "prefix": "QUERY./select.requests", "wt": "json"}
    metrics = requests.get(SOLR_CORE.rsplit("/", 1)[0] + "/admin/metrics", params=params, timeout=10).json()
    values = metrics["metrics"][f"solr.core.{core}"]
    return int(next(iter(values.values())))


def territory(plugins: str, action: str) -> dict:
    """Add the territory ADDED_EPCI to the portal ("add") or purge its organisations again
    ("remove": the portal is kept for the next benchmark only while it holds its own alone);
    the number of communes the portal then has."""
    Ckan(plugins)
    from ckan.tests import helpers

    from ckanext.metropole.communes.reference import reference

    if action == "add":
        helpers.call_action("metropole_territory_load", epci=ADDED_EPCI)
    else:
        siren = reference().epci(ADDED_EPCI).siren
        for metro in helpers.call_action("metropole_territory_show"):
            if metro["siren"] == siren:
                for org in (*metro["communes"], metro):
                    helpers.call_action("organization_purge", id=org["id"])
    return {"communes": sum(len(m["communes"]) for m in helpers.call_action("metropole_territory_show"))}


def main() -> None:
    state = portal.ensure()
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
    from ckanext.metropole.communes.reference import reference

    communes = len(reference().epci(portal.EPCI).members)
    more = run_variant("bench.bench_home", full_plugins(), "add")["communes"]
    try:
        proc, url = serve(full_plugins())
        try:
            before = solr_selects()
            requests.get(url + "/", timeout=60)
            results["solr_more"] = solr_selects() - before
        finally:
            proc.terminate()
            proc.wait(20)
    finally:
        run_variant("bench.bench_home", full_plugins(), "remove")
    s, o = results["stock"], results["metropole"]
    print(
        f"home page, {CLIENTS} concurrent clients for {SECONDS} s, {state['datasets']} datasets "
        f"({portal.describe(state)}; CKAN's development server, threaded)"
    )
    print(f"{'':18}{'stock CKAN':>12}{'metropole':>12}{'ratio':>8}   goal <= 1.20x")
    for key in ("p50", "p95"):
        print(f"{key + ' ms':18}{s[key]:>12.1f}{o[key]:>12.1f}{ratio(o[key], s[key]):>8}")
    print(f"{'requests (errors)':18}{s['requests']:>8} ({s['errors']}){o['requests']:>8} ({o['errors']})")
    print(
        f"Solr /select requests per home render (Solr's own metrics), first render of a process: "
        f"stock CKAN {results['solr_stock'][0]}; ours with {communes} communes "
        f"{results['solr_metropole'][0]}, with {more} communes {results['solr_more']}; "
        f"ours within the cache delay {results['solr_metropole'][1]}"
    )


if __name__ == "__main__":
    print(json.dumps(territory(sys.argv[1], sys.argv[2])))
