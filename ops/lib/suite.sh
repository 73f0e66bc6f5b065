# Shared by ops/up and ops/down (bash). Where the suite runs and how it stops.
TRIDENT_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
RUN_DIR=${TRIDENT_RUN_DIR:-$TRIDENT_ROOT/run}
LOG_DIR=$RUN_DIR/logs
PID_DIR=$RUN_DIR/pids
SUITE_PID_FILE=$RUN_DIR/suite.pid
PG_DATA=$RUN_DIR/pgdata

# Stop order: the gateway first (no new requests), the services, the database last.
STOP_ORDER=(gateway seq2seq decoder decoder-2 decoder-3 decoder-4 decoder-5 decoder-6 decoder-7 decoder-8 encoder postgres)

alive() { [ -n "${1:-}" ] && kill -0 "$1" 2>/dev/null; }

# stop_pid NAME PID SECONDS: SIGTERM, wait, then SIGKILL.
stop_pid() {
  local name=$1 pid=$2 wait_s=$3 i
  alive "$pid" || return 0
  kill -TERM "$pid" 2>/dev/null || true
  for ((i = 0; i < wait_s * 10; i++)); do
    alive "$pid" || return 0
    sleep 0.1
  done
  echo "trident: $name (pid $pid) did not stop within ${wait_s}s; killing it" >&2
  kill -KILL "$pid" 2>/dev/null || true
}

# stop_recorded: stops every process with a pid file, in STOP_ORDER, then any PostgreSQL still holding run/pgdata.
stop_recorded() {
  local name pid
  for name in "${STOP_ORDER[@]}"; do
    [ -f "$PID_DIR/$name.pid" ] || continue
    pid=$(cat "$PID_DIR/$name.pid" 2>/dev/null || true)
    stop_pid "$name" "$pid" 40
    rm -f "$PID_DIR/$name.pid"
  done
  # A database launcher killed with -9 leaves its server behind: stop it with a fast shutdown.
  if [ -f "$PG_DATA/postmaster.pid" ]; then
    pid=$(head -n 1 "$PG_DATA/postmaster.pid" 2>/dev/null || true)
    if alive "$pid" && grep -q postgres "/proc/$pid/cmdline" 2>/dev/null; then
      kill -INT "$pid" 2>/dev/null || true
      for ((i = 0; i < 300; i++)); do alive "$pid" || break; sleep 0.1; done
    fi
  fi
}

# admin_key: the gateway's admin key: TRIDENT_ADMIN_KEY, else one generated once and kept in run/admin-key (0600).
admin_key() {
  if [ -n "${TRIDENT_ADMIN_KEY:-}" ]; then echo "$TRIDENT_ADMIN_KEY"; return; fi
  if [ ! -s "$RUN_DIR/admin-key" ]; then
    (umask 077 && head -c 32 /dev/urandom | base64 | tr -d '/+=\n' > "$RUN_DIR/admin-key")
  fi
  cat "$RUN_DIR/admin-key"
}

# api_key_lines PORT: what a newcomer needs to call the suite: the first API key when the gateway just created it
# (it logs it once, on a database without keys), else how to make one with the admin API.
api_key_lines() {
  local port=$1 key
  key=$(grep -m1 -o 'first API key.*Bearer [A-Za-z0-9_-]*' "$LOG_DIR/gateway.log" 2>/dev/null | grep -o 'trd_[A-Za-z0-9_-]*')
  if [ -n "$key" ]; then
    echo "  API key   $key  (team default; shown only at this first start: keep it)"
    echo "            curl -H 'Authorization: Bearer $key' localhost:$port/v1/services"
  else
    echo "  API keys  make one: curl -H \"Authorization: Bearer \$(cat $RUN_DIR/admin-key)\" -H 'Content-Type: application/json' \\"
    echo "              -d '{\"team\":\"default\"}' localhost:$port/admin/keys"
  fi
}
