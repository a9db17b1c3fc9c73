"""PostgreSQL's own tools for a backup: pg_dump's custom format out, pg_restore in.

The databases are reached with the URLs CKAN is configured with (``sqlalchemy.url``,
``ckan.datastore.write_url``): the backup needs no other account than the portal's own.
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess

import sqlalchemy as sa


class ToolError(Exception):
    """A PostgreSQL tool failed; ``detail`` is what it printed."""

    def __init__(self, tool: str, detail: str):
        super().__init__(f"{tool}: {detail}")
        self.tool, self.detail = tool, detail


def libpq_url(url: str) -> str:
    """SQLAlchemy's ``postgresql+psycopg2://`` is a libpq URI once its driver is dropped."""
    scheme, rest = url.split("://", 1)
    return f"{scheme.split('+', 1)[0]}://{rest}"


def tool(name: str) -> str:
    """pg_dump / pg_restore on PATH, else the newest of Debian's /usr/lib/postgresql/N/bin."""
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), key=lambda p: int(p.split("/")[4]))
    if not candidates:
        raise ToolError(name, "not found (install postgresql-client)")
    return candidates[-1]


def _run(args: list[str]) -> None:
    # no password prompt ever: the URL carries it, or the operator's .pgpass / PGPASSWORD
    done = subprocess.run(args, capture_output=True, text=True, env={**os.environ, "PGCONNECT_TIMEOUT": "10"})
    if done.returncode != 0:
        raise ToolError(os.path.basename(args[0]), (done.stderr or done.stdout).strip()[-2000:])


def dump(url: str, path: str) -> None:
    # custom format: compressed, restorable table by table; the owners are left out (the
    # restoring portal's role owns what it restores), the grants kept (the DataStore's read role)
    _run([tool("pg_dump"), "--format=custom", "--no-owner", f"--file={path}", f"--dbname={libpq_url(url)}"])


def restore(url: str, path: str) -> None:
    # one transaction: a failed restore leaves the database as it was (emptied, see clear)
    _run(
        [
            tool("pg_restore"),
            "--no-owner",
            "--single-transaction",
            "--exit-on-error",
            f"--dbname={libpq_url(url)}",
            path,
        ]
    )


def clear(url: str) -> None:
    """Everything the portal's role owns in this database, dropped (its tables, views,
    functions, sequences): what a restore replaces. The database itself and its public
    schema stay, with their grants."""
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    try:
        with engine.begin() as conn:
            # a portal still running (web nodes, consumers) holds locks: fail, never wait forever
            conn.execute(sa.text("SET LOCAL lock_timeout = '30s'"))
            conn.execute(sa.text("DROP OWNED BY CURRENT_USER"))
    except sa.exc.DBAPIError as e:
        raise ToolError("DROP OWNED", str(e.orig).strip()) from e
    finally:
        engine.dispose()


def content(url: str) -> dict[str, int]:
    """Rows of the tables that say a portal lives here (absent tables: 0); the DataStore's
    tables (any other table of its database) counted as ``datastore_tables``."""
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as conn:
            tables = set(sa.inspect(conn).get_table_names())
            counts = {}
            for table in ("package", "group", "harvest_source"):
                counts[table] = (
                    conn.execute(sa.text(f'SELECT count(*) FROM "{table}"')).scalar()
                    if table in tables
                    else 0
                )
            counts["tables"] = len(tables)
            return counts
    finally:
        engine.dispose()
