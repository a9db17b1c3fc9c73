"""One records query of the Explore API: its parameters compiled to SQL on a DataStore table,
run on the DataStore's read-only connection with a statement timeout."""

from __future__ import annotations

import contextlib
import datetime
import decimal
import json
import zoneinfo
from dataclasses import dataclass, field

import ckan.plugins.toolkit as tk
import psycopg2
from ckanext.datastore.backend.postgres import _get_type, get_read_engine, identifier

from . import fields as table
from .odsql import Compiler, Expr, Field, ODSQLError, quote

# ODS's bounds (its InvalidRESTParameterError messages): limit in [-1, 100], offset + limit <= 10,000
MAX_LIMIT = 100
MAX_WINDOW = 10_000
DEFAULT_LIMIT = 10
MAX_GROUPS = 20_000  # limit=-1 on an aggregation: every group, up to this many
JSON_TYPES = {"geo_point_2d", "json_blob"}


def rest_error(name: str, message: str) -> ODSQLError:
    return ODSQLError(f"Invalid value for {name} API parameter: {message}", "InvalidRESTParameterError")


def integer(args, name: str, default: int) -> int:
    raw = args.get(name)
    if raw in (None, ""):
        return default
    try:
        return int(raw)
    except ValueError:
        raise rest_error(name, f"{raw} was found but an integer is expected.") from None


def page(args) -> tuple[int, int]:
    """limit and offset of a records or catalog page, checked as ODS checks them."""
    limit, offset = integer(args, "limit", DEFAULT_LIMIT), integer(args, "offset", 0)
    if not -1 <= limit <= MAX_LIMIT:
        raise rest_error("limit", f"{limit} was found but -1 <= limit <= {MAX_LIMIT} is expected.")
    if offset < 0:
        raise rest_error("offset", f"{offset} was found but offset >= 0 is expected.")
    if offset + max(limit, 0) > MAX_WINDOW:
        raise rest_error("offset", f"offset + limit must be lower than or equal to {MAX_WINDOW}.")
    return limit, offset


def timezone(args) -> zoneinfo.ZoneInfo:
    name = args.get("timezone") or "UTC"
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise rest_error("timezone", f"unknown time zone {name}.") from None


@dataclass
class Plan:
    columns: list[tuple[str, str]]  # output key, ODS type
    sql: str
    count_sql: str
    params: dict = field(default_factory=dict)
    aggregated: bool = False
    counted_sql: str = ""  # a grouped query with its number of groups in a last column, one scan


def plan(fields: dict[str, Field], resource_id: str, args, text: bool = False) -> Plan:
    """The SQL of a records query (without its limit and offset). ``text``: values as a CSV
    export writes them (a geo_point_2d as "lat, lon")."""
    compiler = Compiler(fields, tk.config.get("ckan.datastore.default_fts_lang") or "english")
    table = identifier(resource_id)
    conditions = []
    if args.get("where"):
        conditions.append(compiler.where(args["where"]))
    for name, negate in [("refine", False), ("exclude", True)]:
        for value in args.getlist(name):
            conditions.append(refinement(compiler, fields, name, value, negate))

    selected: list[tuple[str, Expr]] = []
    for item in compiler.select(args["select"]) if args.get("select") else [None]:
        if item is None:  # *: every field
            selected += [
                (f.name, Expr(f.text_sql if text and f.text_sql else f.sql, f.type)) for f in fields.values()
            ]
        else:
            selected.append(item)
    groups = compiler.group_by(args["group_by"]) if args.get("group_by") else []
    if groups and not args.get("select"):
        selected = []
    order = compiler.order_by(args["order_by"]) if args.get("order_by") else []

    aggregated = bool(groups) or any(expr.aggregate for _, expr in selected)
    if aggregated and not groups:
        loose = [key for key, expr in selected if not expr.aggregate and expr.type != "null"]
        if loose:
            raise ODSQLError(f"Field {loose[0]} must be in group_by or in an aggregation (in select)")
    keys = [key for key, _ in groups]
    columns = groups + [(key, expr) for key, expr in selected if key not in keys]
    select_sql = ", ".join(f"{expr.sql} AS {quote(key)}" for key, expr in columns) or "1"
    where_sql = f" WHERE {' AND '.join(conditions)}" if conditions else ""
    group_sql = f" GROUP BY {', '.join(expr.sql for _, expr in groups)}" if groups else ""
    if not order and not aggregated:
        order = ["_id ASC"]  # a stable order for pagination (the primary key)
    order_sql = f" ORDER BY {', '.join(order)}" if order else ""
    sql = f"SELECT {select_sql} FROM {table}{where_sql}{group_sql}{order_sql}"
    # the window runs after the grouping: it counts the groups before LIMIT applies
    counted = f"SELECT {select_sql}, count(*) OVER () FROM {table}{where_sql}{group_sql}{order_sql}"
    if groups:
        count_sql = f"SELECT count(*) FROM (SELECT 1 FROM {table}{where_sql}{group_sql}) AS groups"
    elif aggregated:
        count_sql = "SELECT 1"
    else:
        count_sql = f"SELECT count(*) FROM {table}{where_sql}"
    described = [(key, expr.type) for key, expr in columns]
    return Plan(described, sql, count_sql, compiler.params, aggregated, counted if groups else "")


def refinement(compiler: Compiler, fields: dict[str, Field], name: str, value: str, negate: bool) -> str:
    """``refine=field:value`` (a facet's value; a date's by its prefix, 2020 or 2020/05)."""
    key, sep, wanted = value.partition(":")
    if not sep:
        raise rest_error(name, f"{value} was found but field:value is expected.")
    found = fields.get(key.strip())
    if found is None:
        raise ODSQLError(f"Unknown field: {key.strip()} (in {name})")
    if found.type in ("date", "datetime"):
        test = f"({found.sql}::text LIKE {compiler.param(wanted.strip().replace('/', '-') + '%')})"
    else:
        test = f"({found.sql}::text = {compiler.param(wanted.strip())})"
    return f"(NOT {test} IS TRUE)" if negate else test


def timeout_ms(export: bool = False) -> int:
    option = "export_timeout" if export else "timeout"
    default = 600_000 if export else 10_000
    return tk.asint(tk.config.get(f"ckanext.metropole.explore.{option}") or default)


@contextlib.contextmanager
def read_connection(export: bool = False, with_fields: bool = False):
    """A connection of the DataStore's read-only engine, in a transaction bounded by a statement
    timeout; SQL errors of a query become ODSQLErrors (a 400). ``with_fields``: the caller's first
    statement is :func:`fields_of`, which sets the timeout in the same round trip."""
    connection = get_read_engine().raw_connection()
    try:
        if not with_fields:
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL statement_timeout = %s", (timeout_ms(export),))
        yield connection
    except psycopg2.errors.QueryCanceled:
        raise ODSQLError("Query timeout: the query took too long, add a filter or an aggregation") from None
    except psycopg2.errors.UndefinedTable:
        raise ODSQLError("The dataset has no records", "NoSuchDataset") from None
    except (psycopg2.DataError, psycopg2.ProgrammingError) as e:
        message = (e.pgerror or str(e)).strip().splitlines()[0].removeprefix("ERROR:").strip()
        raise ODSQLError(f"Invalid query: {message}") from None
    finally:
        with contextlib.suppress(Exception):
            connection.rollback()
        connection.close()


# A table's columns, their types and Data Dictionary comments (where ckanext.datastore keeps a
# column's label: its _get_field_info reads the same), in one round trip
COLUMNS = """
SET LOCAL statement_timeout = %(timeout)s;
SELECT a.attname, a.atttypid, d.description FROM pg_attribute a
LEFT JOIN pg_description d ON d.objoid = a.attrelid AND d.objsubid = a.attnum
WHERE a.attrelid = %(table)s::regclass AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum
"""


def fields_of(connection, resource_id: str) -> dict[str, Field]:
    """The API's fields of a DataStore table: its columns (types as the DataStore names them) and
    their Data Dictionary labels, read on the query's own connection."""
    engine = get_read_engine()
    with connection.cursor() as cursor:
        cursor.execute(COLUMNS, {"table": identifier(resource_id), "timeout": timeout_ms()})
        rows = cursor.fetchall()
    columns = []
    for name, oid, comment in rows:
        try:
            info = json.loads(comment or "{}").get("_info")
        except (ValueError, AttributeError):  # a comment that is not the DataStore's JSON
            info = None
        columns.append({"id": name, "type": _get_type(engine, oid), "info": info})
    return table.table_fields(columns)


def run(resource_id: str, args) -> dict:
    """``{"total_count", "results"}`` of a records query."""
    limit, offset = page(args)
    zone = timezone(args)
    with read_connection(with_fields=True) as connection, connection.cursor() as cursor:
        query = plan(fields_of(connection, resource_id), resource_id, args)
        if limit == -1:
            limit = MAX_GROUPS if query.aggregated else MAX_LIMIT
        window = f" LIMIT {int(limit)} OFFSET {int(offset)}"
        cursor.execute((query.counted_sql or query.sql) + window, query.params)
        rows = cursor.fetchall()
        if query.counted_sql and rows:
            total, rows = rows[0][-1], [row[:-1] for row in rows]
        else:  # no group on this page (past the last one), or records: counted apart
            cursor.execute(query.count_sql, query.params)
            total = cursor.fetchone()[0]
    keys = [key for key, _ in query.columns]
    kinds = [kind for _, kind in query.columns]
    results = [dict(zip(keys, json_row(row, zone, kinds), strict=True)) for row in rows]
    return {"total_count": total, "results": results}


def checked(resource_id: str, build):
    """``build(fields)``'s (sql, params, ...) once PostgreSQL has planned its query without
    running it: its errors (a value of the wrong type, a field outside group_by) are a 400 before
    an export's first byte is sent."""
    with read_connection(with_fields=True) as connection, connection.cursor() as cursor:
        built = build(fields_of(connection, resource_id))
        cursor.execute(f"EXPLAIN {built[0]}", built[1])
    return built


def record(resource_id: str, record_id: str, args) -> dict | None:
    """One record by its id (the DataStore's ``_id``), or None."""
    if not record_id.isdigit() or len(record_id) > 18:
        return None
    zone = timezone(args)
    with read_connection(with_fields=True) as connection, connection.cursor() as cursor:
        fields = fields_of(connection, resource_id)
        columns = ", ".join(f"{f.sql} AS {quote(f.name)}" for f in fields.values())
        sql = f"SELECT {columns} FROM {identifier(resource_id)} WHERE _id = %(id)s"
        cursor.execute(sql, {"id": int(record_id)})
        row = cursor.fetchone()
    kinds = [f.type for f in fields.values()]
    return dict(zip(fields, json_row(row, zone, kinds), strict=True)) if row else None


def json_value(value, zone, kind: str = ""):
    """A value as ODS writes it in JSON: ISO dates, datetimes with their offset, numbers, objects
    (the DataStore's engine hands JSON over as text)."""
    if isinstance(value, str) and kind in JSON_TYPES:
        return json.loads(value)
    if isinstance(value, datetime.datetime):
        aware = value if value.tzinfo else value.replace(tzinfo=datetime.timezone.utc)
        return aware.astimezone(zone).isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return int(value) if value == value.to_integral_value() and abs(value) < 2**53 else float(value)
    return value


def json_row(row, zone, kinds: list[str]) -> list:
    return [json_value(v, zone, kind) for v, kind in zip(row, kinds, strict=True)]
