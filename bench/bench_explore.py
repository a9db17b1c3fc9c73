"""Explore API (metropole_explore) against CKAN's DataStore API on a 1,000,000-row table: records
queries (filter + order, group_by aggregation) p95 against the same question asked to
datastore_search / datastore_search_sql, and the CSV export's time and peak memory against
CKAN's /datastore/dump. Both sides are served by the same gunicorn (test.ini's plugins: datastore
and metropole_explore), on the same table, in the same run; each export on a fresh server, so
that its peak memory is its own.
Goals (issue 27): queries p95 <= 1.0x CKAN's; export at least as fast as /datastore/dump, with a
peak of <= 100 MB for the whole table.
    python -m bench bench_explore
"""

from __future__ import annotations

import json
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlencode

import requests

from bench import portal
from bench.bench_load import STATE, serve, stop
from bench.common import BENCH_OVERRIDES, full_plugins, percentiles, ratio, run_variant, size

ROWS = size(1_000_000, 2_000)
RUNS = size(40, 3)
DATASET = "bench-explore"
COMMUNES = 95  # as the MEL's communes
PEAK_GOAL_MB = 100
SAME_COLUMNS = ["commune", "annee", "montant", "objet", "date_de_decision", "latitude", "longitude"]

# the table: subsidies of the communes (SCDL subventions' kind of columns)
FIELDS = [
    {"id": "Commune", "type": "text"},
    {"id": "Année", "type": "int"},
    {"id": "Montant", "type": "numeric"},
    {"id": "Objet", "type": "text"},
    {"id": "Date de décision", "type": "date"},
    {"id": "Latitude", "type": "numeric"},
    {"id": "Longitude", "type": "numeric"},
]
FILL = f"""
INSERT INTO {{table}} ("Commune", "Année", "Montant", "Objet", "Date de décision", "Latitude", "Longitude")
SELECT 'Commune ' || (i % {COMMUNES}), 2015 + i % 10, round((i::bigint * 7919 % 100000) / 10.0, 2),
       'Subvention n° ' || i || ' pour l''association ' || (i % 5000),
       date '2015-01-01' + (i % 3650), 50.5 + (i % 1000) / 10000.0, 3.0 + (i % 977) / 10000.0
FROM generate_series(1, {ROWS}) AS i
"""


# ---------------------------------------------------------------- the table (a variant process)


def prepare(plugins: str) -> dict:
    """The dataset and its DataStore table of ROWS rows, kept between runs when complete."""
    import ckan.plugins.toolkit as tk
    from ckanext.datastore.backend.postgres import get_write_engine, identifier

    from bench.common import Ckan

    ckan = Ckan(plugins)
    user = ckan.sysadmin()
    try:
        dataset = ckan.action("package_show", user, id=DATASET)
    except tk.ObjectNotFound:
        org = ckan.action("organization_list", user, limit=1)  # the benchmark portal's
        dataset = ckan.action(
            "package_create",
            user,
            name=DATASET,
            title="Subventions (benchmark)",
            owner_org=org[0] if org else None,
            theme=["administration"],
            license_id="lov2",
        )
    tables = [r for r in dataset.get("resources", []) if r.get("datastore_active")]
    if tables:
        rid = tables[0]["id"]
        if ckan.action("datastore_search", user, resource_id=rid, limit=0)["total"] == ROWS:
            return {"resource_id": rid, "seconds": 0.0}
        ckan.action("resource_delete", user, id=rid)
    # the table of a portal rebuilt since (its dataset gone with it) is dropped, not left behind
    kept = STATE / "explore-tables.json"  # {DataStore write URL: the table made there}
    made = json.loads(kept.read_text()) if kept.exists() else {}
    url = tk.config["ckan.datastore.write_url"]
    if url in made:
        with get_write_engine().begin() as connection:
            connection.exec_driver_sql(f"DROP TABLE IF EXISTS {identifier(made[url])}")
    started = time.perf_counter()
    created = ckan.action(
        "datastore_create",
        user,
        resource={"package_id": dataset["id"], "name": "subventions.csv", "format": "CSV"},
        fields=FIELDS,
        indexes=["Commune", "Montant"],
        force=True,
    )
    rid = created["resource_id"]
    with get_write_engine().begin() as connection:
        connection.exec_driver_sql(FILL.format(table=identifier(rid)).replace("%", "%%"))
        connection.exec_driver_sql(f"ANALYZE {identifier(rid)}")
    STATE.mkdir(parents=True, exist_ok=True)
    kept.write_text(json.dumps({**made, url: rid}))
    return {"resource_id": rid, "seconds": time.perf_counter() - started}


# ---------------------------------------------------------------- the measures


def timed(session, url: str) -> float:
    t0 = time.perf_counter()
    response = session.get(url, timeout=300)
    response.raise_for_status()
    return time.perf_counter() - t0


def p95s(session, ours: str, stock: str) -> tuple[float, float]:
    """p95 of each side, their requests interleaved: a burst of load elsewhere on the machine
    falls on both."""
    session.get(ours, timeout=300)  # warm-up (plans, caches)
    session.get(stock, timeout=300)
    samples = [(timed(session, ours), timed(session, stock)) for _ in range(RUNS)]
    return tuple(percentiles([sample[side] for sample in samples])["p95"] for side in (0, 1))


def queries(base: str, rid: str) -> list[tuple[str, str, str]]:
    """(label, ours, stock): the same question to both APIs."""
    explore = f"{base}/api/explore/v2.1/catalog/datasets/{DATASET}/records?"
    action = f"{base}/api/3/action/"
    sql = (
        f'SELECT "Commune", count(*) AS n, avg("Montant") AS m FROM "{rid}" '
        f'GROUP BY "Commune" ORDER BY n DESC LIMIT 100'
    )
    return [
        (
            "filter + order (20 rows, total)",
            explore + urlencode({"where": 'commune = "Commune 7"', "order_by": "montant desc", "limit": 20}),
            action
            + "datastore_search?"
            + urlencode(
                {"resource_id": rid, "filters": json.dumps({"Commune": "Commune 7"}), "sort": "Montant desc"}
                | {"limit": 20}
            ),
        ),
        (
            "group_by aggregation",
            explore
            + urlencode(
                {
                    "select": "count(*) as n, avg(montant) as m",
                    "group_by": "commune",
                    "order_by": "n desc",
                    "limit": 100,
                }
            ),
            action + "datastore_search_sql?" + urlencode({"sql": sql}),
        ),
    ]


def rss_mb(pgid: int) -> float:
    """Resident memory of the server's processes (its process group), in MB."""
    total = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            if int(fields[2]) == pgid:  # pgrp
                total += int(fields[21]) * 4096  # rss, in pages
        except (OSError, IndexError, ValueError):
            continue
    return total / 1e6


def export(label: str, path: str, server=None) -> dict:
    """One export on a server of its own (or ``server``'s, on a tiny size): seconds, bytes, peak
    memory above the idle server's."""
    proc, url = server or serve(f"explore-{label}", full_plugins())
    try:
        requests.get(url + "/api/3/action/status_show", timeout=60)
        idle = rss_mb(proc.pid)
        peak, done = [idle], threading.Event()

        def sample():
            while not done.wait(0.05):
                peak.append(rss_mb(proc.pid))

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        t0 = time.perf_counter()
        with requests.get(url + path, stream=True, timeout=3600) as response:
            response.raise_for_status()
            received = sum(len(chunk) for chunk in response.iter_content(1 << 16))
        seconds = time.perf_counter() - t0
        done.set()
        sampler.join()
        return {"seconds": seconds, "bytes": received, "peak_mb": max(peak) - idle}
    finally:
        if server is None:
            stop(proc)


def has_organisation() -> bool:
    """Whether the benchmark database already holds an organisation for the dataset (any state
    of the benchmark portal will do: its fingerprint, which changes with every edit of the
    code, is other benchmarks' business)."""
    import sqlalchemy as sa

    try:
        engine = sa.create_engine(BENCH_OVERRIDES["sqlalchemy.url"])
        with engine.connect() as connection:
            query = "SELECT count(*) FROM \"group\" WHERE is_organization AND state = 'active'"
            return connection.exec_driver_sql(query).scalar() > 0
    except sa.exc.DBAPIError:  # no tables yet
        return False


def main() -> None:
    if not has_organisation():
        portal.ensure()
    table = run_variant("bench.bench_explore", full_plugins(), "prepare")
    rid = table["resource_id"]
    made = f"filled in {table['seconds']:.0f} s" if table["seconds"] else "kept from an earlier run"
    print(f"table of {ROWS:,} rows ({made}); {RUNS} runs per query, one gunicorn for both sides")
    print(f"{'query':36}{'ours p95':>10}{'stock p95':>11}{'ratio':>8}   goal: ratio <= 1.00x")
    proc, url = server = serve("explore", full_plugins())
    shared = size(None, server)  # tiny (tests/test_bench.py): one server for everything
    try:
        session = requests.Session()
        for label, ours, stock in queries(url, rid):
            o, s = p95s(session, ours, stock)
            verdict = "OK" if o <= s else "OVER GOAL"
            print(f"{label:36}{o * 1000:>8.0f}ms{s * 1000:>9.0f}ms{ratio(o, s):>8}   {verdict}")
        # the columns of the dump (no geo_point_2d), without a BOM: the same bytes to write
        same = urlencode({"select": ", ".join(SAME_COLUMNS), "with_bom": "false"})
        ours = export("ours", f"/api/explore/v2.1/catalog/datasets/{DATASET}/exports/csv?{same}", shared)
        stock = export("stock", f"/datastore/dump/{rid}?format=csv", shared)
    finally:
        stop(proc)
    print(f"{'CSV export of every row':36}{'ours':>10}{'stock':>11}{'ratio':>8}")
    fast = "OK" if ours["seconds"] <= stock["seconds"] else "OVER GOAL"
    print(
        f"{'  time':36}{ours['seconds']:>9.1f}s{stock['seconds']:>10.1f}s"
        f"{ratio(ours['seconds'], stock['seconds']):>8}   goal: ratio <= 1.00x {fast}"
    )
    print(
        f"{'  peak memory above idle':36}{ours['peak_mb']:>8.0f}MB{stock['peak_mb']:>9.0f}MB{'':>8}"
        f"   goal: ours <= {PEAK_GOAL_MB} MB {'OK' if ours['peak_mb'] <= PEAK_GOAL_MB else 'OVER GOAL'}"
    )
    print(f"{'  size':36}{ours['bytes'] / 1e6:>8.0f}MB{stock['bytes'] / 1e6:>9.0f}MB")


if __name__ == "__main__":
    print(json.dumps(prepare(sys.argv[1]) if sys.argv[2:] == ["prepare"] else {}))
