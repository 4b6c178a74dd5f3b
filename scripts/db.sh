#!/usr/bin/env bash
# The project's own PostgreSQL + PostGIS cluster: `db.sh start | stop | status | url`.
# Data lives under var/pg (or, when the unprivileged server user cannot reach var/ because a
# parent folder is private, under /var/tmp/annuaire-<hash>/pg, printed at start).
# PostgreSQL refuses to run as root: as root the server runs as the `postgres` user.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
PORT=${ANNUAIRE_PG_PORT:-5442}
DBNAME=${ANNUAIRE_DB_NAME:-annuaire}
BIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
[ -x "$BIN/pg_ctl" ] || { echo "PostgreSQL server binaries not found: run scripts/install.sh" >&2; exit 1; }

if [ "$(id -u)" = 0 ]; then RUNAS=(runuser -u postgres --); OWNER=postgres; else RUNAS=(); OWNER=$(id -un); fi

datadir() {
  mkdir -p var
  if [ "$OWNER" = postgres ] && ! runuser -u postgres -- test -x "$ROOT/var" 2>/dev/null; then
    echo "/var/tmp/annuaire-$(echo "$ROOT" | md5sum | cut -c1-8)"
  else
    echo "$ROOT/var"
  fi
}
BASE=$(datadir)
PGDATA="$BASE/pg"
SOCKDIR="$BASE/pg-socket"
LOG="$BASE/pg.log"

running() { "${RUNAS[@]}" "$BIN/pg_ctl" -D "$PGDATA" status >/dev/null 2>&1; }
psql_() { "$BIN/psql" -h 127.0.0.1 -p "$PORT" -U annuaire -v ON_ERROR_STOP=1 -qAt "$@"; }

start() {
  if [ ! -f "$PGDATA/PG_VERSION" ]; then
    [ "$BASE" = "$ROOT/var" ] || echo "==> $ROOT/var is not reachable by the '$OWNER' user: cluster data in $PGDATA"
    echo "==> initdb $PGDATA"
    mkdir -p "$PGDATA" "$SOCKDIR"; chown "$OWNER" "$BASE" "$PGDATA" "$SOCKDIR"; chmod 700 "$PGDATA"
    "${RUNAS[@]}" "$BIN/initdb" -D "$PGDATA" -U annuaire --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
    cat >> "$PGDATA/postgresql.conf" <<CONF
listen_addresses = '127.0.0.1'
port = $PORT
unix_socket_directories = '$SOCKDIR'
shared_buffers = 512MB
work_mem = 16MB
maintenance_work_mem = 256MB
max_connections = 200
fsync = ${ANNUAIRE_PG_FSYNC:-on}
synchronous_commit = off
random_page_cost = 1.1
jit = off
CONF
  fi
  mkdir -p "$SOCKDIR"; chown "$OWNER" "$SOCKDIR"
  touch "$LOG"; chown "$OWNER" "$LOG"
  if ! running; then
    echo "==> starting PostgreSQL on 127.0.0.1:$PORT"
    if ! "${RUNAS[@]}" "$BIN/pg_ctl" -D "$PGDATA" -l "$LOG" -w -t 60 start >/dev/null; then
      echo "PostgreSQL did not start; the end of $LOG says why:" >&2
      tail -n 5 "$LOG" >&2
      echo "(port $PORT taken by another server? choose another with ANNUAIRE_PG_PORT=NNNN)" >&2
      exit 1
    fi
  fi
  if [ -z "$(psql_ -d postgres -c "SELECT 1 FROM pg_database WHERE datname='$DBNAME'")" ]; then
    echo "==> creating database $DBNAME"
    psql_ -d postgres -c "CREATE DATABASE $DBNAME"
  fi
  psql_ -d "$DBNAME" -c "CREATE EXTENSION IF NOT EXISTS postgis; CREATE EXTENSION IF NOT EXISTS pg_trgm; CREATE EXTENSION IF NOT EXISTS unaccent" 2>&1 | grep -v NOTICE || true
}

case "${1:-start}" in
  start) start ;;
  stop) if running; then "${RUNAS[@]}" "$BIN/pg_ctl" -D "$PGDATA" -m fast stop >/dev/null; echo "PostgreSQL stopped"; else echo "PostgreSQL was not running"; fi ;;
  status) if running; then echo "running: $PGDATA on 127.0.0.1:$PORT"; else echo "stopped ($PGDATA)"; exit 3; fi ;;
  url) echo "postgis://annuaire@127.0.0.1:$PORT/$DBNAME" ;;
  *) echo "usage: $0 start|stop|status|url" >&2; exit 2 ;;
esac
