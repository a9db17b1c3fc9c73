"""Expensive set-ups built once per test process, then restored from a snapshot of the database.

Loading a territory (22 organisations with their extras, members and activities) takes seconds;
hundreds of tests start from one, right after ``clean_db``. ``setup_once(name, build)`` runs
``build`` the first time, copies every table's rows (PostgreSQL ``COPY``), and for the next
test that asks for the same set-up on a database still as ``clean_db`` left it, deletes and
copies the same rows back: the same ids, names, dates and activities as a fresh build, in
milliseconds. Every test still gets its own database state; nothing is shared between tests.

A snapshot is only taken and used when it is exact:
- the database must be as ``clean_db`` left it (a test that wrote first builds for real);
- the set-up must have written nothing outside PostgreSQL: no Solr document of this site and
  no job queued (such a set-up is built for real every time);
- the key holds CKAN's configuration (a ``ckan_config`` mark or a plugin list builds its own
  snapshot) and whether the clock is frozen (freezegun).
"""

from __future__ import annotations

import copy
import datetime
import hashlib
import io
from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")
_UNCACHEABLE = object()
_snapshots: dict[tuple, Any] = {}
_MAX_SNAPSHOTS = 16
_clean_counts: dict[str, int] | None = None

# Values that change between tests without changing what a set-up writes: the file store is
# a tmp_path; ckanext-spatial appends its query parser to a shared list at every plugin load.
_VOLATILE_OPTIONS = {"ckan.storage_path", "ckan.search.solr_allowed_query_parsers"}


def _tables(connection) -> list[str]:
    """CKAN's tables and the plugins' (one metadata), parents before children."""
    import ckan.model as model
    import sqlalchemy as sa

    present = set(sa.inspect(connection).get_table_names())
    return [
        t.name for t in model.meta.metadata.sorted_tables if t.name in present and t.name != "alembic_version"
    ]


def _counts() -> dict[str, int]:
    import ckan.model as model

    with model.meta.engine.connect() as connection:
        tables = _tables(connection)
        sql = " UNION ALL ".join(f"SELECT '{t}', count(*) FROM \"{t}\"" for t in tables)
        return dict(connection.exec_driver_sql(sql).fetchall())


def mark_clean() -> None:
    """Called by ``clean_db``: what a database just reset holds."""
    global _clean_counts
    _clean_counts = _counts()


def forget_clean() -> None:
    global _clean_counts
    _clean_counts = None


def _fresh() -> bool:
    return _clean_counts is not None and _counts() == _clean_counts


def _key(name: str) -> tuple:
    from ckan.common import config

    options = sorted((k, repr(v)) for k, v in config.items() if k not in _VOLATILE_OPTIONS)
    digest = hashlib.sha256(repr(options).encode()).hexdigest()
    frozen = type(datetime.datetime.now()).__name__ != "datetime"
    return name, digest, frozen


def _side_effects() -> tuple:
    """What a set-up may leave outside PostgreSQL: Solr documents of this site, queued jobs."""
    from ckan.common import config
    from ckan.lib import redis
    from ckan.lib.search.common import make_connection

    hits = make_connection().search(q="*:*", fq=f'+site_id:"{config["ckan.site_id"]}"', rows=0).hits
    conn = redis.connect_to_redis()
    queued = sorted((key, conn.llen(key)) for key in conn.scan_iter("rq:queue:*"))
    return hits, queued


def _dump() -> list[tuple[str, bytes]]:
    import ckan.model as model

    raw = model.meta.engine.raw_connection()
    try:
        cursor = raw.cursor()
        tables = _tables(model.meta.engine)
        rows = []
        for table in tables:
            buffer = io.BytesIO()
            cursor.copy_expert(f'COPY "{table}" TO STDOUT (FORMAT binary)', buffer)
            rows.append((table, buffer.getvalue()))
        raw.commit()
        return rows
    finally:
        raw.close()


def _restore(rows: list[tuple[str, bytes]]) -> None:
    import ckan.model as model

    model.Session.remove()
    raw = model.meta.engine.raw_connection()
    try:
        cursor = raw.cursor()
        for table, _ in reversed(rows):
            cursor.execute(f'DELETE FROM "{table}"')
        for table, data in rows:
            cursor.copy_expert(f'COPY "{table}" FROM STDIN (FORMAT binary)', io.BytesIO(data))
        raw.commit()
    finally:
        raw.close()


def setup_once(name: str, build: Callable[[], T]) -> T:
    """``build()``'s result, built for real or restored (see the module's docstring)."""
    if not _fresh():
        return build()
    key = _key(name)
    snapshot = _snapshots.get(key)
    if snapshot is _UNCACHEABLE:
        return build()
    if snapshot is not None:
        rows, result = snapshot
        _restore(rows)
        return copy.deepcopy(result)
    before = _side_effects()
    result = build()
    if len(_snapshots) >= _MAX_SNAPSHOTS:  # keys that never repeat (a per-test option): bounded
        _snapshots.pop(next(iter(_snapshots)))
    if _side_effects() != before:
        _snapshots[key] = _UNCACHEABLE
    else:
        import ckan.model as model

        model.Session.commit()
        _snapshots[key] = (_dump(), copy.deepcopy(result))
    return result
