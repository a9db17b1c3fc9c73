"""Every benchmark still runs to its end (on a tiny size, BENCH_TINY=1), so that a schema or
API change cannot silently break one: `make bench` must complete.

Each benchmark runs as `make bench` runs it (`python -m bench NAME`, its variants in
subprocesses), but on the test database, Solr core and Redis database instead of the
benchmarks' own. Its figures are not judged here (no timing in tests): only that it ends
and prints its table.
"""

from __future__ import annotations

import importlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import bench.__main__ as runner

ROOT = Path(__file__).resolve().parent.parent


def test_every_benchmark_module_is_found_and_has_a_main():
    found = runner.names()
    assert {
        "bench_harvest",
        "bench_stack",
        "bench_search",
        "bench_home",
        "bench_territory",
        "bench_load",
    } <= set(found)
    for name in found:
        module = importlib.import_module(f"bench.{name}")
        assert callable(module.main) and module.__doc__.strip(), name


def test_an_unknown_benchmark_is_refused(capsys):
    assert runner.main(["bench_nothing"]) == 2
    assert "unknown benchmark(s): bench_nothing" in capsys.readouterr().out


def _tiny(ckan_config) -> dict:
    """The environment of a benchmark on a tiny size, on the test database, core and Redis db."""
    return {
        **os.environ,
        "BENCH_TINY": "1",
        "CKAN_SQLALCHEMY_URL": ckan_config["sqlalchemy.url"],
        "CKAN_SOLR_URL": ckan_config["solr_url"],
        "CKAN_REDIS_URL": ckan_config["ckan.redis.url"],
    }


@pytest.mark.parametrize("name", runner.names())
def test_benchmark_runs_to_its_end_on_a_tiny_size(name, ckan_config):
    proc = subprocess.run(
        [sys.executable, "-m", "bench", name],
        cwd=ROOT,
        env=_tiny(ckan_config),
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, f"{name} failed:\n{proc.stdout[-2000:]}\n{proc.stderr[-4000:]}"
    assert f"## {name}:" in proc.stdout and f"({name} took" in proc.stdout
    assert "ratio" in proc.stdout or "goal" in proc.stdout  # its table was printed


def test_a_dataset_of_the_benchmark_portal_is_indexed_as_package_create_indexes_it(ckan_config):
    """bench/portal.py copies most datasets' rows from a template and has CKAN reindex them:
    such a copy's Solr document (its stored fields, data_dict among them, and its permission
    and quality terms, not stored) is the one package_create makes of the same form,
    identifiers and times aside."""
    from bench.common import full_plugins

    proc = subprocess.run(
        [sys.executable, "-m", "bench.portal", full_plugins(), "compare"],
        cwd=ROOT,
        env=_tiny(ckan_config),
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stderr[-4000:]
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    assert result["copied"], result["dataset"]
    assert {
        "data_dict",
        "validated_data_dict",
        "theme",
        "communes",
        "organization",
        "groups",
        "tags",
        "res_format",
        "minx",
        "permission_labels",
        "metropole_quality_org",
    } <= set(result["fields"])
    assert result["terms"]["permission_labels"] and result["terms"]["metropole_quality_org"]
    assert result["differences"] == {}
