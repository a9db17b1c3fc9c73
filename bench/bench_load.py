"""Load: 200 concurrent clients on /communes, /participation, the home page and package_search,
ours against stock CKAN's pages of the same weight, both served by gunicorn with the settings
of `make up` (ckanext/metropole/stack/gunicorn_conf.py) on a port of their own, on the same
database (the benchmark portal, bench/portal.py: 10,000 datasets, the MEL's 96 organisations),
in the same run.
Goal (issue 15): 0 errors, p95 within a few seconds.
    python -m bench bench_load

Stock pages of the same weight: /organization/ (every organisation with its dataset count,
as /communes), /dataset/ (a faceted search page, as /participation's per-commune figures),
stock's home page, and the same package_search call.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import requests

from bench import portal
from bench.common import BENCH_OVERRIDES, ROOT, STOCK_PLUGINS, full_plugins, percentiles, ratio, size

CLIENTS = size(200, 4)
REQUESTS_PER_CLIENT = size(2, 1)
TIMEOUT = 60  # seconds a client waits for one answer before counting an error
FACETS = json.dumps(["organization", "tags", "res_format", "license_id"])
SEARCH = f"/api/3/action/package_search?q=eau&rows=20&facet.field={FACETS}"
# (row label, our page, stock CKAN's page of the same weight)
PAGES = [
    ("/communes", "/communes", "/organization/"),
    ("/participation", "/participation", "/dataset/"),
    ("home page", "/", "/"),
    ("package_search", SEARCH, SEARCH),
]
STATE = ROOT / ".cache" / "bench"
# tiny (tests/test_bench.py): one worker per server, so that the check stays light
TINY_SERVER = size({}, {"METROPOLE_WEB_WORKERS": "1", "METROPOLE_WEB_THREADS": "2"})


# ---------------------------------------------------------------- the servers


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _ini(label: str, plugins: str, port: int) -> Path:
    """test.ini on the benchmark's database, with the plugins of the variant and the settings of
    a production portal: the burst cache and the anonymous page cache on (test.ini turns them
    off for the tests), the pool sized like make up's."""
    from ckanext.metropole.stack.server import sizing, sqlalchemy_options

    pool = sqlalchemy_options(sizing(environ={**os.environ, **TINY_SERVER}))
    options = {
        **BENCH_OVERRIDES,
        **pool,
        "ckan.plugins": plugins,
        "ckan.site_url": f"http://127.0.0.1:{port}",
        "ckanext.metropole.burst_cache_seconds": "5",
        "ckanext.metropole.page_cache_seconds": "5",
        "ckanext.metropole.home_cache_seconds": "5",
        "ckan.search.solr_commit": "false",
    }
    STATE.mkdir(parents=True, exist_ok=True)
    path = STATE / f"load-{label}.ini"
    path.write_text(
        "[app:main]\nuse = config:"
        + str(ROOT / "test.ini")
        + "\n"
        + "".join(f"{k} = {v}\n" for k, v in options.items())
    )
    return path


def serve(label: str, plugins: str):
    port = _port()
    log = STATE / f"load-{label}.log"
    env = {**os.environ, "CKAN_INI": str(_ini(label, plugins, port)), **TINY_SERVER}
    with open(log, "w") as out:
        command = [
            str(Path(sys.executable).parent / "gunicorn"),
            "-c",
            "python:ckanext.metropole.stack.gunicorn_conf",
            "--bind",
            f"127.0.0.1:{port}",
        ]
        proc = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
    url = f"http://127.0.0.1:{port}"
    for _ in range(240):
        if proc.poll() is not None:
            break
        try:
            if requests.get(url + "/api/3/action/status_show", timeout=5).ok:
                return proc, url
        except requests.RequestException:
            pass
        time.sleep(0.5)
    stop(proc)
    raise SystemExit(f"gunicorn ({label}) did not start: see {log}")


def stop(proc) -> None:
    import signal

    try:
        os.killpg(proc.pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    try:
        proc.wait(30)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(10)


# ---------------------------------------------------------------- the load


def burst(url: str) -> dict:
    """CLIENTS threads released together, each asking REQUESTS_PER_CLIENT times (bounded by
    TIMEOUT): latencies of the answers in 2xx, errors (other statuses, timeouts, refusals)."""
    samples, errors, hits, lock = [], [], [], threading.Lock()
    start = threading.Barrier(CLIENTS)

    def client():
        session = requests.Session()
        start.wait(120)
        for _ in range(REQUESTS_PER_CLIENT):
            t0 = time.perf_counter()
            try:
                response = session.get(url, timeout=TIMEOUT)
                ok, hit = response.ok, response.headers.get("X-Metropole-Cache") == "hit"
            except requests.RequestException:
                ok = hit = False
            with lock:
                (samples if ok else errors).append(time.perf_counter() - t0)
                hits.append(hit)

    threads = [threading.Thread(target=client, daemon=True) for _ in range(CLIENTS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(TIMEOUT * REQUESTS_PER_CLIENT + 180)
    total = len(samples) + len(errors)
    figures = percentiles(samples or [float("nan")])
    return {
        "p50": figures["p50"],
        "p95": figures["p95"],
        "errors": len(errors),
        "total": total,
        "hits": sum(hits),
    }


def measure(label: str, plugins: str, paths: list[str]) -> list[dict]:
    proc, url = serve(label, plugins)
    try:
        for path in paths:  # warm-up: templates compiled, caches of the process filled once
            requests.get(url + path, timeout=TIMEOUT)
        return [burst(url + path) for path in paths]
    finally:
        stop(proc)


def _load_average() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def main() -> None:
    from ckanext.metropole.stack.server import sizing

    state = portal.ensure()
    before = _load_average()
    ours = measure("ours", full_plugins(), [p[1] for p in PAGES])
    stock = measure("stock", STOCK_PLUGINS, [p[2] for p in PAGES])
    s = sizing(environ={**os.environ, **TINY_SERVER})
    print(
        f"{CLIENTS} concurrent clients x {REQUESTS_PER_CLIENT} requests per page, {state['datasets']} "
        f"datasets ({portal.describe(state)}), {state['organisations']} organisations; "
        f"gunicorn {s['workers']} workers x {s['threads']} threads, "
        f"pool {s['pool_size']}+{s['max_overflow']} per process; "
        f"load average {before} before, {_load_average()} after ({os.cpu_count()} CPUs)"
    )
    print(
        f"{'page (stock page)':48}{'ours p50':>9}{'p95':>8}{'err%':>7}{'stock p50':>10}{'p95':>8}"
        f"{'err%':>7}{'p95 ratio':>10}{'ours from cache':>16}   goal: 0 errors, p95 <= 5 s"
    )
    for (name, _, stock_path), o, st in zip(PAGES, ours, stock, strict=True):
        verdict = "OK" if o["errors"] == 0 and o["p95"] <= 5 else "OVER GOAL"
        label = f"{name} ({stock_path.split('?')[0]})"
        timed = o["p95"] == o["p95"] and st["p95"] == st["p95"]  # (NaN: no request succeeded)
        print(
            f"{label:48}{_s(o['p50']):>9}{_s(o['p95']):>8}{100 * o['errors'] / o['total']:>6.1f}%"
            f"{_s(st['p50']):>10}{_s(st['p95']):>8}{100 * st['errors'] / st['total']:>6.1f}%"
            f"{ratio(o['p95'], st['p95']) if timed else 'n/a':>10}"
            f"{100 * o['hits'] / o['total']:>15.1f}%   {verdict}"
        )
    print(
        "(stock CKAN renders every request; ours serves anonymous visitors from the page cache "
        "of ckanext/metropole/pagecache.py, 5 s per process)"
    )


def _s(seconds: float) -> str:
    """Seconds, or a dash when no request of the page succeeded (nothing to time)."""
    return "—" if seconds != seconds else f"{seconds:.2f}s"
