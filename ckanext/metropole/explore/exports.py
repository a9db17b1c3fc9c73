"""Exports of a records query, of any size, streamed in bounded memory.

CSV is written by PostgreSQL itself (``COPY (query) TO STDOUT``) in a thread whose chunks pass
through a bounded queue: the fastest path and a few megabytes whatever the number of rows. The
other formats read a server-side cursor batch by batch. Each export holds one connection of the
read-only engine for its duration, with the export's own statement timeout.
"""

from __future__ import annotations

import contextlib
import json
import queue
import threading

from .odsql import ODSQLError
from .query import checked, integer, json_value, plan, read_connection, timezone

CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "json": "application/json; charset=utf-8",
    "jsonl": "application/x-ndjson; charset=utf-8",
    "geojson": "application/geo+json; charset=utf-8",
    "parquet": "application/vnd.apache.parquet",
}
BATCH = 5000
CHUNK = 1 << 16
QUEUE_CHUNKS = 32  # at most 32 x 64 KiB waiting between PostgreSQL and the client
CSV_DELIMITERS = {";", ",", "\t", "|"}


def prepare(fmt: str, resource_id: str, args):
    """Checks the query (ODSQLError before any byte is sent) and returns the body's generator."""
    if fmt not in CONTENT_TYPES:
        raise ODSQLError(f"Unknown export format: {fmt}", "InvalidRESTParameterError")
    limit = integer(args, "limit", -1)
    if limit < -1:
        raise ODSQLError(
            f"Invalid value for limit API parameter: {limit} was found but limit >= -1 is expected.",
            "InvalidRESTParameterError",
        )
    offset = max(integer(args, "offset", 0), 0)
    zone = timezone(args)

    def build(fields):
        query = plan(fields, resource_id, args, text=fmt in ("csv", "parquet"))
        sql = query.sql + (f" LIMIT {limit}" if limit >= 0 else "") + (f" OFFSET {offset}" if offset else "")
        return sql, query.params, query, fields

    sql, _, query, fields = checked(resource_id, build)
    if fmt == "csv":
        return _csv(sql, query, args, fields)
    if fmt == "parquet":
        return _parquet(sql, query)
    return _json(fmt, sql, query, zone)


def _csv(sql: str, query, args, fields):
    delimiter = args.get("delimiter") or ";"
    if delimiter not in CSV_DELIMITERS:
        message = f"Invalid value for delimiter API parameter: {delimiter}"
        raise ODSQLError(message, "InvalidRESTParameterError")
    quote_all = (args.get("quote_all") or "false").lower() == "true"
    with_bom = (args.get("with_bom") or "true").lower() == "true"  # ODS's default: Excel reads UTF-8
    use_labels = (args.get("use_labels") or "false").lower() == "true"
    options = f"FORMAT csv, HEADER false, DELIMITER '{delimiter}'" + (", FORCE_QUOTE *" if quote_all else "")

    def header() -> bytes:
        import csv
        import io

        names = [fields[key].label if use_labels and key in fields else key for key, _ in query.columns]
        out = io.StringIO()
        csv.writer(out, delimiter=delimiter, lineterminator="\n").writerow(names)
        return (("\ufeff" if with_bom else "") + out.getvalue()).encode()

    def body():
        yield header()
        yield from _copy(sql, query.params, options)

    return body()


class _QueueWriter:
    """The file COPY writes into (one call per row): rows gathered into chunks of CHUNK bytes,
    which go to a bounded queue (COPY waits when it is full)."""

    def __init__(self, chunks: queue.Queue, stop: threading.Event):
        self.chunks, self.stop = chunks, stop
        self.buffer = bytearray()

    def write(self, data):
        self.buffer += data
        if len(self.buffer) >= CHUNK:
            self.flush()
        return len(data)

    def flush(self):
        if self.stop.is_set():
            raise OSError("export abandoned by the client")
        if self.buffer:
            self.chunks.put(bytes(self.buffer))
            self.buffer = bytearray()


def _copy(sql: str, params: dict, options: str):
    chunks: queue.Queue = queue.Queue(maxsize=QUEUE_CHUNKS)
    stop = threading.Event()
    done = object()

    def produce():
        try:
            with read_connection(export=True) as connection, connection.cursor() as cursor:
                statement = cursor.mogrify(sql, params).decode()
                copy = f"COPY ({statement}) TO STDOUT WITH ({options})"
                writer = _QueueWriter(chunks, stop)
                cursor.copy_expert(copy, writer, CHUNK)
                writer.flush()
            chunks.put(done)
        except Exception as e:  # handed to the response's generator, which raises it
            chunks.put(e)

    thread = threading.Thread(target=produce, name="explore-export", daemon=True)
    thread.start()
    try:
        while True:
            item = chunks.get()
            if item is done:
                break
            if isinstance(item, Exception):
                raise item
            yield item
    finally:
        stop.set()
        with contextlib.suppress(queue.Empty):  # unblock a producer waiting on a full queue
            while True:
                chunks.get_nowait()
        thread.join(timeout=30)


def _batches(sql: str, params: dict):
    """Rows of a server-side cursor, BATCH at a time."""
    with read_connection(export=True) as connection:
        cursor = connection.cursor(name="metropole_explore_export")
        cursor.itersize = BATCH
        cursor.execute(sql, params)
        while rows := cursor.fetchmany(BATCH):
            yield rows
        cursor.close()


def _json(fmt: str, sql: str, query, zone):
    keys = [key for key, _ in query.columns]
    kinds = [kind for _, kind in query.columns]
    geo = next((i for i, (_, kind) in enumerate(query.columns) if kind == "geo_point_2d"), None)

    def encode(row) -> dict:
        return dict(zip(keys, (json_value(v, zone, k) for v, k in zip(row, kinds, strict=True)), strict=True))

    def feature(row) -> dict:
        properties = encode(row)
        point = properties.pop(keys[geo]) if geo is not None else None
        geometry = {"type": "Point", "coordinates": [point["lon"], point["lat"]]} if point else None
        return {"type": "Feature", "geometry": geometry, "properties": properties}

    def body():
        opening, separator, closing = {
            "json": ("[", ",", "]"),
            "jsonl": ("", "", ""),
            "geojson": ('{"type": "FeatureCollection", "features": [', ",", "]}"),
        }[fmt]
        make = feature if fmt == "geojson" else encode
        first = True
        yield opening.encode()
        for rows in _batches(sql, query.params):
            parts = []
            for row in rows:
                text = json.dumps(make(row), ensure_ascii=False, default=str)
                if fmt == "jsonl":
                    parts.append(text + "\n")
                else:
                    parts.append(text if first else separator + text)
                first = False
            yield "".join(parts).encode()
        yield closing.encode()

    return body()


def _parquet(sql: str, query):
    import io

    import pyarrow as pa
    import pyarrow.parquet as pq

    types = {"int": pa.int64(), "double": pa.float64(), "boolean": pa.bool_(), "date": pa.date32()}
    types["datetime"] = pa.timestamp("us")
    schema = pa.schema([(key, types.get(kind, pa.string())) for key, kind in query.columns])
    converters = [
        float if kind == "double" else (str if types.get(kind) is None else None) for _, kind in query.columns
    ]

    def column(values, convert):
        if convert is None:
            return values
        return [None if v is None else (json.dumps(v) if isinstance(v, dict) else convert(v)) for v in values]

    def body():
        sink = io.BytesIO()
        with pq.ParquetWriter(sink, schema, compression="snappy") as writer:
            for rows in _batches(sql, query.params):
                columns = list(zip(*rows, strict=True))
                arrays = [
                    pa.array(column(list(values), convert), target.type)
                    for values, convert, target in zip(columns, converters, schema, strict=True)
                ]
                writer.write_table(pa.Table.from_arrays(arrays, schema=schema))
                yield sink.getvalue()
                sink.seek(0)
                sink.truncate()
        yield sink.getvalue()  # the footer, written when the writer closes

    return body()
