#!/usr/bin/env bash
# Runs once, when the primary's data directory is first initialised (docker-entrypoint-initdb.d):
# creates the replication role and lets it stream WAL to the standby.
set -euo pipefail

psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres \
  --set=password="$REPLICATION_PASSWORD" <<'SQL'
CREATE ROLE replicator WITH REPLICATION LOGIN PASSWORD :'password';
SQL

# "all" in pg_hba.conf does not match replication connections: they need their own line.
echo "host replication replicator all scram-sha-256" >>"$PGDATA/pg_hba.conf"
