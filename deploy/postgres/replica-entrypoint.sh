#!/usr/bin/env bash
# Entrypoint of the streaming replica: on first start, clone the primary with pg_basebackup -R
# (writes standby.signal and primary_conninfo) through a physical replication slot, then run
# postgres as a hot standby. Later starts reuse the clone and resume streaming from the slot.
set -euo pipefail

: "${PRIMARY_HOST:?PRIMARY_HOST is required}"
: "${REPLICATION_PASSWORD:?REPLICATION_PASSWORD is required}"
PRIMARY_PORT="${PRIMARY_PORT:-5432}"
SLOT_NAME="${REPLICATION_SLOT:-replica_1}"

if [ ! -s "$PGDATA/PG_VERSION" ]; then
  until pg_isready --host "$PRIMARY_HOST" --port "$PRIMARY_PORT" --quiet; do
    echo "replica: waiting for the primary at $PRIMARY_HOST:$PRIMARY_PORT"
    sleep 1
  done
  mkdir -p "$PGDATA"
  chown postgres:postgres "$PGDATA"
  chmod 0700 "$PGDATA"
  # --create-slot fails if the slot survived an earlier clone; drop a stale one first.
  PGPASSWORD="$REPLICATION_PASSWORD" psql "host=$PRIMARY_HOST port=$PRIMARY_PORT user=replicator dbname=postgres" \
    -c "SELECT pg_drop_replication_slot('$SLOT_NAME') WHERE EXISTS (SELECT 1 FROM pg_replication_slots WHERE slot_name = '$SLOT_NAME')" \
    >/dev/null 2>&1 || true
  echo "replica: cloning the primary (pg_basebackup -R)"
  gosu postgres env PGPASSWORD="$REPLICATION_PASSWORD" pg_basebackup \
    --host "$PRIMARY_HOST" --port "$PRIMARY_PORT" --username replicator \
    --pgdata "$PGDATA" --wal-method stream --write-recovery-conf \
    --create-slot --slot "$SLOT_NAME" --checkpoint fast --progress
fi

# The official entrypoint skips initdb because PG_VERSION exists, and drops to the postgres user.
exec docker-entrypoint.sh postgres -c hot_standby=on -c hot_standby_feedback=on "$@"
