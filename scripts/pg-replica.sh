#!/usr/bin/env bash
# A real streaming standby of the local Postgres primary, for development and tests.
#
#   scripts/pg-replica.sh create [--port 5433] [--data-dir DIR] [--delay-ms N]   make it (idempotent) and start it
#   scripts/pg-replica.sh start|stop|status|remove [--port 5433] [--data-dir DIR]
#   scripts/pg-replica.sh set-delay --delay-ms N [--port 5433] [--data-dir DIR]  inject replay lag (reload, no restart)
#   scripts/pg-replica.sh promote [--port 5433] [--data-dir DIR]   make it a primary (pg_ctl promote), for failover drills
#
# Options: --primary-host (127.0.0.1), --primary-port (5432), --pg-version (15), --delay-ms (0).
# The default data dir is /var/tmp/pg-replica-<port>. No permanent replication slot is created
# (pg_basebackup's temporary slot disappears when it ends), so nothing is left behind on the primary;
# the price is that a standby stopped for long may need `remove` + `create` once the primary has
# recycled the WAL it needs.
#
# The only change made to the primary: when it refuses replication connections from 127.0.0.1, the line
# `host replication all 127.0.0.1/32 trust` is appended to its pg_hba.conf and the config reloaded.
set -euo pipefail

command_name="${1:-}"
[[ -n "$command_name" ]] && shift
port=5433
data_dir=""
delay_ms=0
delay_given=false
primary_host=127.0.0.1
primary_port=5432
pg_version=15

usage() {
  sed -n '2,15p' "$0" | sed 's/^# \{0,1\}//'
  exit "${1:-2}"
}

while [[ $# -gt 0 ]]; do
  case "$1" in
    --port) port="$2"; shift 2 ;;
    --data-dir) data_dir="$2"; shift 2 ;;
    --delay-ms) delay_ms="$2"; delay_given=true; shift 2 ;;
    --primary-host) primary_host="$2"; shift 2 ;;
    --primary-port) primary_port="$2"; shift 2 ;;
    --pg-version) pg_version="$2"; shift 2 ;;
    -h | --help) usage 0 ;;
    *) echo "unknown option: $1" >&2; usage ;;
  esac
done

[[ "$port" =~ ^[0-9]+$ ]] || { echo "--port must be a number" >&2; exit 2; }
[[ "$delay_ms" =~ ^[0-9]+$ ]] || { echo "--delay-ms must be a number of milliseconds" >&2; exit 2; }
data_dir="${data_dir:-/var/tmp/pg-replica-$port}"
bin="/usr/lib/postgresql/$pg_version/bin"
log_file="$data_dir/standby.log"

# Postgres refuses to run as root: run its tools as the postgres user when we are root.
as_postgres() {
  if [[ "$(id -un)" == postgres ]]; then
    "$@"
  elif [[ "$(id -u)" == 0 ]]; then
    runuser -u postgres -- "$@"
  else
    echo "run this as root or as the postgres user" >&2
    exit 1
  fi
}

primary_sql() {
  psql -X -q -At -h "$primary_host" -p "$primary_port" -U postgres -d postgres -c "$1"
}

is_running() {
  [[ -f "$data_dir/postmaster.pid" ]] && as_postgres "$bin/pg_ctl" -D "$data_dir" status >/dev/null 2>&1
}

allow_replication_on_primary() {
  local hba
  # Several standbys may be created at once (parallel test files): one editor of pg_hba.conf at a time.
  exec 9>/tmp/pg-replica-hba.lock
  flock 9
  hba="$(primary_sql 'show hba_file')"
  local line="host replication all 127.0.0.1/32 trust"
  if grep -Eq '^[[:space:]]*host[[:space:]]+replication[[:space:]]+all[[:space:]]+127\.0\.0\.1/32[[:space:]]+trust' "$hba"; then
    flock -u 9
    return
  fi
  echo "adding '$line' to $hba and reloading the primary (additive; needed for pg_basebackup and streaming)"
  printf '%s\n' "$line" >>"$hba"
  primary_sql 'select pg_reload_conf()' >/dev/null
  flock -u 9
}

# Hot standby needs these at least as high as on the primary, so copy them.
write_config() {
  local settings
  settings="$(primary_sql "select string_agg(name || ' = ' || setting, E'\n') from pg_settings where name in ('max_connections','max_worker_processes','max_wal_senders','max_prepared_transactions','max_locks_per_transaction')")"
  as_postgres tee "$data_dir/postgresql.conf" >/dev/null <<EOF
# Written by scripts/pg-replica.sh
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = '$data_dir'
hot_standby = on
hot_standby_feedback = off
recovery_min_apply_delay = '${delay_ms}ms'
shared_buffers = 32MB
$settings
EOF
  as_postgres tee "$data_dir/pg_hba.conf" >/dev/null <<EOF
local all all trust
host all all 127.0.0.1/32 trust
EOF
}

start() {
  if is_running; then
    echo "standby on port $port already running ($data_dir)"
    return
  fi
  as_postgres "$bin/pg_ctl" -D "$data_dir" -l "$log_file" -w -t 60 -o "-p $port" start >/dev/null
  echo "standby started on 127.0.0.1:$port ($data_dir)"
}

stop() {
  if is_running; then
    as_postgres "$bin/pg_ctl" -D "$data_dir" -m fast -w -t 60 stop >/dev/null
    echo "standby on port $port stopped"
  else
    echo "standby on port $port not running"
  fi
}

create() {
  if [[ -f "$data_dir/standby.signal" ]]; then
    echo "standby data dir $data_dir exists; reusing it"
    if $delay_given; then write_config; fi
  else
    if [[ -e "$data_dir" && -n "$(ls -A "$data_dir" 2>/dev/null)" ]]; then
      echo "$data_dir exists and is not a standby made by this script; refusing to touch it" >&2
      exit 1
    fi
    allow_replication_on_primary
    mkdir -p "$data_dir"
    chmod 700 "$data_dir"
    [[ "$(id -u)" == 0 ]] && chown postgres:postgres "$data_dir"
    echo "copying the primary ${primary_host}:${primary_port} into $data_dir (pg_basebackup)"
    as_postgres "$bin/pg_basebackup" -h "$primary_host" -p "$primary_port" -U postgres \
      -D "$data_dir" -R -X stream --checkpoint=fast
    # A primary configured through postgresql.auto.conf (a private test cluster) hands its own port and
    # socket directory down with the copy; the standby's postgresql.conf below must decide those.
    as_postgres sed -i -E '/^(port|listen_addresses|unix_socket_directories)[[:space:]]*=/d' \
      "$data_dir/postgresql.auto.conf"
    write_config
  fi
  start
}

set_delay() {
  $delay_given || { echo "set-delay needs --delay-ms" >&2; exit 2; }
  [[ -f "$data_dir/standby.signal" ]] || { echo "no standby in $data_dir" >&2; exit 1; }
  as_postgres sed -i "s/^recovery_min_apply_delay = .*/recovery_min_apply_delay = '${delay_ms}ms'/" \
    "$data_dir/postgresql.conf"
  if is_running; then
    as_postgres "$bin/pg_ctl" -D "$data_dir" reload >/dev/null
  fi
  echo "recovery_min_apply_delay = ${delay_ms}ms on the standby at port $port"
}

status() {
  if is_running; then
    psql -X -At -h 127.0.0.1 -p "$port" -U postgres -d postgres \
      -c "select 'running; in recovery: ' || pg_is_in_recovery() || '; replay lsn: ' || pg_last_wal_replay_lsn() || '; lag: ' || coalesce(round(extract(epoch from now() - pg_last_xact_replay_timestamp()) * 1000) || ' ms', 'n/a')"
  else
    echo "not running ($data_dir)"
    return 3
  fi
}

promote() {
  [[ -f "$data_dir/standby.signal" ]] || { echo "no standby in $data_dir" >&2; exit 1; }
  # Promotion deletes standby.signal; the marker lets `remove` recognise the data dir afterwards.
  as_postgres touch "$data_dir/promoted-by-pg-replica"
  as_postgres "$bin/pg_ctl" -D "$data_dir" -w -t 60 promote >/dev/null
  echo "standby on port $port promoted to primary"
}

remove() {
  stop
  if [[ -f "$data_dir/standby.signal" || -f "$data_dir/promoted-by-pg-replica" ]]; then
    rm -rf "$data_dir"
    echo "removed $data_dir"
  elif [[ -e "$data_dir" ]]; then
    echo "$data_dir is not a standby made by this script; left alone" >&2
    exit 1
  fi
}

case "$command_name" in
  create) create ;;
  start)
    [[ -f "$data_dir/standby.signal" ]] || { echo "no standby in $data_dir; run create" >&2; exit 1; }
    start
    ;;
  stop) stop ;;
  status) status ;;
  remove) remove ;;
  set-delay) set_delay ;;
  promote) promote ;;
  *) usage ;;
esac
