#!/usr/bin/env bash
# A throwaway PostgreSQL 15 cluster for the tests.
#
#   test-postgres.sh setup    DIR    a fresh cluster, started, with a database "warren"
#   test-postgres.sh start    DIR    start it again after `stop` (same port); `setup` if there is none
#   test-postgres.sh stop     DIR    stop the server (fast shutdown: sessions are cut), keep the data
#   test-postgres.sh restart  DIR    stop, then start
#   test-postgres.sh env      DIR    print the libpq connection string, e.g.
#                                    host=127.0.0.1 port=45678 dbname=warren user=warren
#   test-postgres.sh teardown DIR    stop the server and delete the cluster
#
# DIR is a small handle directory (the cluster itself lives in a fresh mktemp
# directory it points to). Every command returns only when it is done (the
# server accepts connections, or it is gone) and exits non-zero, with the tail
# of the server log, when it fails.
#
# Under ctest (tests/stores/CMakeLists.txt): `setup` is the test that sets up
# the fixture `postgres`, `teardown` the one that cleans it up, and every test
# with FIXTURES_REQUIRED postgres gets WARREN_TEST_POSTGRES_CTL in its
# environment: a command taking one argument, this script bound to the build's
# handle directory. So a test runs
#   "$WARREN_TEST_POSTGRES_CTL" env       to get the connection string,
#   "$WARREN_TEST_POSTGRES_CTL" stop      then start, or restart, to bounce the server.
# Tests run in parallel on this one cluster: a test that stops the server must
# be RUN_SERIAL, and a test wanting an empty database creates its own (the
# user is a superuser; CREATE DATABASE takes a few milliseconds here).
#
# Besides the superuser `warren`, trusted on loopback, the cluster has a role
# `warren_password` that must log in with a password (SCRAM), for the tests
# of password handling: they set it with ALTER ROLE ... PASSWORD.
#
# PostgreSQL refuses to run as root: as root, the cluster belongs to `nobody`
# and every server binary runs as that user. Authentication is trust, and the
# server listens on 127.0.0.1 only.
set -euo pipefail

bin=/usr/lib/postgresql/15/bin
user=warren
database=warren

die() {
    echo "test-postgres: $*" >&2
    exit 1
}

usage() {
    echo "usage: $0 setup|start|stop|restart|env|teardown DIR" >&2
    exit 2
}

command=${1:-}
handle=${2:-}
[ -n "$command" ] && [ -n "$handle" ] || usage
[ -x "$bin/pg_ctl" ] || die "$bin/pg_ctl not found: install postgresql-15 (make deps)"

# Runs a server binary as the cluster's owner, from a directory that user can
# read (PostgreSQL tools fail when they cannot stat the working directory).
as_owner() {
    if [ "$(id -u)" = 0 ]; then
        (cd "$cluster" && runuser -u nobody -- "$@")
    else
        (cd "$cluster" && "$@")
    fi
}

# The cluster directory and port of the handle, when it has a cluster.
load() {
    cluster=
    port=
    [ -f "$handle/cluster" ] || return 1
    cluster=$(cat "$handle/cluster")
    port=$(cat "$handle/port")
    [ -d "$cluster/data" ]
}

running() {
    as_owner "$bin/pg_ctl" status -D "$cluster/data" >/dev/null 2>&1
}

show_log() {
    echo "test-postgres: server log ($cluster/server.log):" >&2
    tail -n 20 "$cluster/server.log" >&2 || true
}

# A port nobody listens on now. Another process may take it before the server
# binds it: setup then draws again.
free_port() {
    local p
    for _ in $(seq 1 100); do
        p=$((20000 + RANDOM % 40000))
        if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
            echo "$p"
            return 0
        fi
    done
    die "no free port found on 127.0.0.1"
}

start_server() {
    running && return 0
    as_owner "$bin/pg_ctl" start -D "$cluster/data" -l "$cluster/server.log" -w -t 60 \
        -o "-p $port" >/dev/null
}

stop_server() {
    running || return 0
    as_owner "$bin/pg_ctl" stop -D "$cluster/data" -m fast -w -t 60 >/dev/null ||
        as_owner "$bin/pg_ctl" stop -D "$cluster/data" -m immediate -w -t 60 >/dev/null
}

teardown() {
    if load; then
        stop_server || true
    fi
    [ -n "$cluster" ] && rm -rf "$cluster"
    rm -f "$handle/cluster" "$handle/port" "$handle/conninfo"
}

setup() {
    teardown
    cluster=$(mktemp -d "${TMPDIR:-/tmp}/warren-pg.XXXXXX")
    echo "$cluster" >"$handle/cluster"
    if [ "$(id -u)" = 0 ]; then
        chown nobody "$cluster"
        # PostgreSQL refuses to run as root, and `nobody` must be able to reach
        # its binaries: a root directory of mode 700 (some chroots) forbids it.
        runuser -u nobody -- test -x "$bin/initdb" ||
            die "user nobody cannot execute $bin/initdb: is / (or a directory above it) not searchable by others? ($(stat -c '%A %n' /))"
    fi
    as_owner "$bin/initdb" -D "$cluster/data" -U "$user" --auth=trust -E UTF8 --no-locale \
        --no-sync >"$cluster/initdb.log" 2>&1 || { cat "$cluster/initdb.log" >&2; die "initdb failed"; }
    # A throwaway cluster: durability off for speed; room for parallel tests.
    cat >>"$cluster/data/postgresql.conf" <<EOF
listen_addresses = '127.0.0.1'
unix_socket_directories = '$cluster'
fsync = off
synchronous_commit = off
full_page_writes = off
max_connections = 300
EOF
    # First match wins: this line goes before initdb's trust lines.
    local hba="$cluster/data/pg_hba.conf"
    { echo "host all warren_password 127.0.0.1/32 scram-sha-256"; cat "$hba"; } >"$cluster/pg_hba.new"
    cat "$cluster/pg_hba.new" >"$hba" # rewritten in place: it keeps its owner
    rm "$cluster/pg_hba.new"
    local started=
    for _ in 1 2 3 4 5; do
        port=$(free_port)
        echo "$port" >"$handle/port"
        if start_server; then
            started=1
            break
        fi
    done
    [ -n "$started" ] || { show_log; die "the server did not start"; }
    "$bin/createdb" -h 127.0.0.1 -p "$port" -U "$user" "$database"
    "$bin/psql" -h 127.0.0.1 -p "$port" -U "$user" -d "$database" -q -c "CREATE ROLE warren_password LOGIN"
    echo "host=127.0.0.1 port=$port dbname=$database user=$user" >"$handle/conninfo"
}

mkdir -p "$handle"
handle=$(cd "$handle" && pwd)

case "$command" in
setup)
    setup
    ;;
start)
    if load; then
        start_server || { show_log; die "the server did not start"; }
    else
        setup
    fi
    ;;
stop)
    load || die "no cluster in $handle (run setup first)"
    stop_server || { show_log; die "the server did not stop"; }
    ;;
restart)
    load || die "no cluster in $handle (run setup first)"
    stop_server || { show_log; die "the server did not stop"; }
    start_server || { show_log; die "the server did not start"; }
    ;;
env)
    [ -f "$handle/conninfo" ] || die "no cluster in $handle (run setup first)"
    cat "$handle/conninfo"
    ;;
teardown)
    teardown
    ;;
*)
    usage
    ;;
esac
