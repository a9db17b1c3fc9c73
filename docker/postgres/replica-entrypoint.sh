#!/bin/bash
# db-replica: on an empty volume, a base backup of db with the standby settings (-R: it
# streams from db from then on), then the postgres image's own entry point as a hot standby.
set -euo pipefail
if [ ! -s "$PGDATA/PG_VERSION" ]; then
    until pg_isready -h db -p 5432 -q; do sleep 2; done
    mkdir -p "$PGDATA" && chown postgres: "$PGDATA" && chmod 700 "$PGDATA"
    gosu postgres pg_basebackup -h db -p 5432 -U replicator -D "$PGDATA" -R -X stream -c fast
fi
exec docker-entrypoint.sh postgres -c hot_standby=on
