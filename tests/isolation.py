"""Where one pytest process of the suite keeps its state.

``make test`` runs the suite in pytest-xdist workers (scripts/stack.sh); each worker has its
own PostgreSQL databases, Solr core, Redis database, CKAN site id (ckanext-harvest names its
queues after it) and file store, so that no test sees another's writes. Worker 0 of the
default slot uses test.ini's own names; worker K > 0 adds ``_gwK``, a developer's slot S
(``METROPOLE_TEST_SLOT``: two suites side by side on one machine) adds ``_sS``.

CKAN reads these through its ``CKAN_*`` environment variables (ckan.config.environment), which
every process a test starts (``ckan run``, ``ckan jobs worker``, the CLI) inherits.
scripts/stack.sh prepares the same names: ``python tests/isolation.py SLOT WORKER`` prints
them as shell assignments.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PG = "127.0.0.1:55432"
SOLR = "http://127.0.0.1:58983/solr"
REDIS = "redis://127.0.0.1:56379"
WORKERS_PER_SLOT = 4


def suffix(slot: int, worker: int) -> str:
    return (f"_s{slot}" if slot else "") + (f"_gw{worker}" if worker else "")


def environment(slot: int, worker: int) -> dict[str, str]:
    """The CKAN_* variables of one worker; empty for test.ini's own names."""
    if not slot and not worker:
        return {}
    if not 0 <= worker < WORKERS_PER_SLOT or not 0 <= slot <= 9:
        raise ValueError(f"no test slot for slot {slot}, worker {worker}")
    end = suffix(slot, worker)
    # Redis: 0 is the portal's, 1 test.ini's, 2 the benchmarks' (stack.sh starts 64: up to 42 here)
    redis_db = 3 + slot * WORKERS_PER_SLOT + worker
    return {
        "CKAN_SQLALCHEMY_URL": f"postgresql://ckan:ckan@{PG}/ckan_test{end}",
        "CKAN_DATASTORE_WRITE_URL": f"postgresql://ckan:ckan@{PG}/ckan_test{end}_datastore",
        "CKAN_DATASTORE_READ_URL": f"postgresql://datastore_ro:datastore_ro@{PG}/ckan_test{end}_datastore",
        "CKAN_SOLR_URL": f"{SOLR}/ckan_test{end}",
        "CKAN_REDIS_URL": f"{REDIS}/{redis_db}",
        "CKAN_SITE_ID": f"metropole_test{end}",
        "CKAN_STORAGE_PATH": str(ROOT / ".cache" / f"storage-test{end}"),
    }


def current() -> tuple[int, int]:
    """(slot, worker) of this process: METROPOLE_TEST_SLOT and pytest-xdist's worker id."""
    slot = int(os.environ.get("METROPOLE_TEST_SLOT") or 0)
    worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0")
    return slot, int(worker[2:])


def apply() -> dict[str, str]:
    env = environment(*current())
    os.environ.update(env)
    return env


if __name__ == "__main__":
    for key, value in environment(int(sys.argv[1]), int(sys.argv[2])).items():
        print(f"export {key}='{value}'")
