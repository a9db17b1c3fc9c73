#!/bin/bash
# Entry point of every CKAN container of the stack (web, harvest consumers, periodic run).
# CKAN__X__Y=value, CKANEXT__X__Y=value and SCHEMING__X=value environment variables become
# `ckan.x.y = value`, `ckanext.x.y = value` and `scheming.x = value` in the ini (ckan-docker's
# convention), then the role runs.
set -euo pipefail
CKAN_INI=${CKAN_INI:-/srv/app/ckan.ini}

if [ ! -f "$CKAN_INI" ]; then
    ckan generate config "$CKAN_INI"
fi
while IFS='=' read -r name value; do
    case "$name" in
        CKAN__*|CKANEXT__*|SCHEMING__*) key=$(echo "$name" | tr '[:upper:]' '[:lower:]' | sed 's/__/./g')
                 ckan config-tool "$CKAN_INI" "$key=$value" ;;
    esac
done < <(env)
ckan config-tool "$CKAN_INI" "sqlalchemy.url=$CKAN_SQLALCHEMY_URL" "solr_url=$CKAN_SOLR_URL" \
    "ckan.redis.url=$CKAN_REDIS_URL" "ckan.site_url=$CKAN_SITE_URL" "SECRET_KEY=$CKAN_SECRET_KEY" \
    "api_token.jwt.encode.secret=string:$CKAN_SECRET_KEY" "api_token.jwt.decode.secret=string:$CKAN_SECRET_KEY"

# xloader's jobs (worker container) fetch uploads and report through the API with a token
# of the sysadmin; the web container makes it once and shares it on the storage volume.
XLOADER_TOKEN_FILE=${CKAN__STORAGE_PATH:-/var/lib/ckan}/.xloader-token
use_xloader_token() {
    if [ -z "${CKANEXT__XLOADER__API_TOKEN:-}" ] && [ -s "$XLOADER_TOKEN_FILE" ]; then
        ckan config-tool "$CKAN_INI" "ckanext.xloader.api_token=$(cat "$XLOADER_TOKEN_FILE")"
    fi
}
use_xloader_token

wait_for() {  # name url-or-host:port
    for _ in $(seq 1 60); do
        if python3 - "$2" <<'PY'
import socket, sys, urllib.parse
target = sys.argv[1]
parsed = urllib.parse.urlparse(target if "://" in target else "tcp://" + target)
socket.create_connection((parsed.hostname, parsed.port or 80), timeout=3).close()
PY
        then return 0; fi
        sleep 2
    done
    echo "metropole: $1 is unreachable at $2" >&2
    exit 1
}
wait_for postgres "$CKAN_SQLALCHEMY_URL"
wait_for solr "$CKAN_SOLR_URL"
wait_for redis "$CKAN_REDIS_URL"

role=${1:-web}
shift || true
# Migrations (CKAN's and the plugins'), the sysadmin, the DataStore grants, xloader's token:
# one writer at start-up (the ckan-init service, or a lone web container).
init_portal() {
    ckan -c "$CKAN_INI" db init
    ckan -c "$CKAN_INI" db pending-migrations --apply
    if [ -n "${CKAN_SYSADMIN_NAME:-}" ] && ! ckan -c "$CKAN_INI" user show "$CKAN_SYSADMIN_NAME" | grep -q "name=$CKAN_SYSADMIN_NAME"; then
        ckan -c "$CKAN_INI" user add "$CKAN_SYSADMIN_NAME" email="$CKAN_SYSADMIN_EMAIL" password="$CKAN_SYSADMIN_PASSWORD"
        ckan -c "$CKAN_INI" sysadmin add "$CKAN_SYSADMIN_NAME"
    fi
    # DataStore grants (read role: SELECT only), executed as the database owner
    ckan -c "$CKAN_INI" datastore set-permissions | python3 -c '
import os, sys, sqlalchemy
with sqlalchemy.create_engine(os.environ["CKAN_DATASTORE_WRITE_URL"]).begin() as c:
c.exec_driver_sql(sys.stdin.read())'
    if [ -z "${CKANEXT__XLOADER__API_TOKEN:-}" ] && [ ! -s "$XLOADER_TOKEN_FILE" ] && [ -n "${CKAN_SYSADMIN_NAME:-}" ]; then
        (umask 077; ckan -c "$CKAN_INI" user token add "$CKAN_SYSADMIN_NAME" xloader | tail -n 1 | tr -d '[:space:]' >"$XLOADER_TOKEN_FILE")
        use_xloader_token
    fi
}

case "$role" in
    migrate)
        init_portal
        ;;
    web)
        # web replicas behind nginx leave it to ckan-init (METROPOLE_SKIP_INIT=1)
        [ -n "${METROPOLE_SKIP_INIT:-}" ] || init_portal
        use_xloader_token
        # gunicorn (a pin of requirements.txt) with the settings of `make up`: workers and
        # threads sized to the container's CPUs (METROPOLE_WEB_WORKERS/THREADS override them),
        # the SQLAlchemy pool of each process sized to its threads, bounded queue and timeout.
        ckan config-tool "$CKAN_INI" $(python3 -c 'from ckanext.metropole.stack.server import sqlalchemy_options as o
print(" ".join(f"{k}={v}" for k, v in o().items()))')
        export CKAN_INI
        exec gunicorn -c python:ckanext.metropole.stack.gunicorn_conf --bind 0.0.0.0:5000
        ;;
    gather-consumer|fetch-consumer)
        exec ckan -c "$CKAN_INI" harvester "$role"
        ;;
    harvest-run)
        # ckanext-harvest's periodic trigger: starts due jobs and closes finished ones.
        while true; do
            ckan -c "$CKAN_INI" harvester run || echo "metropole: harvester run failed" >&2
            sleep "${HARVEST_RUN_INTERVAL:-900}"
        done
        ;;
    worker)
        # the web container makes xloader's token at its first start
        for _ in $(seq 1 60); do [ -s "$XLOADER_TOKEN_FILE" ] || [ -n "${CKANEXT__XLOADER__API_TOKEN:-}" ] && break; sleep 5; done
        use_xloader_token
        exec ckan -c "$CKAN_INI" jobs worker
        ;;
    *)
        exec ckan -c "$CKAN_INI" "$role" "$@"
        ;;
esac
