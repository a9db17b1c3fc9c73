#!/usr/bin/env bash
# The local stack of ckanext-metropole: PostgreSQL 15, Redis 7, Solr 9 and CKAN, all on
# 127.0.0.1, installed and started by this script when missing.
#
#   scripts/stack.sh install          Debian packages, .venv, Solr jars (only what is missing)
#   scripts/stack.sh run              install, start, prepare the dev portal, serve CKAN (foreground)
#   scripts/stack.sh up | down        the same stack in the background / stop what was started
#   scripts/stack.sh test [ARGS]      start what is missing, prepare the test db and core, run pytest
#   scripts/stack.sh bench [ARGS]     start what is missing, run the benchmarks
#   scripts/stack.sh start [SERVICE...] | stop | status
#                                     services only: postgres, redis, solr
#
# Every failure names the service and its log file, and exits non-zero.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
SELF=$ROOT/scripts/stack.sh
STATE=${METROPOLE_STATE_DIR:-$ROOT/.cache}
RUN=$STATE/run
LOGS=$STATE/log
VENV=$ROOT/.venv
PY=$VENV/bin/python
CKAN=$VENV/bin/ckan

# Ports: keep in step with test.ini and config/development.ini.template.
PG_PORT=55432
REDIS_PORT=56379
SOLR_PORT=58983
CKAN_PORT=5000
CKAN_PORT=${METROPOLE_CKAN_PORT:-$CKAN_PORT}  # tests of the health check only
SOLR_CORES=(ckan_dev ckan_test ckan_bench)

PG_BIN=/usr/lib/postgresql/15/bin
PG_SOCKET_DIR=/tmp
DEV_INI=$ROOT/config/development.ini
TEST_INI=$ROOT/test.ini

SOLR_POM=${METROPOLE_SOLR_POM:-$ROOT/solr/pom.xml}
SOLR_LIB=$STATE/solr/lib
SOLR_HOME=$STATE/solr/home

mkdir -p "$RUN" "$LOGS"

say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }
die() { printf '\033[31mERROR: %s\033[0m\n' "$*" >&2; exit 1; }
is_root() { [ "$(id -u)" = 0 ]; }

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

pid_alive() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

# Show the end of a log when a service fails, so CI output carries the reason.
fail_with_log() {
    local service=$1 log=$2 msg=$3
    if [ -f "$log" ]; then
        echo "---- last lines of $log ----" >&2
        tail -n 25 "$log" >&2 || true
        echo "----" >&2
    fi
    die "$service: $msg (log: $log)"
}

# ---------------------------------------------------------------- installation

apt_install() {
    say "installing Debian packages: $*"
    local log=$LOGS/apt.log
    if ! is_root; then
        die "apt: packages missing ($*) and not root: install them or run as root"
    fi
    { apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "$@"; } \
        >"$log" 2>&1 || fail_with_log apt "$log" "cannot install $*"
}

install_debs() {
    local missing=()
    [ -x "$PG_BIN/postgres" ] || missing+=(postgresql-15 postgresql-client-15)
    command -v redis-server >/dev/null || missing+=(redis-server)
    command -v redis-cli >/dev/null || missing+=(redis-tools)
    command -v curl >/dev/null || missing+=(curl)
    command -v pg_config >/dev/null || missing+=(libpq-dev)
    [ -e /usr/lib/x86_64-linux-gnu/libmagic.so.1 ] || ldconfig -p 2>/dev/null | grep -q libmagic.so.1 || missing+=(libmagic1)
    command -v java >/dev/null || missing+=(openjdk-17-jdk-headless)
    command -v mvn >/dev/null || missing+=(maven)
    # browser tests: Debian's chromium, driven by Playwright (which downloads no browser)
    [ -x /usr/bin/chromium ] || missing+=(chromium fonts-dejavu-core)
    command -v npm >/dev/null || missing+=(npm)
    if [ ${#missing[@]} -gt 0 ]; then
        apt_install "${missing[@]}"
    fi
    # Debian's package starts a cluster of its own on 5432 where services may start;
    # ours is separate (port $PG_PORT), so nothing to do about it.
}

requirements_hash() {
    cat "$ROOT/requirements.txt" "$ROOT/dev-requirements.txt" "$ROOT/setup.py" "$ROOT/pyproject.toml" | sha256sum | cut -c1-16
}

install_venv() {
    local stamp=$VENV/.metropole-installed want
    want=$(requirements_hash)
    if [ -x "$PY" ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
        return 0
    fi
    local log=$LOGS/pip.log
    say "installing Python packages into .venv (log: $log)"
    if [ ! -x "$PY" ]; then
        python3 -m venv "$VENV" >"$log" 2>&1 || fail_with_log python "$log" "cannot create $VENV"
    fi
    {
        "$PY" -m pip install -q --upgrade pip setuptools wheel &&
        "$PY" -m pip install -q -r "$ROOT/requirements.txt" -r "$ROOT/dev-requirements.txt" &&
        "$PY" -m pip install -q --no-deps -e "$ROOT"
    } >>"$log" 2>&1 || fail_with_log pip "$log" "cannot install the Python requirements"
    echo "$want" >"$stamp"
}

install_solr_jars() {
    local stamp=$SOLR_LIB/.pom-sha want
    want=$(sha256sum "$SOLR_POM" | cut -c1-16)
    if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
        return 0
    fi
    local log=$LOGS/maven.log
    say "fetching the Solr jars from Maven Central (log: $log)"
    rm -rf "$SOLR_LIB"
    mkdir -p "$SOLR_LIB"
    # shellcheck disable=SC2086
    mvn -B -q ${METROPOLE_MAVEN_ARGS:-} -f "$SOLR_POM" dependency:copy-dependencies \
        -DoutputDirectory="$SOLR_LIB" -DincludeScope=runtime >"$log" 2>&1 ||
        fail_with_log maven "$log" "Maven could not resolve the Solr jars (solr/pom.xml)"
    ls "$SOLR_LIB"/solr-test-framework-*.jar >/dev/null 2>&1 ||
        fail_with_log maven "$log" "solr-test-framework is missing from $SOLR_LIB"
    echo "$want" >"$stamp"
}

# axe-core (npm) audits pages for accessibility in the browser tests; Opendatasoft's own client
# (@opendatasoft/api-client) drives the Explore API of metropole_explore in its tests.
AXE_VERSION=4.11.0
ODS_CLIENT_VERSION=21.8.1
install_node_tools() {
    [ -f "$STATE/node/node_modules/axe-core/axe.min.js" ] &&
        grep -qs "\"version\": \"$ODS_CLIENT_VERSION\"" \
            "$STATE/node/node_modules/@opendatasoft/api-client/package.json" && return 0
    local log=$LOGS/npm.log
    say "installing axe-core $AXE_VERSION and @opendatasoft/api-client $ODS_CLIENT_VERSION from npm (log: $log)"
    mkdir -p "$STATE/node"
    (cd "$STATE/node" && npm install --no-audit --no-fund "axe-core@$AXE_VERSION" \
        "@opendatasoft/api-client@$ODS_CLIENT_VERSION") >"$log" 2>&1 ||
        fail_with_log npm "$log" "cannot install the npm packages"
}

install_all() {
    install_debs
    install_venv
    install_solr_jars
    install_node_tools
}

# ---------------------------------------------------------------- PostgreSQL

# PostgreSQL refuses to run as root: as root, the cluster belongs to the postgres user,
# in a folder that user can reach (the checkout may sit under a private home).
# pg_home DIR NAME: the folder of PostgreSQL's files for the state folder DIR (DIR/pg, or
# /var/lib/postgresql/NAME-<hash of DIR's checkout> when postgres cannot reach DIR).
# Also used by scripts/cluster.sh for its primary and replica.
pg_home() {
    if is_root && ! runuser -u postgres -- test -x "$1" 2>/dev/null; then
        echo "/var/lib/postgresql/$2-$(echo "$3" | cksum | cut -d' ' -f1)"
    else
        echo "$1/pg"
    fi
}
PGDATA_DIR=$(pg_home "$STATE" metropole "$ROOT")/data
PG_LOG=$(dirname "$PGDATA_DIR")/postgres.log

as_pg() {
    if is_root; then runuser -u postgres -- "$@"; else "$@"; fi
}

psql_super() {
    as_pg "$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 -h "$PG_SOCKET_DIR" -p "$PG_PORT" -U postgres "$@"
}

pg_running() { as_pg "$PG_BIN/pg_ctl" -D "$PGDATA_DIR" status >/dev/null 2>&1; }

start_postgres() {
    if pg_running; then
        return 0
    fi
    if port_open "$PG_PORT"; then
        die "postgres: port 127.0.0.1:$PG_PORT is already taken by another process (log: $PG_LOG)"
    fi
    local parent
    parent=$(dirname "$PGDATA_DIR")
    mkdir -p "$parent"
    is_root && chown postgres: "$parent"
    if [ ! -f "$PGDATA_DIR/PG_VERSION" ]; then
        say "postgres: creating the cluster in $PGDATA_DIR"
        as_pg "$PG_BIN/initdb" -D "$PGDATA_DIR" -U postgres -E UTF8 --locale=C.UTF-8 \
            --auth-local=trust --auth-host=scram-sha-256 >"$parent/initdb.log" 2>&1 ||
            fail_with_log postgres "$parent/initdb.log" "initdb failed"
    fi
    say "postgres: starting on 127.0.0.1:$PG_PORT"
    # A development cluster: durability traded for speed (fsync off).
    as_pg "$PG_BIN/pg_ctl" -D "$PGDATA_DIR" -l "$PG_LOG" -w -t 60 \
        -o "-p $PG_PORT -c listen_addresses=127.0.0.1 -c unix_socket_directories=$PG_SOCKET_DIR -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
        start >/dev/null 2>&1 || fail_with_log postgres "$PG_LOG" "failed to start"
    echo postgres >>"$RUN/started-by-me"
}

ensure_database() {
    local db=$1
    psql_super -d postgres -tAc "SELECT 1 FROM pg_roles WHERE rolname='ckan'" | grep -q 1 ||
        psql_super -d postgres -c "CREATE ROLE ckan LOGIN PASSWORD 'ckan'"
    psql_super -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname='$db'" | grep -q 1 ||
        psql_super -d postgres -c "CREATE DATABASE $db OWNER ckan ENCODING 'UTF8' TEMPLATE template0"
}

# The DataStore (records of tabular resources) lives in a database of its own, written by
# the ckan role and read by a role that can only SELECT (datastore_search_sql runs as it).
DATASTORE_RO_ROLE=datastore_ro
# The database and the read role must exist before any `ckan` command: the datastore plugin
# connects to both when CKAN loads (a fresh cluster has neither).
ensure_datastore_database() {
    local db=$1
    ensure_database "$db"
    psql_super -d postgres -tAc "SELECT 1 FROM pg_roles WHERE rolname='$DATASTORE_RO_ROLE'" | grep -q 1 ||
        psql_super -d postgres -c "CREATE ROLE $DATASTORE_RO_ROLE LOGIN PASSWORD '$DATASTORE_RO_ROLE'"
}

ensure_datastore() {
    local db=$1 ini=$2 log=$3
    ensure_datastore_database "$db"
    # CKAN writes the grants itself (read role: SELECT only, no access to the main database).
    # (test.ini logs to stdout: its log lines are not SQL)
    "$CKAN" -c "$ini" datastore set-permissions 2>>"$log" | grep -v '^[0-9]\{4\}-[0-9][0-9]-[0-9][0-9] [0-9:,]* [A-Z]' |
        psql_super -d "$db" >>"$log" 2>&1 ||
        fail_with_log datastore "$log" "cannot set the permissions of $db ($ini)"
}

stop_postgres() {
    if pg_running; then
        say "postgres: stopping"
        as_pg "$PG_BIN/pg_ctl" -D "$PGDATA_DIR" -m fast -w stop >/dev/null
    fi
}

# ---------------------------------------------------------------- Redis

REDIS_PID=$RUN/redis.pid
REDIS_LOG=$LOGS/redis.log

start_redis() {
    if pid_alive "$REDIS_PID"; then
        return 0
    fi
    if port_open "$REDIS_PORT"; then
        die "redis: port 127.0.0.1:$REDIS_PORT is already taken by another process (log: $REDIS_LOG)"
    fi
    say "redis: starting on 127.0.0.1:$REDIS_PORT"
    mkdir -p "$STATE/redis"
    redis-server --bind 127.0.0.1 --port "$REDIS_PORT" --daemonize yes --pidfile "$REDIS_PID" \
        --logfile "$REDIS_LOG" --dir "$STATE/redis" --databases 64 --save "" --appendonly no >>"$REDIS_LOG" 2>&1 ||
        fail_with_log redis "$REDIS_LOG" "failed to start"
    local i
    for i in $(seq 1 50); do
        redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping 2>/dev/null | grep -q PONG && {
            echo redis >>"$RUN/started-by-me"; return 0; }
        sleep 0.2
    done
    fail_with_log redis "$REDIS_LOG" "does not answer PING on 127.0.0.1:$REDIS_PORT"
}

stop_redis() {
    if pid_alive "$REDIS_PID"; then
        say "redis: stopping"
        redis-cli -h 127.0.0.1 -p "$REDIS_PORT" shutdown nosave >/dev/null 2>&1 || kill "$(cat "$REDIS_PID")"
        wait_gone "$REDIS_PID"
    fi
}

# ---------------------------------------------------------------- Solr

SOLR_PID=$RUN/solr.pid
SOLR_LOG=$LOGS/solr.log

# The cores' conf is generated from the installed CKAN's schema at every start, so a
# CKAN upgrade or a schema change of ours reaches the cores without a manual step.
write_core_conf() {
    local core=$1
    mkdir -p "$SOLR_HOME/$core"
    printf 'name=%s\ndataDir=data\n' "$core" >"$SOLR_HOME/$core/core.properties"
    "$PY" -m ckanext.metropole.stack.solr_schema "$SOLR_HOME/$core/conf" >>"$SOLR_LOG" 2>&1 ||
        fail_with_log solr "$SOLR_LOG" "cannot generate the schema of core $core"
}

write_solr_home() {
    mkdir -p "$SOLR_HOME"
    cp "$ROOT/solr/solr.xml" "$SOLR_HOME/solr.xml"
    local core
    for core in "${SOLR_CORES[@]}"; do
        write_core_conf "$core"
    done
}

# A Solr already running (make up) gets the current conf too: regenerate, reload if changed.
refresh_core() {
    local core=$1 before after
    before=$(cat "$SOLR_HOME/$core/conf/"* 2>/dev/null | sha256sum)
    write_core_conf "$core"
    after=$(cat "$SOLR_HOME/$core/conf/"* | sha256sum)
    if [ "$before" != "$after" ]; then
        say "solr: schema of $core changed, reloading the core"
        curl -sf --max-time 60 "http://127.0.0.1:$SOLR_PORT/solr/admin/cores?action=RELOAD&core=$core" >/dev/null ||
            fail_with_log solr "$SOLR_LOG" "cannot reload core $core with its new schema"
    fi
}

solr_check_core() {
    local core=$1 base="http://127.0.0.1:$SOLR_PORT/solr/$1" name
    name=$(curl -sf --max-time 10 "$base/schema/name?wt=json" | "$PY" -c 'import json,sys; print(json.load(sys.stdin)["name"])') ||
        return 1
    local want
    want=$("$PY" -c 'import ckanext.metropole.stack.solr_schema as s, lxml.etree as e; print(e.parse(str(s.ckan_schema_path())).getroot().get("name"))')
    [ "$name" = "$want" ] || { echo "solr: core $core serves schema '$name', CKAN expects '$want'" >&2; return 1; }
    curl -sf --max-time 10 "$base/select?q=*:*&rows=0&wt=json" >/dev/null
}

start_solr() {
    if pid_alive "$SOLR_PID"; then
        return 0
    fi
    if port_open "$SOLR_PORT"; then
        die "solr: port 127.0.0.1:$SOLR_PORT is already taken by another process (log: $SOLR_LOG)"
    fi
    : >"$SOLR_LOG"
    write_solr_home
    say "solr: starting on 127.0.0.1:$SOLR_PORT (cores: ${SOLR_CORES[*]})"
    setsid nohup bash "$SELF" solr-foreground "$SOLR_HOME" "$SOLR_PORT" "${SOLR_CORES[@]}" \
        >>"$SOLR_LOG" 2>&1 </dev/null &
    echo $! >"$SOLR_PID"
    local i
    for i in $(seq 1 180); do
        if ! pid_alive "$SOLR_PID"; then
            rm -f "$SOLR_PID"
            fail_with_log solr "$SOLR_LOG" "exited during start-up"
        fi
        if grep -q '^solr: ready' "$SOLR_LOG"; then
            local core
            for core in "${SOLR_CORES[@]}"; do
                solr_check_core "$core" || { stop_solr; fail_with_log solr "$SOLR_LOG" "core $core is not ready"; }
            done
            echo solr >>"$RUN/started-by-me"
            return 0
        fi
        sleep 0.5
    done
    stop_solr
    fail_with_log solr "$SOLR_LOG" "not ready after 90 s"
}

# The JVM serving Solr in the foreground: SOLR_HOME PORT CORE... (exit 3: a core failed).
solr_foreground() {
    local home=$1 port=$2
    shift 2
    # The Caffeine exclusion works around a JIT crash of JDK 17 in BoundedLocalCache.put.
    exec java -Xms256m -Xmx1g \
        -XX:CompileCommand=quiet -XX:CompileCommand=exclude,com.github.benmanes.caffeine.cache.BoundedLocalCache::put \
        -Dlog4j2.configurationFile="$ROOT/solr/log4j2.xml" -Dsolr.log.dir="$LOGS" \
        -Dsolr.install.dir="$STATE/solr" -Dsolr.solr.home="$home" \
        -cp "$SOLR_LIB/*" "$ROOT/solr/SolrLauncher.java" "$home" "$port" "$@"
}

wait_gone() {
    local pidfile=$1 i
    for i in $(seq 1 60); do
        pid_alive "$pidfile" || { rm -f "$pidfile"; return 0; }
        sleep 0.5
    done
    kill -9 "$(cat "$pidfile")" 2>/dev/null || true
    rm -f "$pidfile"
}

stop_solr() {
    if pid_alive "$SOLR_PID"; then
        say "solr: stopping"
        kill "$(cat "$SOLR_PID")" 2>/dev/null || true
        wait_gone "$SOLR_PID"
    fi
    rm -f "$SOLR_PID"
}

# ---------------------------------------------------------------- CKAN

CKAN_PID=$RUN/ckan.pid
CKAN_LOG=$LOGS/ckan.log
SECRETS=$STATE/secrets.env
XLOADER_TOKEN_FILE=$STATE/xloader-token

# Workers, threads and the SQLAlchemy pool of each process (ckanext/metropole/stack/server.py;
# METROPOLE_WEB_WORKERS / METROPOLE_WEB_THREADS override them).
web_sizing() {
    [ -n "${WEB_WORKERS:-}" ] && return 0
    local line
    line=$("$PY" -m ckanext.metropole.stack.server) || die "ckan: cannot size the web server (METROPOLE_WEB_WORKERS/THREADS?)"
    eval "$line"
}

# config/development.ini is generated from the committed template with secrets made
# once on this machine (kept in .cache/secrets.env), so it can be regenerated freely.
write_dev_ini() {
    web_sizing
    if [ ! -f "$SECRETS" ]; then
        umask 077
        {
            echo "SECRET_KEY=$("$PY" -c 'import secrets; print(secrets.token_urlsafe(32))')"
            echo "JWT_SECRET=$("$PY" -c 'import secrets; print(secrets.token_urlsafe(32))')"
        } >"$SECRETS"
        umask 022
    fi
    # shellcheck disable=SC1090
    . "$SECRETS"
    local xloader_token=NOT_SET
    [ -f "$XLOADER_TOKEN_FILE" ] && xloader_token=$(cat "$XLOADER_TOKEN_FILE")
    sed -e "s|@SECRET_KEY@|$SECRET_KEY|" -e "s|@JWT_SECRET@|$JWT_SECRET|" -e "s|@ROOT@|$ROOT|" \
        -e "s|@XLOADER_TOKEN@|$xloader_token|" \
        -e "s|@POOL_SIZE@|$POOL_SIZE|" -e "s|@MAX_OVERFLOW@|$MAX_OVERFLOW|" -e "s|@POOL_TIMEOUT@|$POOL_TIMEOUT|" \
        "$ROOT/config/development.ini.template" >"$DEV_INI.tmp"
    mv "$DEV_INI.tmp" "$DEV_INI"
}

ckan_db_migrate() {
    local ini=$1 log=$2
    "$CKAN" -c "$ini" db init >>"$log" 2>&1 || fail_with_log ckan "$log" "ckan db init failed ($ini)"
    "$CKAN" -c "$ini" db pending-migrations --apply >>"$log" 2>&1 ||
        fail_with_log ckan "$log" "plugin migrations failed ($ini)"
}

ensure_admin() {
    local log=$LOGS/ckan-setup.log pwfile=$STATE/admin-password password
    if "$CKAN" -c "$DEV_INI" user show admin 2>>"$log" | grep -q "name=admin"; then
        if [ -n "${CKAN_ADMIN_PASSWORD:-}" ]; then
            "$CKAN" -c "$DEV_INI" user setpass admin -p "$CKAN_ADMIN_PASSWORD" >>"$log" 2>&1 ||
                fail_with_log ckan "$log" "cannot set the password of admin"
        fi
        return 0
    fi
    if [ -n "${CKAN_ADMIN_PASSWORD:-}" ]; then
        password=$CKAN_ADMIN_PASSWORD
    else
        password=$("$PY" -c 'import secrets; print(secrets.token_urlsafe(12))')
        (umask 077; echo "$password" >"$pwfile")
    fi
    "$CKAN" -c "$DEV_INI" user add admin email=admin@example.org password="$password" fullname="Administrateur" >>"$log" 2>&1 ||
        fail_with_log ckan "$log" "cannot create the sysadmin admin"
    "$CKAN" -c "$DEV_INI" sysadmin add admin >>"$log" 2>&1 ||
        fail_with_log ckan "$log" "cannot make admin a sysadmin"
    if [ -z "${CKAN_ADMIN_PASSWORD:-}" ]; then
        say "sysadmin 'admin' created, password: $password (kept in $pwfile)"
    else
        say "sysadmin 'admin' created with CKAN_ADMIN_PASSWORD"
    fi
}

# ckanext-xloader's jobs fetch uploaded files and report through the API: they need an API
# token, made once for the sysadmin (kept in .cache/xloader-token, valid for this database).
ensure_xloader_token() {
    local log=$LOGS/ckan-setup.log token
    if [ -f "$XLOADER_TOKEN_FILE" ] && "$CKAN" -c "$DEV_INI" user token list admin 2>>"$log" | grep -q "xloader"; then
        return 0
    fi
    token=$("$CKAN" -c "$DEV_INI" user token add admin xloader 2>>"$log" | tail -n 1 | tr -d '[:space:]') ||
        fail_with_log ckan "$log" "cannot create the API token of the xloader jobs"
    [ -n "$token" ] || fail_with_log ckan "$log" "empty API token for the xloader jobs"
    (umask 077; echo "$token" >"$XLOADER_TOKEN_FILE")
    write_dev_ini
}

# Demo content: each scripts/demo.d/NN-*.sh runs once per development database
# (later capabilities add their own; markers live in the database's own folder).
load_demo() {
    local marker_dir=$STATE/demo-loaded script name log=$LOGS/demo.log
    mkdir -p "$marker_dir"
    shopt -s nullglob
    for script in "$ROOT"/scripts/demo.d/*.sh; do
        name=$(basename "$script")
        [ -f "$marker_dir/$name" ] && continue
        say "demo: $name (log: $log)"
        CKAN_INI=$DEV_INI CKAN="$CKAN" bash "$script" >>"$log" 2>&1 || fail_with_log demo "$log" "$name failed"
        touch "$marker_dir/$name"
    done
    shopt -u nullglob
}

prepare_dev() {
    refresh_core ckan_dev
    ensure_database ckan_dev
    ensure_datastore_database ckan_dev_datastore
    write_dev_ini
    local log=$LOGS/ckan-setup.log
    : >"$log"
    ckan_db_migrate "$DEV_INI" "$log"
    ensure_datastore ckan_dev_datastore "$DEV_INI" "$log"
    ensure_admin
    ensure_xloader_token
    load_demo
}

# The suite runs in TEST_WORKERS pytest-xdist workers (2: one per core), each on its own
# database, DataStore database, Solr core, Redis database and file store: worker gwK (K>0)
# and a developer's slot S (METROPOLE_TEST_SLOT, to run two suites side by side) add
# "_gwK" / "_sS" to the names of test.ini. tests/isolation.py computes the same names and
# hands them to CKAN through its CKAN_* environment variables.
TEST_WORKERS=${METROPOLE_TEST_WORKERS:-2}
TEST_SLOT=${METROPOLE_TEST_SLOT:-}
case "$TEST_SLOT" in ''|[1-9]) ;; *) die "METROPOLE_TEST_SLOT must be 1 to 9 (got '$TEST_SLOT')" ;; esac
case "$TEST_WORKERS" in [1-4]) ;; *) die "METROPOLE_TEST_WORKERS must be 1 to 4 (got '$TEST_WORKERS')" ;; esac

# The CKAN_* variables of one worker (K) of the current slot, as tests/isolation.py sets them.
test_env() {
    "$PY" "$ROOT/tests/isolation.py" "${TEST_SLOT:-0}" "$1"
}

# Solr core for a worker: created in the running Solr when it is new (cores made at start-up
# are found by their core.properties), reloaded when its schema changed.
ensure_core() {
    local core=$1
    if [ -f "$SOLR_HOME/$core/core.properties" ] &&
        curl -sf --max-time 10 "http://127.0.0.1:$SOLR_PORT/solr/admin/cores?action=STATUS&core=$core&wt=json" |
        grep -q "\"instanceDir\""; then
        refresh_core "$core"
        return 0
    fi
    write_core_conf "$core"
    # CoreAdmin CREATE writes core.properties itself and refuses a folder that has one
    rm -f "$SOLR_HOME/$core/core.properties"
    curl -sf --max-time 60 "http://127.0.0.1:$SOLR_PORT/solr/admin/cores?action=CREATE&name=$core&instanceDir=$core&dataDir=data" >/dev/null ||
        fail_with_log solr "$SOLR_LOG" "cannot create core $core"
}

prepare_test() {
    local base=ckan_test${TEST_SLOT:+_s$TEST_SLOT}
    local log=$LOGS/ckan-test-setup.log
    : >"$log"
    ensure_core "$base"
    ensure_database "$base"
    ensure_datastore_database "${base}_datastore"
    # worker 0 of the slot: migrated like any portal
    ( eval "$(test_env 0)"; ckan_db_migrate "$TEST_INI" "$log"
      ensure_datastore "${base}_datastore" "$TEST_INI" "$log" )
    # the other workers: copies of it (CREATE DATABASE … TEMPLATE: a second, not a migration)
    local k
    for k in $(seq 1 $((TEST_WORKERS - 1))); do
        local db=${base}_gw$k
        ensure_core "$db"
        psql_super -d postgres -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" \
            -c "DROP DATABASE IF EXISTS ${db}_datastore WITH (FORCE)" \
            -c "CREATE DATABASE $db OWNER ckan TEMPLATE $base" \
            -c "CREATE DATABASE ${db}_datastore OWNER ckan TEMPLATE ${base}_datastore" >>"$log" 2>&1 ||
            fail_with_log postgres "$log" "cannot copy $base for worker $k"
        ( eval "$(test_env "$k")"; ensure_datastore "${db}_datastore" "$TEST_INI" "$log" )
    done
}

ckan_answers() {
    curl -sf --max-time "${1:-5}" "http://127.0.0.1:$CKAN_PORT/api/3/action/status_show" >/dev/null 2>&1
}

# The pid file names OUR server only if that process is alive and is a gunicorn (or ckan) of
# this checkout's virtualenv: a pid reused by another program after a crash is not ours.
ckan_pid_ours() {
    pid_alive "$CKAN_PID" || return 1
    local cmdline
    cmdline=$(tr '\0' ' ' <"/proc/$(cat "$CKAN_PID")/cmdline" 2>/dev/null) || return 1
    case "$cmdline" in *"$VENV"/bin/gunicorn*|*"$VENV"/bin/ckan*) return 0 ;; esac
    return 1
}

# Wait for our own CKAN, still starting or busy (under load a status_show may take more than a
# few seconds): bounded, saying every 10 s how long it has been.
CKAN_START_TIMEOUT=${METROPOLE_CKAN_START_TIMEOUT:-180}
wait_for_our_ckan() {
    local started=$SECONDS waited=0 next=10
    while [ "$waited" -lt "$CKAN_START_TIMEOUT" ]; do
        ckan_pid_ours || return 1
        ckan_answers 10 && return 0
        waited=$((SECONDS - started))
        if [ "$waited" -ge "$next" ]; then
            say "ckan: pid $(cat "$CKAN_PID") is ours and not answering yet (${waited} s of ${CKAN_START_TIMEOUT} s)"
            next=$((next + 10))
        fi
        sleep 1
    done
    return 2
}

# `make up` serves CKAN with gunicorn (ckanext/metropole/stack/gunicorn_conf.py), sized to the
# machine (ckanext/metropole/stack/server.py); `make run` keeps the development server, which
# reloads the code on change.
start_ckan_background() {
    if ckan_pid_ours; then
        # ours: already serving, or still starting, or busy — never "another process"
        local rc=0
        wait_for_our_ckan || rc=$?
        case $rc in
            0) return 0 ;;
            2) fail_with_log ckan "$CKAN_LOG" "our CKAN (pid $(cat "$CKAN_PID")) does not answer status_show after ${CKAN_START_TIMEOUT} s; make down, then make up" ;;
            *) fail_with_log ckan "$CKAN_LOG" "our CKAN (pid $(cat "$CKAN_PID")) exited while we waited for it" ;;
        esac
    fi
    rm -f "$CKAN_PID"  # absent, dead, or a pid now used by another program
    if port_open "$CKAN_PORT"; then
        die "ckan: port 127.0.0.1:$CKAN_PORT is already taken by another process (log: $CKAN_LOG)"
    fi
    say "ckan: starting gunicorn ($WEB_WORKERS workers x $WEB_THREADS threads) on http://127.0.0.1:$CKAN_PORT (log: $CKAN_LOG)"
    : >"$CKAN_LOG"
    CKAN_INI=$DEV_INI METROPOLE_WEB_WORKERS=$WEB_WORKERS METROPOLE_WEB_THREADS=$WEB_THREADS \
        setsid nohup "$VENV/bin/gunicorn" -c python:ckanext.metropole.stack.gunicorn_conf \
        --bind "127.0.0.1:$CKAN_PORT" >>"$CKAN_LOG" 2>&1 </dev/null &
    echo $! >"$CKAN_PID"
    local rc=0
    wait_for_our_ckan || rc=$?
    case $rc in
        0) return 0 ;;
        2) stop_ckan; fail_with_log ckan "$CKAN_LOG" "status_show does not answer after ${CKAN_START_TIMEOUT} s" ;;
        *) rm -f "$CKAN_PID"; fail_with_log ckan "$CKAN_LOG" "exited during start-up" ;;
    esac
}

# CKAN's background jobs (xloader's DataStore loads, and any other capability's jobs) run in
# `ckan jobs worker` on the portal's Redis database.
WORKER_PID=$RUN/worker.pid
WORKER_LOG=$LOGS/worker.log

# A listening rq worker registers itself (with its pid) in the portal's Redis database 0.
worker_registered() {
    local pid=$1 w
    for w in $(redis-cli -h 127.0.0.1 -p "$REDIS_PORT" -n 0 smembers rq:workers 2>/dev/null); do
        [ "$(redis-cli -h 127.0.0.1 -p "$REDIS_PORT" -n 0 hget "$w" pid 2>/dev/null)" = "$pid" ] && return 0
    done
    return 1
}

start_worker() {
    pid_alive "$WORKER_PID" && return 0
    say "worker: starting ckan jobs worker (log: $WORKER_LOG)"
    setsid nohup "$CKAN" -c "$DEV_INI" jobs worker >>"$WORKER_LOG" 2>&1 </dev/null &
    echo $! >"$WORKER_PID"
    local i
    for i in $(seq 1 180); do
        pid_alive "$WORKER_PID" || { rm -f "$WORKER_PID"; fail_with_log worker "$WORKER_LOG" "exited during start-up"; }
        worker_registered "$(cat "$WORKER_PID")" && return 0
        sleep 0.5
    done
    stop_worker
    fail_with_log worker "$WORKER_LOG" "not listening after 90 s"
}

stop_worker() {
    if pid_alive "$WORKER_PID"; then
        say "worker: stopping"
        kill -- "-$(cat "$WORKER_PID")" 2>/dev/null || kill "$(cat "$WORKER_PID")" 2>/dev/null || true
        wait_gone "$WORKER_PID"
    fi
    rm -f "$WORKER_PID"
}

stop_ckan() {
    if ckan_pid_ours; then
        say "ckan: stopping"
        # gunicorn's master and workers (or the development server and its reloader child)
        # share one process group: stop it whole.
        kill -- "-$(cat "$CKAN_PID")" 2>/dev/null || kill "$(cat "$CKAN_PID")" 2>/dev/null || true
        wait_gone "$CKAN_PID"
    fi
    rm -f "$CKAN_PID"
}

# ---------------------------------------------------------------- commands

start_services() {
    start_postgres
    start_redis
    start_solr
}

# Stop, at exit, only what this invocation started (a running `make up` stack is kept).
stop_started_by_me() {
    local list=$RUN/started-by-me
    [ -f "$list" ] || return 0
    grep -q solr "$list" && stop_solr
    grep -q redis "$list" && stop_redis
    grep -q postgres "$list" && stop_postgres
    rm -f "$list"
}

# When `up` or `run` fails midway, say what is left running rather than leave it silently.
report_left_running() {
    local rc=${1:-$?} running=()
    [ "$rc" -eq 0 ] && return 0
    pg_running && running+=(postgres)
    pid_alive "$REDIS_PID" && running+=(redis)
    pid_alive "$SOLR_PID" && running+=(solr)
    pid_alive "$CKAN_PID" && running+=(ckan)
    pid_alive "$WORKER_PID" && running+=(worker)
    if [ ${#running[@]} -gt 0 ]; then
        printf '\033[33mstill running: %s (stop them with: make down)\033[0m\n' "${running[*]}" >&2
    fi
}

# Sourced by scripts/cluster.sh: the functions above, no command (the cluster reuses the
# installation and the PostgreSQL, Redis and CKAN steps of this stack).
if [ "${BASH_SOURCE[0]}" != "$0" ]; then return 0; fi

cmd=${1:-}
shift || true
case "$cmd" in
    install)
        install_all
        ;;
    up)
        trap report_left_running EXIT
        install_all
        rm -f "$RUN/started-by-me"
        start_services
        prepare_dev
        start_ckan_background
        start_worker
        rm -f "$RUN/started-by-me"
        say "portal on http://127.0.0.1:$CKAN_PORT — stop it with: make down"
        ;;
    run)
        trap report_left_running EXIT
        install_all
        rm -f "$RUN/started-by-me"
        start_services
        prepare_dev
        rm -f "$RUN/started-by-me"
        if ckan_pid_ours; then
            die "ckan: already serving in the background (make up); stop it with make down first"
        fi
        if port_open "$CKAN_PORT"; then
            die "ckan: port 127.0.0.1:$CKAN_PORT is already taken by another process"
        fi
        start_worker
        # the worker lives as long as the foreground CKAN
        trap 'rc=$?; stop_worker; report_left_running "$rc"' EXIT
        say "portal on http://127.0.0.1:$CKAN_PORT (Ctrl-C stops CKAN and the worker; make down stops the services)"
        "$CKAN" -c "$DEV_INI" run -H 127.0.0.1 -p "$CKAN_PORT" --threaded --disable-debugger
        ;;
    down)
        bash "$SELF" stop
        ;;
    test)
        install_all
        rm -f "$RUN/started-by-me"
        [ -n "${KEEP_STACK:-}" ] || trap stop_started_by_me EXIT
        start_services
        prepare_test
        say "running the test suite ($TEST_WORKERS workers${TEST_SLOT:+, slot $TEST_SLOT})"
        cd "$ROOT"
        export METROPOLE_TEST_SLOT=$TEST_SLOT METROPOLE_TEST_WORKERS=$TEST_WORKERS
        workers=(-n "$TEST_WORKERS")
        # arguments that choose the workers themselves win (-n 0: one process, as before)
        for a in "$@"; do case "$a" in -n|-n*|--numprocesses*|no:xdist) workers=() ;; esac; done
        [ "$TEST_WORKERS" = 1 ] && workers=()
        "$VENV/bin/pytest" --ckan-ini=test.ini "${workers[@]}" "$@"
        ;;
    bench)
        install_all
        rm -f "$RUN/started-by-me"
        [ -n "${KEEP_STACK:-}" ] || trap stop_started_by_me EXIT
        start_services
        # benchmarks have their own database and core: they run beside the tests and the demo
        refresh_core ckan_bench
        ensure_database ckan_bench
        # test.ini's plugins (the benchmarks' "ours") include the DataStore, on the test one
        ensure_database ckan_test
        ensure_datastore_database ckan_test_datastore
        ensure_datastore ckan_test_datastore "$TEST_INI" "$LOGS/bench-setup.log"
        cd "$ROOT"
        "$PY" -m bench "$@"
        ;;
    start)
        # start [postgres|redis|solr]...: the services only (all three by default)
        for service in "${@:-postgres redis solr}"; do
            for s in $service; do
                case $s in postgres|redis|solr) "start_$s" ;; *) die "unknown service '$s' (postgres, redis, solr)" ;; esac
            done
        done
        ;;
    stop)
        stop_worker
        stop_ckan
        stop_solr
        stop_redis
        stop_postgres
        rm -f "$RUN/started-by-me"
        ;;
    ckan-wait)
        # the health check of `up` alone (tests): 0 ours and answering, 1 not ours or exited,
        # 2 ours but silent for METROPOLE_CKAN_START_TIMEOUT seconds
        rc=0
        wait_for_our_ckan || rc=$?
        exit $rc
        ;;
    solr-jars)
        install_solr_jars
        ;;
    solr-foreground)
        solr_foreground "$@"
        ;;
    status)
        pg_running && echo "postgres: running (127.0.0.1:$PG_PORT, $PGDATA_DIR)" || echo "postgres: stopped"
        pid_alive "$REDIS_PID" && echo "redis: running (127.0.0.1:$REDIS_PORT)" || echo "redis: stopped"
        pid_alive "$SOLR_PID" && echo "solr: running (http://127.0.0.1:$SOLR_PORT/solr)" || echo "solr: stopped"
        ckan_pid_ours && echo "ckan: running (http://127.0.0.1:$CKAN_PORT)" || echo "ckan: stopped"
        pid_alive "$WORKER_PID" && echo "worker: running (ckan jobs worker)" || echo "worker: stopped"
        ;;
    *)
        sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//'
        exit 2
        ;;
esac
