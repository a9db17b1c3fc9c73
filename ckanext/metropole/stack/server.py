"""The production WSGI server of the portal (gunicorn), sized to the machine.

One place for the figures used by ``make up`` (scripts/stack.sh), the docker web container
and the load benchmark (bench/bench_load.py), so that all three serve CKAN the same way:

- ``workers`` processes (CPU-bound Python: one per core, plus one to cover the time a worker
  waits on PostgreSQL or Solr), each with ``threads`` threads (``gthread`` workers);
- a SQLAlchemy pool per process of ``threads`` connections (one per thread) plus as many in
  overflow: workers × threads connections in steady state, and a request never waits for a
  connection held by another (the pool of 5 + 10 ran dry under 200 clients: HTTP 500);
- ``pool_timeout``: a request that still cannot get a connection fails after 10 s instead
  of holding its client for 30 s.

``METROPOLE_WEB_WORKERS`` and ``METROPOLE_WEB_THREADS`` override the defaults.

    python -m ckanext.metropole.stack.server    # WEB_WORKERS=… WEB_THREADS=… POOL_SIZE=… MAX_OVERFLOW=…
"""

from __future__ import annotations

import os

MAX_WORKERS = 8
DEFAULT_THREADS = 4
POOL_TIMEOUT = 10


def sizing(cpus: int | None = None, environ=os.environ) -> dict[str, int]:
    if not cpus:
        cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    workers = int(environ.get("METROPOLE_WEB_WORKERS") or min(cpus + 1, MAX_WORKERS))
    threads = int(environ.get("METROPOLE_WEB_THREADS") or DEFAULT_THREADS)
    if workers < 1 or threads < 1:
        raise ValueError("METROPOLE_WEB_WORKERS and METROPOLE_WEB_THREADS must be at least 1")
    return {
        "workers": workers,
        "threads": threads,
        "pool_size": threads,
        "max_overflow": threads,
        "pool_timeout": POOL_TIMEOUT,
    }


def sqlalchemy_options(figures: dict[str, int] | None = None) -> dict[str, str]:
    """The ini options of the pool for a process of this server."""
    figures = figures or sizing()
    return {
        "sqlalchemy.pool_size": str(figures["pool_size"]),
        "sqlalchemy.max_overflow": str(figures["max_overflow"]),
        "sqlalchemy.pool_timeout": str(figures["pool_timeout"]),
    }


if __name__ == "__main__":
    s = sizing()
    print(
        f"WEB_WORKERS={s['workers']} WEB_THREADS={s['threads']} POOL_SIZE={s['pool_size']} "
        f"MAX_OVERFLOW={s['max_overflow']} POOL_TIMEOUT={s['pool_timeout']}"
    )
