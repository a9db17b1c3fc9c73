"""Load: 200 concurrent clients on /communes, /participation, the home page and package_search,
ours against stock CKAN's pages of the same weight, both served by gunicorn with the settings
of `make up` (ckanext/metropole/stack/gunicorn_conf.py) on a port of their own, on the same
database (10,000 datasets, the MEL's 96 organisations), in the same run.
Goal (issue 15): 0 errors, p95 within a few seconds.
    python -m bench bench_load
    python -m bench.bench_load PLUGINS prepare     # (variant) fill the benchmark database

Stock pages of the same weight: /organization/ (every organisation with its dataset count,
as /communes), /dataset/ (a faceted search page, as /participation's per-commune figures),
stock's home page, and the same package_search call.

The database is filled once and kept while it holds the right numbers: the MEL through
metropole_territory_load, one dataset per theme through package_create (our schema, groups,
quality, CKAN's indexer with every plugin's hooks), then the others cloned from them in bulk:
rows inserted in one transaction, Solr documents copied from their template's with what
differs changed, added 500 at a time — minutes instead of ~17 min of package_create (or
~30 min of index_package on a busy machine).
"""
from __future__ import annotations

import copy
import json
import os
import socket
import subprocess
import sys
import threading
import time
import uuid
from datetime import datetime, timedelta
from pathlib import Path

import requests

from bench.common import (BENCH_OVERRIDES, ROOT, STOCK_PLUGINS, Ckan, full_plugins, percentiles, progress,
                          ratio, run_variant, size)

CLIENTS = size(200, 4)
REQUESTS_PER_CLIENT = size(2, 1)
DATASETS = size(10_000, 20)
EPCI = size("200093201", "246300701")  # the MEL (95 communes); tiny: Clermont (21)
PREFIX = "charge-"
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


# ---------------------------------------------------------------- the benchmark database

def _expected_organisations() -> int:
    from ckanext.metropole.communes.reference import reference

    return 1 + len(reference().epci(EPCI).members)


def _counts() -> tuple[int, int, int]:
    """(active organisations, our active datasets in the database, datasets Solr finds)."""
    import ckan.model as model
    import ckan.plugins.toolkit as tk

    try:
        orgs = model.Session.query(model.Group).filter(model.Group.is_organization.is_(True),
                                                       model.Group.state == "active").count()
        pkgs = model.Session.query(model.Package).filter(model.Package.name.like(PREFIX + "%"),
                                                         model.Package.state == "active").count()
    except Exception:  # an empty database: no tables yet
        model.Session.rollback()
        return 0, 0, 0
    indexed = tk.get_action("package_search")({"ignore_auth": True}, {"q": f"name:{PREFIX}*", "rows": 0})["count"]
    return orgs, pkgs, indexed


_rows_read: dict = {}


def _copy_rows(table, where, changes) -> list[dict]:
    """The rows of ``table`` matching ``where`` (read once per template), with ``changes``."""
    import ckan.model as model

    key = (table.name, str(where.compile(compile_kwargs={"literal_binds": True})))
    if key not in _rows_read:
        _rows_read[key] = [dict(r._mapping) for r in model.Session.execute(table.select().where(where))]
    return [{**r, **(changes(r) if callable(changes) else changes)} for r in _rows_read[key]]


def _clone(template: dict, i: int, org: dict, communes: list[str], when: datetime) -> tuple[dict, dict]:
    """A copy of a template dataset (package_show, unvalidated) as dataset number i."""
    new = copy.deepcopy(template)
    new_id = str(uuid.uuid4())
    stamp = when.isoformat()
    new.update(id=new_id, name=f"{PREFIX}{i}", title=f"Jeu de charge {i} — {org['title']}",
               notes=f"Jeu de données généré numéro {i}, eau et environnement de {org['title']}.",
               owner_org=org["id"], organization={**new["organization"], **org},
               metadata_created=stamp, metadata_modified=stamp)
    for extra in new.get("extras", []):
        if extra["key"] == "communes":
            extra["value"] = json.dumps(communes)
    if "communes" in new:
        new["communes"] = communes
    ids = {}
    for res in new.get("resources", []):
        ids[res["id"]] = res["id"] = str(uuid.uuid4())
        res["package_id"] = new_id
        res["url"] = f"http://127.0.0.1/charge/{i}.csv"
    return new, ids


def populate(ckan: Ckan, count: int) -> float:
    import ckan.model as model
    import ckan.plugins.toolkit as tk
    from ckan.tests import helpers

    from ckanext.metropole.dataset import vocabularies as v

    started = time.perf_counter()
    ckan.reset()
    helpers.call_action("metropole_territory_load", epci=EPCI)
    helpers.call_action("metropole_theme_groups_sync")
    user = ckan.sysadmin()
    orgs = [{"id": g.id, "name": g.name, "title": g.title, "insee": g.extras.get("insee_code")}
            for g in model.Session.query(model.Group).filter(model.Group.is_organization.is_(True),
                                                             model.Group.state == "active").order_by(model.Group.name)]
    themes = [t["id"] for t in v.themes()]
    # The templates: created as a commune agent's form would (schema, groups, quality, index).
    templates = []
    for i, theme in enumerate(themes[:min(len(themes), count)]):
        org = orgs[i % len(orgs)]
        created = ckan.action("package_create", user, name=f"{PREFIX}{i}", title=f"Jeu de charge {i} — {org['title']}",
                              notes=f"Jeu de données généré numéro {i}, eau et environnement.", owner_org=org["id"],
                              theme=[theme], license_id="lov2", frequency="ANNUAL",
                              tags=[{"name": "eau"}, {"name": f"lot-{i}"}],
                              resources=[{"url": f"http://127.0.0.1/charge/{i}.csv", "format": "CSV",
                                          "name": "Données"}])
        templates.append(tk.get_action("package_show")({"ignore_auth": True, "validate": False, "use_cache": False},
                                                       {"id": created["id"]}))
    base = datetime(2025, 1, 1)
    packages, extras, resources, members, tags, docs = [], [], [], [], [], []
    for i in range(len(templates), count):
        template = templates[i % len(templates)]
        org = orgs[i % len(orgs)]
        communes = [org["insee"]] if org["insee"] else sorted(o["insee"] for o in orgs if o["insee"])[:5]
        doc, res_ids = _clone(template, i, {k: org[k] for k in ("id", "name", "title")}, communes,
                              base + timedelta(minutes=i))
        doc.update(template_id=template["id"], communes=communes)
        pkg_table, tid = model.package_table, template["id"]
        packages += _copy_rows(pkg_table, pkg_table.c.id == tid, {
            "id": doc["id"], "name": doc["name"], "title": doc["title"], "notes": doc["notes"],
            "owner_org": org["id"], "metadata_created": base + timedelta(minutes=i),
            "metadata_modified": base + timedelta(minutes=i)})
        extras += _copy_rows(model.package_extra_table, model.package_extra_table.c.package_id == tid,
                             lambda r: {"id": str(uuid.uuid4()), "package_id": doc["id"],
                                        **({"value": json.dumps(communes)} if r["key"] == "communes" else {})})
        resources += _copy_rows(model.resource_table, model.resource_table.c.package_id == tid,
                                lambda r: {"id": res_ids.get(r["id"], str(uuid.uuid4())), "package_id": doc["id"],
                                           "url": f"http://127.0.0.1/charge/{i}.csv"})
        members += _copy_rows(model.member_table, (model.member_table.c.table_id == tid)
                              & (model.member_table.c.table_name == "package"),
                              lambda r: {"id": str(uuid.uuid4()), "table_id": doc["id"],
                                         **({"group_id": org["id"]} if r["group_id"] == template["owner_org"] else {})})
        tags += _copy_rows(model.package_tag_table, model.package_tag_table.c.package_id == tid,
                           lambda r: {"id": str(uuid.uuid4()), "package_id": doc["id"]})
        docs.append(doc)
    for table, rows in ((model.package_table, packages), (model.package_extra_table, extras),
                        (model.resource_table, resources), (model.member_table, members),
                        (model.package_tag_table, tags)):
        if rows:
            model.Session.execute(table.insert(), rows)
    model.Session.commit()
    _index_clones(templates, docs)
    return count / (time.perf_counter() - started)


def _index_clones(templates: list[dict], docs: list[dict]) -> None:
    """Index the clones by copying the Solr documents CKAN's indexer made for their template
    (with every plugin's index hooks), changing what differs, in batches: 10,000 calls of
    index_package (validation, hooks, one HTTP request each) take ~30 min on a busy machine."""
    import hashlib

    import ckan.model as model
    import ckan.plugins.toolkit as tk
    from ckan.lib import search
    from ckan.lib.plugins import get_permission_labels

    search.commit()
    conn = search.make_connection()
    site_id = tk.config.get("ckan.site_id")
    solr_docs, labels = {}, {}
    for t in templates:
        found = conn.search(q=f'id:"{t["id"]}"', fl="*", rows=1).docs
        if not found:
            raise SystemExit(f"template {t['name']} is not in Solr")
        solr_docs[t["id"]] = {k: v for k, v in found[0].items() if k not in ("_version_", "indexed_ts")}
        # permission_labels is not stored: ask CKAN's labels plugin, as its indexer does
        labels[t["id"]] = get_permission_labels().get_dataset_labels(model.Package.get(t["id"]))
    batch = []
    for doc in progress(docs, "datasets indexed"):
        template = next(t for t in templates if t["id"] == doc["template_id"])
        solr = dict(solr_docs[template["id"]])
        data = json.loads(solr["data_dict"])
        validated = json.loads(solr["validated_data_dict"])
        org = {k: doc["organization"][k] for k in ("id", "name", "title")}
        for d in (data, validated):
            d.update({k: doc[k] for k in ("id", "name", "title", "notes", "owner_org", "metadata_created",
                                          "metadata_modified")})
            d["organization"] = {**(d.get("organization") or {}), **org}
            for res, new_res in zip(d.get("resources", []), doc.get("resources", [])):
                res.update(id=new_res["id"], package_id=doc["id"], url=new_res["url"])
            if isinstance(d.get("communes"), list):
                d["communes"] = doc["communes"]
            for extra in d.get("extras", []):
                if extra["key"] == "communes":
                    extra["value"] = json.dumps(doc["communes"])
        solr.update(id=doc["id"], name=doc["name"], name_ngram=doc["name"], title=doc["title"],
                    title_ngram=doc["title"], title_string=doc["title"], notes=doc["notes"],
                    metadata_created=doc["metadata_created"] + "Z", metadata_modified=doc["metadata_modified"] + "Z",
                    organization=org["name"], communes=doc["communes"], extras_communes=json.dumps(doc["communes"]),
                    res_url=[r["url"] for r in doc.get("resources", [])],
                    index_id=hashlib.md5(f"{doc['id']}{site_id}".encode()).hexdigest(),
                    permission_labels=[label.replace(template["owner_org"], org["id"])
                                       for label in labels[template["id"]]],
                    data_dict=json.dumps(data), validated_data_dict=json.dumps(validated))
        if "owner_org" in solr:
            solr["owner_org"] = org["id"]
        batch.append(solr)
        if len(batch) == 500:
            conn.add(batch, commit=False)
            batch = []
    if batch:
        conn.add(batch, commit=False)
    search.commit()


def prepare(plugins: str) -> dict:
    ckan = Ckan(plugins)
    want = (_expected_organisations(), DATASETS, DATASETS)
    rate = None
    if _counts() != want:
        rate = populate(ckan, DATASETS)
    found = _counts()
    if found != want:
        raise SystemExit(f"the benchmark database holds {found} (organisations, datasets, indexed), {want} expected")
    return {"organisations": found[0], "datasets": found[1], "rate": rate}


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

    options = {**BENCH_OVERRIDES, **sqlalchemy_options(sizing(environ={**os.environ, **TINY_SERVER})), "ckan.plugins": plugins,
               "ckan.site_url": f"http://127.0.0.1:{port}", "ckanext.metropole.burst_cache_seconds": "5",
               "ckanext.metropole.page_cache_seconds": "5",
               "ckanext.metropole.home_cache_seconds": "5", "ckan.search.solr_commit": "false"}
    STATE.mkdir(parents=True, exist_ok=True)
    path = STATE / f"load-{label}.ini"
    path.write_text("[app:main]\nuse = config:" + str(ROOT / "test.ini") + "\n"
                    + "".join(f"{k} = {v}\n" for k, v in options.items()))
    return path


def serve(label: str, plugins: str):
    port = _port()
    log = STATE / f"load-{label}.log"
    env = {**os.environ, "CKAN_INI": str(_ini(label, plugins, port)), **TINY_SERVER}
    with open(log, "w") as out:
        proc = subprocess.Popen([str(Path(sys.executable).parent / "gunicorn"), "-c",
                                 "python:ckanext.metropole.stack.gunicorn_conf", "--bind", f"127.0.0.1:{port}"],
                                cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
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
    return {"p50": figures["p50"], "p95": figures["p95"], "errors": len(errors), "total": total,
            "hits": sum(hits)}


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

    state = run_variant("bench.bench_load", full_plugins(), "prepare")
    before = _load_average()
    ours = measure("ours", full_plugins(), [p[1] for p in PAGES])
    stock = measure("stock", STOCK_PLUGINS, [p[2] for p in PAGES])
    s = sizing(environ={**os.environ, **TINY_SERVER})
    made = f"filled at {state['rate']:.0f} datasets/s" if state["rate"] else "kept from an earlier run"
    print(f"{CLIENTS} concurrent clients x {REQUESTS_PER_CLIENT} requests per page, {state['datasets']} datasets "
          f"({made}), {state['organisations']} organisations; gunicorn {s['workers']} workers x {s['threads']} "
          f"threads, pool {s['pool_size']}+{s['max_overflow']} per process; load average {before} before, "
          f"{_load_average()} after ({os.cpu_count()} CPUs)")
    print(f"{'page (stock page)':48}{'ours p50':>9}{'p95':>8}{'err%':>7}{'stock p50':>10}{'p95':>8}{'err%':>7}"
          f"{'p95 ratio':>10}{'ours from cache':>16}   goal: 0 errors, p95 <= 5 s")
    for (name, _, stock_path), o, st in zip(PAGES, ours, stock):
        verdict = "OK" if o["errors"] == 0 and o["p95"] <= 5 else "OVER GOAL"
        label = f"{name} ({stock_path.split('?')[0]})"
        print(f"{label:48}{_s(o['p50']):>9}{_s(o['p95']):>8}{100 * o['errors'] / o['total']:>6.1f}%"
              f"{_s(st['p50']):>10}{_s(st['p95']):>8}{100 * st['errors'] / st['total']:>6.1f}%"
              f"{ratio(o['p95'], st['p95']) if o['p95'] == o['p95'] and st['p95'] == st['p95'] else 'n/a':>10}"
              f"{100 * o['hits'] / o['total']:>15.1f}%   {verdict}")
    print("(stock CKAN renders every request; ours serves anonymous visitors from the page cache "
          "of ckanext/metropole/pagecache.py, 5 s per process)")


def _s(seconds: float) -> str:
    """Seconds, or a dash when no request of the page succeeded (nothing to time)."""
    return "—" if seconds != seconds else f"{seconds:.2f}s"


if __name__ == "__main__":
    print(json.dumps(prepare(sys.argv[1])))
