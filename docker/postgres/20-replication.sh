#!/bin/bash
# Run once by the postgres image on a new volume: the role db-replica streams the WAL with,
# and the line of pg_hba.conf that lets it (the replica's first start: pg_basebackup).
set -euo pipefail
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres <<SQL
CREATE ROLE replicator REPLICATION LOGIN PASSWORD '${REPLICATION_PASSWORD:?set REPLICATION_PASSWORD}';
SQL
echo "host replication replicator all scram-sha-256" >>"$PGDATA/pg_hba.conf"
