"""The DataStore's read replica stopped: its reads (datastore_search, datastore_search_sql) go to
the primary — libpq's own failover of ckan.datastore.read_url — within a bounded time, never a
hang; the replica started again streams from the primary again."""

import time

import requests
from conftest import wait_for

# connect_timeout of the read URL (3 s) per host tried, and the request itself
READ_BOUND = 15


def _datastore_table(cluster) -> str:
    tables = cluster.psql(
        "SELECT relname FROM pg_class JOIN pg_namespace n ON n.oid = relnamespace "
        "WHERE nspname = 'public' AND relkind = 'r' AND relname ~ '^[0-9a-f-]{36}$' ORDER BY relname",
        db="ckan_dev_datastore",
    ).split()
    for table in tables:
        if int(cluster.psql(f'SELECT count(*) FROM "{table}"', db="ckan_dev_datastore")) > 0:
            return table
    raise AssertionError("no DataStore table with records (the demo's files are loaded by xloader)")


def _reads(cluster, resource_id: str) -> tuple[list, list]:
    search = requests.get(
        f"{cluster.url}/api/3/action/datastore_search",
        params={"resource_id": resource_id, "limit": 5, "sort": "_id"},
        timeout=READ_BOUND,
    ).json()
    sql = requests.get(
        f"{cluster.url}/api/3/action/datastore_search_sql",
        params={"sql": f'SELECT _id FROM "{resource_id}" ORDER BY _id LIMIT 5'},
        timeout=READ_BOUND,
    ).json()
    assert search["success"], search.get("error")
    assert sql["success"], sql.get("error")
    return search["result"]["records"], sql["result"]["records"]


def _read_sessions(cluster, node: str) -> int:
    """Sessions of the DataStore's read role on that server (the web workers' pools)."""
    sql = "SELECT count(*) FROM pg_stat_activity WHERE usename = 'datastore_ro'"
    return int(cluster.psql(sql, node=node))


def _wait_reads_on_replica(cluster, resource_id, expected) -> None:
    def on_replica():
        assert _reads(cluster, resource_id) == expected
        return _read_sessions(cluster, "postgres-replica") > 0

    wait_for(on_replica, 45, "DataStore reads on the replica", every=2)


def test_replica_stopped_reads_fall_back_to_primary(cluster):
    resource_id = _datastore_table(cluster)
    # the reads go to the replica while it runs (the read role's sessions are there)
    before = _reads(cluster, resource_id)
    assert cluster.psql("SELECT pg_is_in_recovery()", node="postgres-replica") == "t"
    _wait_reads_on_replica(cluster, resource_id, before)
    try:
        cluster.stop("replica")
        assert not cluster.node("postgres-replica")["running"]
        for _ in range(3):  # every web worker's pool meets the dead replica in turn
            started = time.monotonic()
            assert _reads(cluster, resource_id) == before
            assert time.monotonic() - started < READ_BOUND
        assert _read_sessions(cluster, "postgres-primary") > 0
    finally:
        cluster.start("replica")
    streaming = "SELECT state FROM pg_stat_replication"
    wait_for(lambda: cluster.psql(streaming) == "streaming", 60, "the replica streaming")
    # back on the replica once the pools renew their connections (pool_recycle, 20 s)
    _wait_reads_on_replica(cluster, resource_id, before)
