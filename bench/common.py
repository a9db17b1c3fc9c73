"""Shared benchmark plumbing: a CKAN variant per subprocess, on the test database/core.

Each variant runs in its own process (plugins are process-wide in CKAN) against the test
database and Solr core, which are wiped first: benchmarks never touch the demo portal.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TEST_INI = ROOT / "test.ini"
STOCK_PLUGINS = "activity"
# test.ini, on the benchmarks' own database, Solr core and Redis database (scripts/stack.sh),
# unless CKAN's own environment variables name others (CKAN would let them win anyway; naming
# them here keeps what the benchmarks print and query, e.g. Solr's metrics, on the same ones).
BENCH_OVERRIDES = {
    "sqlalchemy.url": os.environ.get("CKAN_SQLALCHEMY_URL")
    or "postgresql://ckan:ckan@127.0.0.1:55432/ckan_bench",
    "solr_url": os.environ.get("CKAN_SOLR_URL") or "http://127.0.0.1:58983/solr/ckan_bench",
    "ckan.redis.url": os.environ.get("CKAN_REDIS_URL") or "redis://127.0.0.1:56379/2",
}
BENCH_OVERRIDES["ckan.harvest.mq.redis_db"] = BENCH_OVERRIDES["ckan.redis.url"].rsplit("/", 1)[-1] or "0"
# BENCH_TINY=1: every benchmark on a tiny size, to check that it still runs to its end
# (tests/test_bench.py); its figures then mean nothing.
TINY = os.environ.get("BENCH_TINY") == "1"


def size(normal, tiny):
    """The benchmark's real size, or its tiny one under BENCH_TINY=1."""
    return tiny if TINY else normal


def full_plugins() -> str:
    from ckan.cli import load_config

    return " ".join(load_config(str(TEST_INI))["ckan.plugins"].split())


def run_variant(module: str, plugins: str, *args: str) -> dict:
    """Run ``python -m MODULE PLUGINS ARGS...`` and return the JSON it prints last. Its
    standard error (progress bars, errors) goes straight to ours."""
    proc = subprocess.run(
        [sys.executable, "-m", module, plugins, *args],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
        timeout=3600,
    )
    if proc.returncode != 0:
        raise SystemExit(f"{module} failed ({plugins}): see its error above")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def progress(iterable, label: str, total: int | None = None):
    """A progress bar on standard error (count, rate, time left) for a long step."""
    from tqdm import tqdm

    return tqdm(iterable, desc=label, total=total, file=sys.stderr, mininterval=2, ascii=True)


class Ckan:
    """CKAN loaded from test.ini with the given plugins, inside a request context."""

    def __init__(self, plugins: str):
        from ckan.cli import load_config
        from ckan.config.middleware import make_app

        conf = load_config(str(TEST_INI))
        conf.update(BENCH_OVERRIDES)
        conf["ckan.plugins"] = plugins
        # Bulk loading: let Solr commit on its own schedule (solrconfig's autoSoftCommit),
        # the benchmarks commit explicitly before measuring.
        conf["ckan.search.solr_commit"] = "false"
        self.app = make_app(conf)
        self.context = self.app._wsgi_app.test_request_context()
        self.context.push()

    def reset(self) -> None:
        import ckan.model as model
        import ckan.plugins as plugins_api
        from ckan.cli.db import _run_migrations
        from ckan.lib import search

        model.Session.close_all()
        engine = model.meta.engine
        model.repo.rebuild_db()
        for plugin in ("activity", "harvest"):
            if plugins_api.plugin_loaded(plugin):  # a variant without it has no tables to add
                _run_migrations(plugin)
        search.clear_all()
        # CKAN's migration env leaves the session on a NullPool engine (a new connection per
        # commit): measure CKAN as it runs in production, on its pooled engine.
        model.Session.remove()
        model.init_model(engine)

    def sysadmin(self) -> str:
        import ckan.plugins.toolkit as tk

        return tk.get_action("get_site_user")({"ignore_auth": True}, {})["name"]

    def action(self, action_name: str, user: str, **data):
        import ckan.plugins.toolkit as tk

        return tk.get_action(action_name)({"user": user, "ignore_auth": True}, data)


def percentiles(samples: list[float]) -> dict:
    ordered = sorted(samples)
    return {
        "p50": statistics.median(ordered),
        "p95": ordered[int(0.95 * (len(ordered) - 1))],
        "n": len(ordered),
    }


def ratio(ours: float, stock: float) -> str:
    return f"{ours / stock:.2f}x" if stock else "n/a"
