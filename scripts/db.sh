#!/usr/bin/env bash
# The project's own PostgreSQL + PostGIS cluster: `db.sh start | stop | status | url`, and a
# streaming replica of it on another port: `db.sh replica [start | stop | status | url]`.
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
    # The port is given at start too: a data folder made earlier with another ANNUAIRE_PG_PORT follows the new one.
    if ! "${RUNAS[@]}" "$BIN/pg_ctl" -D "$PGDATA" -l "$LOG" -w -t 60 -o "-p $PORT" start >/dev/null; then
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

# A hot standby of the cluster above (pg_basebackup -R: streaming replication, read-only), on
# ANNUAIRE_REPLICA_PORT (5462), data in $BASE/pg-replica. It follows every database of the primary
# through a replication slot (the WAL it still needs is kept even under a burst of writes), bounded
# by max_slot_wal_keep_size on the primary: a replica left stopped never fills the disk (past 4 GB
# its slot is lost, and `replica start` then takes a fresh copy by itself).
REPLICA_PORT=${ANNUAIRE_REPLICA_PORT:-5462}
SLOT=annuaire_replica_$REPLICA_PORT
RDATA="$BASE/pg-replica"
RSOCK="$BASE/pg-replica-socket"
RLOG="$BASE/pg-replica.log"
replica_running() { "${RUNAS[@]}" "$BIN/pg_ctl" -D "$RDATA" status >/dev/null 2>&1; }

replica_start() {
  running || start
  # A copy whose slot the primary gave up (wal_status lost, past max_slot_wal_keep_size) or dropped can
  # never catch up again: take a fresh one instead of serving an old state forever.
  local slot
  slot=$(psql_ -d postgres -c "SELECT coalesce((SELECT wal_status FROM pg_replication_slots WHERE slot_name = '$SLOT'), 'missing')")
  if [ -f "$RDATA/PG_VERSION" ] && { [ "$slot" = lost ] || [ "$slot" = missing ]; }; then
    echo "==> the replica's slot $SLOT is lost or missing: the copy in $RDATA cannot catch up, taking a fresh one"
    replica_running && "${RUNAS[@]}" "$BIN/pg_ctl" -D "$RDATA" -m fast stop >/dev/null
    rm -rf "$RDATA"
  fi
  if [ ! -f "$RDATA/PG_VERSION" ]; then
    echo "==> pg_basebackup of 127.0.0.1:$PORT into $RDATA (slot $SLOT)"
    psql_ -d postgres -c "ALTER SYSTEM SET max_slot_wal_keep_size = '4GB'" -c "SELECT pg_reload_conf()" >/dev/null
    psql_ -d postgres -c "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = '$SLOT'" >/dev/null
    mkdir -p "$RDATA" "$RSOCK"; chown "$OWNER" "$RDATA" "$RSOCK"; chmod 700 "$RDATA"
    "${RUNAS[@]}" "$BIN/pg_basebackup" -h 127.0.0.1 -p "$PORT" -U annuaire -D "$RDATA" -R -C -S "$SLOT" -X stream -c fast
    # The copy carries the primary's settings: its own port, socket and a smaller cache.
    "${RUNAS[@]}" tee -a "$RDATA/postgresql.auto.conf" >/dev/null <<CONF
port = $REPLICA_PORT
unix_socket_directories = '$RSOCK'
shared_buffers = 128MB
hot_standby = on
hot_standby_feedback = on
CONF
  fi
  mkdir -p "$RSOCK"; chown "$OWNER" "$RSOCK"; touch "$RLOG"; chown "$OWNER" "$RLOG"
  if ! replica_running; then
    echo "==> starting the replica on 127.0.0.1:$REPLICA_PORT"
    if ! "${RUNAS[@]}" "$BIN/pg_ctl" -D "$RDATA" -l "$RLOG" -w -t 60 start >/dev/null; then
      echo "the replica did not start; the end of $RLOG says why:" >&2; tail -n 5 "$RLOG" >&2
      echo "(port $REPLICA_PORT taken? choose another with ANNUAIRE_REPLICA_PORT=NNNN)" >&2
      exit 1
    fi
  fi
  "$BIN/psql" -h 127.0.0.1 -p "$REPLICA_PORT" -U annuaire -d postgres -qAt \
    -c "SELECT 'replica: in recovery=' || pg_is_in_recovery() || ', streaming from 127.0.0.1:$PORT'"
}

replica() {
  case "${1:-start}" in
    start) replica_start ;;
    stop) if replica_running; then "${RUNAS[@]}" "$BIN/pg_ctl" -D "$RDATA" -m fast stop >/dev/null; echo "replica stopped"; else echo "replica was not running"; fi ;;
    status) if replica_running; then echo "replica running: $RDATA on 127.0.0.1:$REPLICA_PORT"; else echo "replica stopped ($RDATA)"; exit 3; fi ;;
    url) echo "postgis://annuaire@127.0.0.1:$REPLICA_PORT/$DBNAME" ;;
    drop) replica stop; rm -rf "$RDATA"
          psql_ -d postgres -c "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = '$SLOT'" >/dev/null
          echo "replica data and slot removed ($RDATA, $SLOT)" ;;
    *) echo "usage: $0 replica start|stop|status|url|drop" >&2; exit 2 ;;
  esac
}

case "${1:-start}" in
  start) start ;;
  stop) if replica_running; then replica stop; fi
        if running; then "${RUNAS[@]}" "$BIN/pg_ctl" -D "$PGDATA" -m fast stop >/dev/null; echo "PostgreSQL stopped"; else echo "PostgreSQL was not running"; fi ;;
  status) if running; then echo "running: $PGDATA on 127.0.0.1:$PORT"; else echo "stopped ($PGDATA)"; exit 3; fi ;;
  url) echo "postgis://annuaire@127.0.0.1:$PORT/$DBNAME" ;;
  replica) replica "${2:-start}" ;;
  *) echo "usage: $0 start|stop|status|url|replica [start|stop|status|url|drop]" >&2; exit 2 ;;
esac
