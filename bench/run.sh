#!/usr/bin/env bash
# Warren benchmark: origin, nginx and the tunnel side by side on loopback.
#
#   bench/run.sh [BIN_DIR]        (`make bench` runs it after building)
#
# BIN_DIR holds warren-gateway, warren and warren-test-origin; default
# $BUILD_DIR/bin, else build/bin of this checkout. A relative BIN_DIR is taken
# from the current directory. Writes bench/RESULTS.md (see bench/README.md for
# what each figure means). It installs nothing: `make deps` brings wrk and
# nginx; it builds the connect-loop tool (warren-bench-connect, bench/) in
# BIN_DIR/.. when BIN_DIR is a CMake build's bin dir. Every load is bounded in
# time and count; every process it starts (and the throwaway PostgreSQL
# cluster) is stopped on exit, also on Ctrl-C or failure. About 4-5 minutes.
#
# Knobs (environment):
#   BENCH_DURATION=4         seconds per wrk run
#   BENCH_ROUNDS=3           wrk runs per figure (interleaved; the median is reported)
#   BENCH_WARMUP=2           seconds of wrk warm-up per target (not reported)
#   BENCH_CONNECTIONS="1 10 50"   connection counts for the small-body runs
#   BENCH_MIB_CONNECTIONS=10 connections for the 1 MiB-body run
#   BENCH_BIG_BYTES=1073741824     size of the single download/upload
#   BENCH_BIG_TIMEOUT=120    seconds before one big transfer is given up
#   BENCH_IDLE_TUNNELS=100   client processes for the per-idle-tunnel figure
#   BENCH_TARGETS="direct nginx tunnel"   a subset, e.g. to test the script
#   BENCH_ORIGIN_THREADS     origin threads (default: nproc, at most 64)
#   BENCH_WRK_THREADS=2      wrk threads (never more than connections)
#   BENCH_STORE=1            keyed tunnels: connects/s per store, keyed vs anonymous req/s (0 skips)
#   BENCH_CONNECTS=2000      connect attempts per connect loop, at most
#   BENCH_CONNECT_SECONDS=10 seconds per connect loop, at most
#   BENCH_CONNECTORS=4       concurrent connect loops (one keyed tunnel each)
#   BENCH_CONNECT_ROUNDS     connect loops per figure, interleaved, median reported (default: BENCH_ROUNDS)
#   BENCH_POSTGRES=1         also on PostgreSQL (a throwaway cluster); 0 skips it
#   BENCH_STORE_CONNECTIONS=50    wrk connections of the keyed/anonymous comparison
#   BENCH_OUT=bench/RESULTS.md
#   BENCH_KEEP_TMP=1         keep the temp dir (logs, configs) afterwards
# Exit status: 0 when every measurement ran, 1 when one failed (RESULTS.md is
# still written, marking it), 2 on a usage or environment error. Goals are
# reported, never asserted.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)

usage() { awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "${BASH_SOURCE[0]}"; }
case "${1:-}" in -h|--help) usage; exit 0 ;; esac
[ $# -le 1 ] || { usage >&2; exit 2; }

BIN=${1:-${BUILD_DIR:-$ROOT/build}/bin}
DURATION=${BENCH_DURATION:-4}
ROUNDS=${BENCH_ROUNDS:-3}
WARMUP=${BENCH_WARMUP:-2}
CONNECTIONS=${BENCH_CONNECTIONS:-"1 10 50"}
MIB_CONNECTIONS=${BENCH_MIB_CONNECTIONS:-10}
BIG=${BENCH_BIG_BYTES:-1073741824}
BIG_TIMEOUT=${BENCH_BIG_TIMEOUT:-120}
IDLE_TUNNELS=${BENCH_IDLE_TUNNELS:-100}
TARGETS=${BENCH_TARGETS:-"direct nginx tunnel"}
NPROC=$(nproc)
ORIGIN_THREADS=${BENCH_ORIGIN_THREADS:-$((NPROC > 64 ? 64 : NPROC))}
WRK_THREADS=${BENCH_WRK_THREADS:-2}
OUT=${BENCH_OUT:-$ROOT/bench/RESULTS.md}
STORE=${BENCH_STORE:-1}
CONNECTS=${BENCH_CONNECTS:-2000}
CONNECT_SECONDS=${BENCH_CONNECT_SECONDS:-10}
CONNECTORS=${BENCH_CONNECTORS:-4}
CONNECT_ROUNDS=${BENCH_CONNECT_ROUNDS:-$ROUNDS}
POSTGRES=${BENCH_POSTGRES:-1}
STORE_CONNECTIONS=${BENCH_STORE_CONNECTIONS:-50}
PG_BIN=/usr/lib/postgresql/15/bin
SMALL_PATH=/bytes/64
MIB=1048576

die() { echo "bench: $*" >&2; exit 2; }
log() { echo "bench: $*" >&2; }

for n in "$DURATION" "$ROUNDS" "$WARMUP" "$MIB_CONNECTIONS" "$BIG" "$BIG_TIMEOUT" "$IDLE_TUNNELS" \
         "$ORIGIN_THREADS" "$WRK_THREADS" $CONNECTIONS "$STORE" "$CONNECTS" "$CONNECT_SECONDS" \
         "$CONNECTORS" "$CONNECT_ROUNDS" "$POSTGRES" "$STORE_CONNECTIONS"; do
  [[ $n =~ ^[0-9]+$ ]] || die "not a whole number: '$n' (check the BENCH_* variables)"
done
want() { [[ " $TARGETS " == *" $1 "* ]]; }
[ "$CONNECTORS" -ge 1 ] && [ "$CONNECTORS" -le 100 ] || die "BENCH_CONNECTORS must be 1-100"
# The keyed-tunnel figures need the gateway and the client.
want_store() { want tunnel && [ "$STORE" != 0 ]; }
for t in $TARGETS; do
  case $t in direct|nginx|tunnel) ;; *) die "unknown target '$t' in BENCH_TARGETS" ;; esac
done

BIN=$(cd "$BIN" 2>/dev/null && pwd) || die "no such bin dir: ${1:-${BUILD_DIR:-$ROOT/build}/bin} (build first: make build)"
need_bins=(warren-test-origin)
want tunnel && need_bins+=(warren-gateway warren)
for b in "${need_bins[@]}"; do
  [ -x "$BIN/$b" ] || die "$BIN/$b is missing (build it: make build; or pass the bin dir)"
done
need_tools=(wrk curl python3 fallocate)
want nginx && need_tools+=(nginx)
for t in "${need_tools[@]}"; do
  command -v "$t" >/dev/null || die "$t is not installed (make deps installs the benchmark tools)"
done

TMP=$(mktemp -d "${TMPDIR:-/tmp}/warren-bench.XXXXXX")
RESULTS=$TMP/results.tsv      # one measurement per line, read by report.py
COMMANDS=$TMP/commands.txt    # every load command, verbatim, for RESULTS.md
: >"$RESULTS"
: >"$COMMANDS"
FAILED=0
KEEP_TMP=${BENCH_KEEP_TMP:-0}

# ---------------------------------------------------------------- processes
PIDS=()
PG_HANDLE=""   # the throwaway PostgreSQL cluster's handle dir, once set up
stop_pids() {
  local pid deadline
  for pid in "$@"; do kill -TERM "$pid" 2>/dev/null || true; done
  deadline=$((SECONDS + 5))
  for pid in "$@"; do
    while kill -0 "$pid" 2>/dev/null && [ $SECONDS -lt $deadline ]; do sleep 0.05; done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
}
cleanup() {
  local status=$?
  trap - EXIT INT TERM
  [ ${#PIDS[@]} -eq 0 ] || stop_pids "${PIDS[@]}"
  # After the gateways (its clients), so the server is not cut under them.
  if [ -n "$PG_HANDLE" ]; then
    "$ROOT/scripts/test-postgres.sh" teardown "$PG_HANDLE" >>"$TMP/postgres.log" 2>&1 \
      || log "could not tear down the PostgreSQL cluster (see $TMP/postgres.log)"
  fi
  rm -f "$TMP/big.bin"
  if [ "$KEEP_TMP" = 1 ] || [ "$status" -ne 0 ]; then
    log "logs and configs kept in $TMP"
  else
    rm -rf "$TMP"
  fi
  exit "$status"
}
trap cleanup EXIT
trap 'log interrupted; exit 130' INT TERM

# Forget PIDs already stopped, so the final cleanup does not signal a reused one.
forget() {
  local keep=() pid gone
  for pid in "${PIDS[@]}"; do
    for gone in "$@"; do [ "$pid" = "$gone" ] && continue 2; done
    keep+=("$pid")
  done
  PIDS=("${keep[@]}")
}

# stop_checked NAME PID: SIGTERM, then records how the process exited; a
# server that crashes on shutdown is worth knowing about.
stop_checked() {
  local name=$1 pid=$2 status=0 deadline=$((SECONDS + 5))
  kill -TERM "$pid" 2>/dev/null || true
  while kill -0 "$pid" 2>/dev/null && [ $SECONDS -lt $deadline ]; do sleep 0.05; done
  if kill -0 "$pid" 2>/dev/null; then
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    status="still running 5 s after SIGTERM (killed)"
  else
    wait "$pid" 2>/dev/null || status=$?
    if [ "$status" -gt 128 ]; then
      status="killed by SIG$(kill -l $((status - 128)) 2>/dev/null || echo $((status - 128)))"
    elif [ "$status" -ne 0 ]; then
      status="exit status $status"
    else
      status="exit status 0"
    fi
  fi
  forget "$pid"
  printf 'exit\t%s\t%s\n' "$name" "$status" >>"$RESULTS"
  [ "$status" = "exit status 0" ] || { log "$name on SIGTERM: $status"; KEEP_TMP=1; }
}

# Quotes a command for a shell only where needed, for RESULTS.md.
show_cmd() {
  local out="" a
  for a in "$@"; do
    if [[ $a =~ ^[A-Za-z0-9_./:=@%+,-]+$ ]]; then out+="$a "; else out+="'${a//\'/\'\\\'\'}' "; fi
  done
  printf '%s\n' "${out% }"
}
# Records a command for RESULTS.md, once (the rounds repeat them).
note_cmd() {
  local line
  line=$(show_cmd "$@")
  grep -Fxq -- "$line" "$COMMANDS" || printf '%s\n' "$line" >>"$COMMANDS"
}

# wait_for FILE REGEX PID WHAT: prints the first match of REGEX in FILE.
wait_for() {
  local file=$1 re=$2 pid=$3 what=$4 deadline=$((SECONDS + 20)) m
  while :; do
    m=$(grep -Eo -m1 "$re" "$file" 2>/dev/null || true)
    [ -n "$m" ] && { printf '%s\n' "$m"; return 0; }
    kill -0 "$pid" 2>/dev/null || { tail -n 20 "$file" >&2; die "$what exited before it was ready"; }
    [ $SECONDS -lt $deadline ] || { tail -n 20 "$file" >&2; die "$what not ready after 20 s"; }
    sleep 0.05
  done
}

# RSS in kB of a process, 0 if it is gone. Sets the global KB (no fork).
rss_of() {
  local k v rest
  KB=0
  while read -r k v rest; do
    [ "$k" = VmRSS: ] && { KB=$v; return 0; }
  done 2>/dev/null <"/proc/$1/status" || true
}
# Sum over a comma-separated list of PIDs.
rss_sum() {
  local total=0 pid
  for pid in ${1//,/ }; do rss_of "$pid"; total=$((total + KB)); done
  KB=$total
}
record_rss() { rss_sum "$2"; printf 'rss\t%s\t%s\n' "$1" "$KB" >>"$RESULTS"; }

# A background sampler of peak RSS: sampler_start LABEL=PIDS...; sampler_stop
# appends "peak LABEL PHASE KB" lines to RESULTS.
SAMPLER=""
sampler_start() {
  local phase=$1; shift
  (
    declare -A peak=()
    labels=()
    for spec in "$@"; do labels+=("${spec%%=*}"); peak[${spec%%=*}]=0; done
    flush() {
      for l in "${labels[@]}"; do printf 'peak\t%s\t%s\t%s\n' "$l" "$phase" "${peak[$l]}"; done >>"$RESULTS"
      exit 0
    }
    trap flush TERM
    while :; do
      for spec in "$@"; do
        rss_sum "${spec#*=}"
        [ "$KB" -gt "${peak[${spec%%=*}]}" ] && peak[${spec%%=*}]=$KB
      done
      sleep 0.1
    done
  ) &
  SAMPLER=$!
  PIDS+=("$SAMPLER")
}
sampler_stop() {
  kill -TERM "$SAMPLER" 2>/dev/null || true
  wait "$SAMPLER" 2>/dev/null || true
  forget "$SAMPLER"
  SAMPLER=""
}
# What to sample for the target under load.
watch_specs() {
  case $1 in
    nginx) echo "nginx=$(nginx_pids)" ;;
    tunnel) echo "gateway=$GW_PID client=$CLIENT_PID" ;;
  esac
}
nginx_pids() {
  local pids=$NGINX_PID w
  for w in $(pgrep -P "$NGINX_PID" || true); do pids+=",$w"; done
  echo "$pids"
}

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# ---------------------------------------------------------------- connect tool
# warren-bench-connect is not in the default build (bench/CMakeLists.txt):
# build it now, before anything is measured, when BIN is a CMake build's.
CONNECT_TOOL=$BIN/warren-bench-connect
STORE_SKIP=""   # why the keyed-tunnel figures are not measured, if they are not
if want_store; then
  if [ -f "$BIN/../CMakeCache.txt" ] && command -v cmake >/dev/null; then
    log "building warren-bench-connect in $(cd "$BIN/.." && pwd)"
    if ! cmake --build "$BIN/.." --target warren-bench-connect >"$TMP/build-connect-tool.log" 2>&1; then
      tail -n 20 "$TMP/build-connect-tool.log" >&2
      STORE_SKIP="warren-bench-connect did not build (see the build log)"
      FAILED=1
    fi
  fi
  [ -n "$STORE_SKIP" ] || [ -x "$CONNECT_TOOL" ] \
    || STORE_SKIP="$CONNECT_TOOL is missing and BIN_DIR is not a CMake build's bin dir"
  [ -z "$STORE_SKIP" ] || log "keyed-tunnel figures skipped: $STORE_SKIP"
elif want tunnel; then
  STORE_SKIP="BENCH_STORE=0"
else
  STORE_SKIP="the tunnel target is not measured (BENCH_TARGETS)"
fi

# ---------------------------------------------------------------- machine
{
  printf 'info\tdate\t%s\n' "$(date -u '+%Y-%m-%d %H:%M:%S UTC')"
  printf 'info\tnproc\t%s\n' "$NPROC"
  printf 'info\tcpu\t%s\n' "$(grep -m1 '^model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//' || echo unknown)"
  printf 'info\tmemory\t%s\n' "$(awk '/^MemTotal/ {printf "%.1f GiB", $2/1048576}' /proc/meminfo)"
  printf 'info\tkernel\t%s\n' "$(uname -sr)"
  printf 'info\tload_start\t%s\n' "$(cut -d' ' -f1-3 /proc/loadavg)"
  printf 'info\twrk\t%s\n' "$(wrk -v 2>&1 | head -n1 | cut -d' ' -f1-3 || true)"
  printf 'info\tcurl\t%s\n' "$(curl --version | head -n1 | cut -d' ' -f1-2)"
  want nginx && printf 'info\tnginx\t%s\n' "$(nginx -v 2>&1 | sed 's/^nginx version: //')"
  printf 'info\tcommit\t%s\n' "$(git -C "$ROOT" describe --always --dirty 2>/dev/null || echo unknown)"
  printf 'info\tbin\t%s\n' "$BIN"
  printf 'info\tduration\t%s\n' "$DURATION"
  printf 'info\trounds\t%s\n' "$ROUNDS"
  printf 'info\twarmup\t%s\n' "$WARMUP"
  printf 'info\tconnections\t%s\n' "$CONNECTIONS"
  printf 'info\tmib_connections\t%s\n' "$MIB_CONNECTIONS"
  printf 'info\tbig_bytes\t%s\n' "$BIG"
  printf 'info\tidle_tunnels\t%s\n' "$IDLE_TUNNELS"
  printf 'info\torigin_threads\t%s\n' "$ORIGIN_THREADS"
  printf 'info\twrk_threads\t%s\n' "$WRK_THREADS"
  printf 'info\ttargets\t%s\n' "$TARGETS"
  printf 'info\tconnects\t%s\n' "$CONNECTS"
  printf 'info\tconnect_seconds\t%s\n' "$CONNECT_SECONDS"
  printf 'info\tconnectors\t%s\n' "$CONNECTORS"
  printf 'info\tconnect_rounds\t%s\n' "$CONNECT_ROUNDS"
  printf 'info\tstore_connections\t%s\n' "$STORE_CONNECTIONS"
} >>"$RESULTS"

# ---------------------------------------------------------------- origin
log "starting the origin ($BIN/warren-test-origin)"
"$BIN/warren-test-origin" --listen 127.0.0.1:0 --threads "$ORIGIN_THREADS" >"$TMP/origin.log" 2>&1 &
ORIGIN_PID=$!
PIDS+=("$ORIGIN_PID")
note_cmd "$BIN/warren-test-origin" --listen 127.0.0.1:0 --threads "$ORIGIN_THREADS"
ORIGIN_ADDR=$(wait_for "$TMP/origin.log" 'origin listening on [0-9.]+:[0-9]+' "$ORIGIN_PID" origin)
ORIGIN_ADDR=${ORIGIN_ADDR##* }
log "origin on $ORIGIN_ADDR"

# ---------------------------------------------------------------- nginx
NGINX_PID=""
if want nginx; then
  NGINX_PORT=$(free_port)
  mkdir -p "$TMP/nginx"
  user_line=""
  [ "$(id -u)" = 0 ] && user_line="user root;"
  cat >"$TMP/nginx/nginx.conf" <<EOF
# One reverse-proxy hop: upstream keep-alive, bodies streamed both ways
# (no temp files), limits lifted so that 1 GiB passes.
$user_line
daemon off;
master_process on;
worker_processes auto;
pid $TMP/nginx/nginx.pid;
error_log $TMP/nginx/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path $TMP/nginx/body;
  proxy_temp_path $TMP/nginx/proxy;
  fastcgi_temp_path $TMP/nginx/fastcgi;
  scgi_temp_path $TMP/nginx/scgi;
  uwsgi_temp_path $TMP/nginx/uwsgi;
  keepalive_requests 1000000;
  keepalive_timeout 120s;
  client_max_body_size 0;
  client_body_buffer_size 64k;
  upstream origin {
    server $ORIGIN_ADDR;
    keepalive 64;
    keepalive_requests 1000000;
  }
  server {
    listen 127.0.0.1:$NGINX_PORT;
    location / {
      proxy_pass http://origin;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_request_buffering off;
      proxy_buffering on;
      proxy_max_temp_file_size 0;
      proxy_buffer_size 16k;
      proxy_buffers 16 64k;
      proxy_busy_buffers_size 128k;
    }
  }
}
EOF
  log "starting nginx on 127.0.0.1:$NGINX_PORT"
  nginx -t -q -c "$TMP/nginx/nginx.conf" -p "$TMP/nginx/" -e "$TMP/nginx/error.log" \
    || { cat "$TMP/nginx/error.log" >&2; die "nginx refused the benchmark config"; }
  nginx -c "$TMP/nginx/nginx.conf" -p "$TMP/nginx/" -e "$TMP/nginx/error.log" >"$TMP/nginx/stdout.log" 2>&1 &
  NGINX_PID=$!
  PIDS+=("$NGINX_PID")
  note_cmd nginx -c "$TMP/nginx/nginx.conf" -p "$TMP/nginx/" -e "$TMP/nginx/error.log"
  deadline=$((SECONDS + 20))
  until curl -s -o /dev/null --max-time 1 "http://127.0.0.1:$NGINX_PORT$SMALL_PATH"; do
    kill -0 "$NGINX_PID" 2>/dev/null || { cat "$TMP/nginx/error.log" >&2; die "nginx exited"; }
    [ $SECONDS -lt $deadline ] || die "nginx not answering after 20 s"
    sleep 0.1
  done
  sleep 1
  record_rss nginx_idle "$(nginx_pids)"
fi

# ---------------------------------------------------------------- gateway + client
# gateway_config FILE [sqlite|postgres]: every gateway has a store of its own
# (the gateway needs one): an SQLite file in its temp dir by default.
gateway_config() {
  cat >"$1" <<'EOF'
[server]
listen = "127.0.0.1:0"
domain = "localhost"
drain_timeout = "1s"

[tunnels]
allow_anonymous = true
reclaim_grace = "0s"

[log]
level = "warn"

EOF
  case ${2:-sqlite} in
    sqlite) printf '[store]\nplugin = "store-sqlite"\npath = "warren.db"  # relative to this file\n' >>"$1" ;;
    postgres) printf '[store]\nplugin = "store-postgres"\nconnection = "%s"\n' "$PG_CONN" >>"$1" ;;
  esac
}
# start_gateway DIR [sqlite|postgres]: sets GW_PID_NEW and GW_PORT_NEW. The
# config is written unless DIR already has one (with keyed tunnels made in
# its store beforehand, say).
start_gateway() {
  local dir=$1 line
  mkdir -p "$dir"
  [ -f "$dir/gateway.toml" ] || gateway_config "$dir/gateway.toml" "${2:-sqlite}"
  # The listening line is logged at info level: ask for it on the command line.
  "$BIN/warren-gateway" --config "$dir/gateway.toml" --listen 127.0.0.1:0 --log-level info \
    >"$dir/gateway.log" 2>&1 &
  GW_PID_NEW=$!
  PIDS+=("$GW_PID_NEW")
  note_cmd "$BIN/warren-gateway" --config "$dir/gateway.toml" --listen 127.0.0.1:0 --log-level info
  # A gateway that does not come up ends the run (exit 2, as `die`), unless
  # the caller tests the status.
  line=$(wait_for "$dir/gateway.log" 'listening on http://127\.0\.0\.1:[0-9]+' "$GW_PID_NEW" gateway) || return 2
  GW_PORT_NEW=${line##*:}
}
# tunnel_count PORT: connected tunnels according to /_health.
tunnel_count() {
  { curl -s --max-time 2 --resolve "localhost:$1:127.0.0.1" "http://localhost:$1/_health" || true; } \
    | python3 -c 'import json,sys
try: print(int(json.load(sys.stdin).get("tunnels", -1)))
except Exception: print(-1)'
}

GW_PID="" CLIENT_PID="" TUNNEL_HOST="" GW_PORT=""
ANON_HOST="" KEYED_HOST="" CONTROL_HOST=""
if want tunnel; then
  # --- idle tunnels, on a gateway of their own so that load leaves no trace
  log "idle tunnels: $IDLE_TUNNELS client processes on a separate gateway"
  start_gateway "$TMP/idle"
  IDLE_GW=$GW_PID_NEW IDLE_PORT=$GW_PORT_NEW
  sleep 1
  record_rss idle_gateway_empty "$IDLE_GW"
  idle_clients=()
  start_idle() { # FIRST LAST: one client process per tunnel, named idle-N
    local i
    for ((i = $1; i <= $2; i++)); do
      "$BIN/warren" http "http://$ORIGIN_ADDR" --server "http://localhost:$IDLE_PORT" --name "idle-$i" --quiet \
        >"$TMP/idle/client-$i.log" 2>&1 &
      idle_clients+=($!)
      PIDS+=($!)
    done
  }
  wait_idle() { # COUNT: waits up to 60 s for COUNT connected tunnels; sets n
    local deadline=$((SECONDS + 60))
    while n=$(tunnel_count "$IDLE_PORT"); [ "$n" -lt "$1" ] && [ $SECONDS -lt $deadline ]; do
      kill -0 "$IDLE_GW" 2>/dev/null || { tail -n 20 "$TMP/idle/gateway.log" >&2; die "the gateway exited"; }
      sleep 0.2
    done
    [ "$n" -ge "$1" ] || { log "only $n of $1 idle tunnels connected after 60 s"; FAILED=1; }
  }
  # The first tunnel pays one-off costs (allocator arenas, buffers, code paged
  # in); the figure per tunnel is the slope from one tunnel to all of them.
  start_idle 1 1
  wait_idle 1
  sleep 1
  record_rss idle_gateway_one "$IDLE_GW"
  start_idle 2 "$IDLE_TUNNELS"
  note_cmd "$BIN/warren" http "http://$ORIGIN_ADDR" --server "http://localhost:$IDLE_PORT" --name 'idle-$i' --quiet
  wait_idle "$IDLE_TUNNELS"
  sleep 2 # let the sessions settle (hello/ready done, buffers shrunk)
  n=$(tunnel_count "$IDLE_PORT")
  record_rss idle_gateway_full "$IDLE_GW"
  printf 'info\tidle_connected\t%s\n' "$n" >>"$RESULTS"
  total=0 alive=0
  for pid in "${idle_clients[@]}"; do
    rss_of "$pid"
    [ "$KB" -gt 0 ] && { total=$((total + KB)); alive=$((alive + 1)); }
  done
  printf 'rss\tidle_clients_total\t%s\n' "$total" >>"$RESULTS"
  printf 'info\tidle_clients_alive\t%s\n' "$alive" >>"$RESULTS"
  stop_checked "gateway with $n idle tunnels" "$IDLE_GW"
  stop_pids "${idle_clients[@]}"
  forget "${idle_clients[@]}"

  # --- the gateway and client that carry the load
  log "starting the gateway and the client"
  start_gateway "$TMP/gateway"
  GW_PID=$GW_PID_NEW GW_PORT=$GW_PORT_NEW
  sleep 1
  record_rss gateway_idle "$GW_PID"
  "$BIN/warren" http "http://$ORIGIN_ADDR" --server "http://localhost:$GW_PORT" --name bench --quiet \
    >"$TMP/client.log" 2>&1 &
  CLIENT_PID=$!
  PIDS+=("$CLIENT_PID")
  note_cmd "$BIN/warren" http "http://$ORIGIN_ADDR" --server "http://localhost:$GW_PORT" --name bench --quiet
  line=$(wait_for "$TMP/client.log" 'Forwarding http://[^ ]+' "$CLIENT_PID" client)
  TUNNEL_HOST=${line#Forwarding http://}
  TUNNEL_HOST=${TUNNEL_HOST%%/*}
  log "tunnel at http://$TUNNEL_HOST"
  sleep 1
  record_rss gateway_idle_tunnel "$GW_PID"
  record_rss client_idle "$CLIENT_PID"
fi

# ---------------------------------------------------------------- load helpers
# base_url TARGET: URL prefix to reach the origin through TARGET.
base_url() {
  case $1 in
    direct) echo "http://$ORIGIN_ADDR" ;;
    nginx) echo "http://127.0.0.1:$NGINX_PORT" ;;
    tunnel) echo "http://127.0.0.1:$GW_PORT" ;;
    anonymous|keyed|control) echo "http://127.0.0.1:${SGW_PORT[sqlite]}" ;;
  esac
}
# host_of TARGET: the Host header a tunnel target needs, empty for the others.
host_of() {
  case $1 in
    tunnel) echo "$TUNNEL_HOST" ;;
    anonymous) echo "$ANON_HOST" ;;
    keyed) echo "$KEYED_HOST" ;;
    control) echo "$CONTROL_HOST" ;;
  esac
}
# host_args TARGET: extra wrk arguments (the Host header for a tunnel).
host_args() {
  local h
  h=$(host_of "$1")
  [ -z "$h" ] || printf '%s\n' -H "Host: $h"
}

# run_wrk TEST TARGET CONNECTIONS PATH [warmup]
run_wrk() {
  local test=$1 target=$2 conns=$3 path=$4 warm=${5:-} threads out json cmd extra=()
  threads=$((conns < WRK_THREADS ? conns : WRK_THREADS))
  [ "$threads" -ge 1 ] || threads=1
  mapfile -t extra < <(host_args "$target")
  local d=$DURATION
  [ -n "$warm" ] && d=$WARMUP
  cmd=(wrk -t "$threads" -c "$conns" -d "${d}s" --timeout 10s --latency -s "$HERE/wrk_report.lua"
       "${extra[@]}" "$(base_url "$target")$path")
  out=$TMP/wrk-$test-$target-$conns${warm:+-warmup}-$round.txt
  if [ -n "$warm" ]; then
    "${cmd[@]}" >"$out" 2>&1 || true
    return 0
  fi
  note_cmd "${cmd[@]}"
  log "wrk $test $target c=$conns (${d}s, round $round/$ROUNDS)"
  if ! timeout $((d + 30)) "${cmd[@]}" >"$out" 2>&1; then
    log "wrk failed for $test $target c=$conns: $(tail -n 3 "$out" | tr '\n' ' ')"
    printf 'fail\twrk\t%s\t%s\t%s\twrk exited with an error\n' "$test" "$target" "$conns" >>"$RESULTS"
    FAILED=1
    return 0
  fi
  json=$(grep -m1 '^WRK_JSON ' "$out" | cut -d' ' -f2-) || true
  if [ -z "$json" ]; then
    printf 'fail\twrk\t%s\t%s\t%s\tno summary from wrk\n' "$test" "$target" "$conns" >>"$RESULTS"
    FAILED=1
    return 0
  fi
  printf 'wrk\t%s\t%s\t%s\t%s\n' "$test" "$target" "$conns" "$json" >>"$RESULTS"
}

# One load run with the memory of the target's proxy sampled.
load() { # PHASE TARGET cmd...
  local phase=$1 target=$2; shift 2
  local specs
  specs=$(watch_specs "$target")
  if [ -n "$specs" ]; then
    # shellcheck disable=SC2086
    sampler_start "$phase" $specs
    "$@"
    sampler_stop
  else
    "$@"
  fi
  check_alive
}

# A server that died under load is a finding: say so once, in RESULTS.md too.
DEAD_REPORTED=""
check_alive() {
  local name pid status
  for name in origin nginx gateway client; do
    case $name in
      origin) pid=$ORIGIN_PID ;; nginx) pid=$NGINX_PID ;; gateway) pid=$GW_PID ;; client) pid=$CLIENT_PID ;;
    esac
    [ -n "$pid" ] || continue
    [[ " $DEAD_REPORTED " == *" $name "* ]] && continue
    kill -0 "$pid" 2>/dev/null && continue
    status=0
    wait "$pid" 2>/dev/null || status=$?
    DEAD_REPORTED+=" $name"
    [ "$status" -gt 128 ] && status="signal $((status - 128))" || status="status $status"
    log "the $name exited during the run ($status); later figures through it are missing"
    printf 'fail	process	%s	-	-	exited during the run (%s)
' "$name" "$status" >>"$RESULTS"
    FAILED=1
  done
}

# big TARGET down|up
big() {
  local target=$1 dir=$2 url out code seconds bytes cmd=() resolve=()
  url=$(base_url "$target")
  if [ "$target" = tunnel ]; then
    url="http://$TUNNEL_HOST"
    resolve=(--resolve "$TUNNEL_HOST:127.0.0.1")
  fi
  out=$TMP/big-$target-$dir.txt
  if [ "$dir" = down ]; then
    cmd=(curl -sS "${resolve[@]}" --max-time "$BIG_TIMEOUT" -o /dev/null
         -w '%{http_code} %{time_total} %{size_download}\n' "$url/bytes/$BIG")
  else
    cmd=(curl -sS "${resolve[@]}" --max-time "$BIG_TIMEOUT" -X POST -T "$TMP/big.bin" -H 'Expect:'
         -H 'Content-Type: application/octet-stream' -o "$TMP/upload-$target.json"
         -w '%{http_code} %{time_total} %{size_upload}\n' "$url/upload")
  fi
  note_cmd "${cmd[@]}"
  log "${dir}load of $BIG bytes via $target"
  if ! "${cmd[@]}" >"$out" 2>"$out.err"; then
    log "curl failed: $(cat "$out.err")"
    printf 'fail\tbig\t%s\t%s\t-\tcurl: %s\n' "$dir" "$target" "$(head -n1 "$out.err")" >>"$RESULTS"
    FAILED=1
    return 0
  fi
  read -r code seconds bytes <"$out"
  if [ "$code" != 200 ] || [ "${bytes%.*}" != "$BIG" ]; then
    printf 'fail\tbig\t%s\t%s\t-\tHTTP %s, %s bytes\n' "$dir" "$target" "$code" "$bytes" >>"$RESULTS"
    FAILED=1
    return 0
  fi
  if [ "$dir" = up ] && ! grep -q "\"size\":$BIG[,}]" "$TMP/upload-$target.json"; then
    printf 'fail\tbig\t%s\t%s\t-\torigin received: %s\n' "$dir" "$target" "$(head -c 200 "$TMP/upload-$target.json")" >>"$RESULTS"
    FAILED=1
    return 0
  fi
  printf 'big\t%s\t%s\t%s\t%s\n' "$dir" "$target" "$seconds" "$BIG" >>"$RESULTS"
}

# ---------------------------------------------------------------- loads
# Sanity: each path answers the small request with 200 before any load.
for target in $TARGETS; do
  extra=()
  [ "$target" = tunnel ] && extra=(-H "Host: $TUNNEL_HOST")
  code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 "${extra[@]}" "$(base_url "$target")$SMALL_PATH" || true)
  [ "$code" = 200 ] || die "GET $SMALL_PATH via $target answered '$code', not 200"
done

log "small bodies (GET $SMALL_PATH)"
round=0
for target in $TARGETS; do run_wrk small "$target" 10 "$SMALL_PATH" warmup; done
for ((round = 1; round <= ROUNDS; round++)); do
  for conns in $CONNECTIONS; do
    for target in $TARGETS; do
      load "small-$conns" "$target" run_wrk small "$target" "$conns" "$SMALL_PATH"
    done
  done
done

log "1 MiB bodies (GET /bytes/$MIB)"
for ((round = 1; round <= ROUNDS; round++)); do
  for target in $TARGETS; do
    load mib "$target" run_wrk mib "$target" "$MIB_CONNECTIONS" "/bytes/$MIB"
  done
done

log "one big download and upload ($BIG bytes)"
fallocate -l "$BIG" "$TMP/big.bin" 2>/dev/null || dd if=/dev/zero of="$TMP/big.bin" bs=1M count=$((BIG / MIB)) status=none
cat "$TMP/big.bin" >/dev/null # into the page cache, so the disk is not measured
for target in $TARGETS; do
  load big "$target" big "$target" down
  load big "$target" big "$target" up
done
rm -f "$TMP/big.bin"

if want tunnel; then
  sleep 2
  record_rss gateway_after "$GW_PID"
  record_rss client_after "$CLIENT_PID"
fi
if want nginx; then
  record_rss nginx_after "$(nginx_pids)"
fi
# Stop the servers now, so that RESULTS.md can say how they exited.
check_alive
if want tunnel; then
  [[ " $DEAD_REPORTED " == *" gateway "* ]] || stop_checked "gateway (after the load)" "$GW_PID"
  [[ " $DEAD_REPORTED " == *" client "* ]] || stop_checked "client (after the load)" "$CLIENT_PID"
fi

# ---------------------------------------------------------------- keyed tunnels and stores
# A gateway per store, side by side: an SQLite file, and PostgreSQL in a
# throwaway cluster. Each has BENCH_CONNECTORS keyed tunnels, one per
# connector of the connect loops (a key's second session would replace its
# first), and one more, bench-keyed, for wrk. The connect loops are
# interleaved over stores and modes; then wrk goes through a keyed and an
# anonymous tunnel of the SQLite gateway, interleaved too.
declare -A SGW_PID=() SGW_PORT=()
STORES=""
# store_fail STORE REASON: a keyed-tunnel measurement that could not run.
store_fail() {
  printf 'fail\tstore\t%s\t-\t-\t%s\n' "$1" "$2" >>"$RESULTS"
  FAILED=1
  KEEP_TMP=1
  log "$1: $2"
}
# make_keyed DIR NAME: creates the keyed tunnel NAME in DIR's store and prints
# its key (the admin CLI shows it once, on stdout).
make_keyed() {
  local dir=$1 name=$2
  "$BIN/warren-gateway" --config "$dir/gateway.toml" tunnels create "$name" >>"$dir/admin.log" 2>&1 || return 1
  local out
  out=$("$BIN/warren-gateway" --config "$dir/gateway.toml" keys issue "$name" 2>>"$dir/admin.log") || return 1
  grep -Eo -m1 'wk_[A-Za-z0-9_-]{43}' <<<"$out"
}
# prepare_store KIND: config, keyed tunnels, gateway; adds KIND to STORES.
prepare_store() {
  local kind=$1 dir=$TMP/store-$1 i key
  mkdir -p "$dir"
  gateway_config "$dir/gateway.toml" "$kind"
  : >"$dir/keys.txt"
  # The keys go to files, never to a command line that RESULTS.md shows.
  for ((i = 1; i <= CONNECTORS + 1; i++)); do
    local name="connect-$i"
    [ "$i" -gt "$CONNECTORS" ] && name=bench-keyed
    if ! key=$(make_keyed "$dir" "$name"); then
      tail -n 5 "$dir/admin.log" >&2
      store_fail "$kind" "could not create the keyed tunnel $name with the admin CLI"
      return 0
    fi
    if [ "$name" = bench-keyed ]; then printf '%s\n' "$key" >"$dir/bench-keyed.key"
    else printf '%s\n' "$key" >>"$dir/keys.txt"; fi
  done
  note_cmd "$BIN/warren-gateway" --config "$dir/gateway.toml" tunnels create 'connect-$i'
  note_cmd "$BIN/warren-gateway" --config "$dir/gateway.toml" keys issue 'connect-$i'
  if ! start_gateway "$dir" "$kind"; then
    store_fail "$kind" "the gateway did not start"
    return 0
  fi
  SGW_PID[$kind]=$GW_PID_NEW
  SGW_PORT[$kind]=$GW_PORT_NEW
  STORES+=" $kind"
}
# store_alive KIND: whether its gateway still runs; says so once when not.
store_alive() {
  local pid=${SGW_PID[$1]:-}
  [ -n "$pid" ] || return 1
  kill -0 "$pid" 2>/dev/null && return 0
  store_fail "$1" "the gateway exited during the run"
  forget "$pid"
  SGW_PID[$1]=""
  return 1
}
# connect_loop KIND anonymous|keyed: one bounded connect/disconnect loop.
connect_loop() {
  local kind=$1 mode=$2 dir=$TMP/store-$1 port=${SGW_PORT[$1]} out json cmd
  cmd=("$CONNECT_TOOL" --server "127.0.0.1:$port" --host "localhost:$port" --connectors "$CONNECTORS"
       --connects "$CONNECTS" --seconds "$CONNECT_SECONDS")
  [ "$mode" = keyed ] && cmd+=(--keys-file "$dir/keys.txt")
  note_cmd "${cmd[@]}"
  out=$TMP/connect-$kind-$mode-$round.json
  log "connects: $mode on $kind (at most $CONNECTS or ${CONNECT_SECONDS}s, round $round/$CONNECT_ROUNDS)"
  # Bounded by the tool itself; the timeout only guards against a hang.
  timeout $((CONNECT_SECONDS + 60)) "${cmd[@]}" >"$out" 2>"$out.err" || true
  json=$(head -n1 "$out")
  if [[ $json != "{"* ]]; then
    store_fail "$kind" "the $mode connect loop gave no result: $(head -c 200 "$out.err" | tr '\n' ' ')"
    return 0
  fi
  printf 'connect\t%s\t%s\t%s\n' "$kind" "$mode" "$json" >>"$RESULTS"
}
# metric PORT NAME: a label-less metric of a gateway, 0 when absent.
metric() {
  { curl -s --max-time 2 --resolve "localhost:$1:127.0.0.1" "http://localhost:$1/metrics" || true; } \
    | awk -v n="$2" '$1 == n { v = $2 } END { print (v == "" ? 0 : v) }'
}

if [ -z "$STORE_SKIP" ]; then
  log "keyed tunnels: gateways on SQLite and PostgreSQL"
  prepare_store sqlite
  if [ "$POSTGRES" = 0 ]; then
    printf 'skip\tpostgres\tBENCH_POSTGRES=0\n' >>"$RESULTS"
  elif [ ! -x "$PG_BIN/pg_ctl" ]; then
    printf 'skip\tpostgres\t%s\n' "$PG_BIN is missing: PostgreSQL 15 is not installed (make deps installs it)" >>"$RESULTS"
    log "PostgreSQL skipped: $PG_BIN is missing"
  else
    PG_HANDLE=$TMP/postgres
    log "starting a throwaway PostgreSQL 15 cluster (scripts/test-postgres.sh)"
    note_cmd scripts/test-postgres.sh setup "$PG_HANDLE"
    if "$ROOT/scripts/test-postgres.sh" setup "$PG_HANDLE" >>"$TMP/postgres.log" 2>&1 \
       && PG_CONN=$("$ROOT/scripts/test-postgres.sh" env "$PG_HANDLE" 2>>"$TMP/postgres.log"); then
      printf 'info\tpostgres\t%s\n' "$("$PG_BIN/postgres" --version 2>/dev/null | sed -n '1s/^postgres (PostgreSQL) /PostgreSQL /p')" >>"$RESULTS"
      prepare_store postgres
    else
      tail -n 10 "$TMP/postgres.log" >&2
      store_fail postgres "the throwaway PostgreSQL cluster did not start"
    fi
  fi
  sleep 1
  # A fresh gateway's first connects pay one-off costs (the store's pages or
  # connections, code paged in): a short unreported loop of each kind first.
  if [ "$WARMUP" -gt 0 ]; then
    for kind in $STORES; do
      for mode in anonymous keyed; do
        store_alive "$kind" || continue
        cmd=("$CONNECT_TOOL" --server "127.0.0.1:${SGW_PORT[$kind]}" --host "localhost:${SGW_PORT[$kind]}"
             --connectors "$CONNECTORS" --connects 200 --seconds "$WARMUP")
        [ "$mode" = keyed ] && cmd+=(--keys-file "$TMP/store-$kind/keys.txt")
        timeout $((WARMUP + 60)) "${cmd[@]}" >"$TMP/connect-$kind-$mode-warmup.json" 2>&1 || true
      done
    done
  fi

  for ((round = 1; round <= CONNECT_ROUNDS; round++)); do
    for kind in $STORES; do
      for mode in anonymous keyed; do
        store_alive "$kind" && connect_loop "$kind" "$mode"
      done
    done
  done
  for kind in $STORES; do
    store_alive "$kind" || continue
    printf 'audit\t%s\t%s\t%s\t%s\n' "$kind" "$(metric "${SGW_PORT[$kind]}" warren_tunnel_connects_total)" \
      "$(metric "${SGW_PORT[$kind]}" warren_audit_dropped_total)" \
      "$(metric "${SGW_PORT[$kind]}" warren_audit_failed_total)" >>"$RESULTS"
  done

  # Requests through a keyed tunnel and an anonymous one on the same gateway:
  # the store is not on the request path, so they should not differ. A second
  # anonymous tunnel, the control, shows how far two tunnels that are alike
  # by construction drift apart on this machine (each has its own client
  # process, scheduled as the kernel pleases): the noise to judge against.
  if store_alive sqlite; then
    dir=$TMP/store-sqlite
    port=${SGW_PORT[sqlite]}
    declare -A STORE_CLIENT=() STORE_HOST=()
    for target in anonymous keyed control; do
      case $target in
        anonymous) args=(--name bench-anon) ;;
        control) args=(--name bench-control) ;;
        keyed) args=() ;;
      esac
      if [ "$target" = keyed ]; then
        # The key from its file, so that it is in no command line shown.
        WARREN_TOKEN=$(<"$dir/bench-keyed.key") "$BIN/warren" http "http://$ORIGIN_ADDR" \
          --server "http://localhost:$port" --quiet >"$dir/client-$target.log" 2>&1 &
        printf 'WARREN_TOKEN=$(cat %s) %s\n' "$dir/bench-keyed.key" \
          "$(show_cmd "$BIN/warren" http "http://$ORIGIN_ADDR" --server "http://localhost:$port" --quiet)" >>"$COMMANDS"
      else
        "$BIN/warren" http "http://$ORIGIN_ADDR" --server "http://localhost:$port" "${args[@]}" --quiet \
          >"$dir/client-$target.log" 2>&1 &
        note_cmd "$BIN/warren" http "http://$ORIGIN_ADDR" --server "http://localhost:$port" "${args[@]}" --quiet
      fi
      STORE_CLIENT[$target]=$!
      PIDS+=("$!")
    done
    ok=1
    for target in anonymous keyed control; do
      if line=$(wait_for "$dir/client-$target.log" 'Forwarding http://[^ ]+' "${STORE_CLIENT[$target]}" "$target client"); then
        line=${line#Forwarding http://}
        STORE_HOST[$target]=${line%%/*}
      else
        store_fail sqlite "the $target client of the keyed/anonymous comparison did not connect"
        ok=0
      fi
    done
    if [ "$ok" = 1 ]; then
      ANON_HOST=${STORE_HOST[anonymous]} KEYED_HOST=${STORE_HOST[keyed]} CONTROL_HOST=${STORE_HOST[control]}
      log "tunnels at http://$ANON_HOST (anonymous), http://$KEYED_HOST (keyed), http://$CONTROL_HOST (control)"
      for target in anonymous keyed control; do
        code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 -H "Host: $(host_of "$target")" \
          "$(base_url "$target")$SMALL_PATH" || true)
        [ "$code" = 200 ] || { store_fail sqlite "GET $SMALL_PATH via the $target tunnel answered '$code'"; ok=0; }
      done
    fi
    if [ "$ok" = 1 ]; then
      log "small bodies through a keyed and two anonymous tunnels (c=$STORE_CONNECTIONS)"
      round=0
      for target in anonymous keyed control; do run_wrk store "$target" "$STORE_CONNECTIONS" "$SMALL_PATH" warmup; done
      for ((round = 1; round <= ROUNDS; round++)); do
        # The order turns round each round, so no tunnel always goes first.
        order="anonymous keyed control"
        [ $((round % 2)) = 0 ] && order="control keyed anonymous"
        for target in $order; do
          run_wrk store "$target" "$STORE_CONNECTIONS" "$SMALL_PATH"
        done
      done
      store_alive sqlite || true
    fi
    for target in anonymous keyed control; do
      stop_checked "client ($target tunnel, SQLite gateway)" "${STORE_CLIENT[$target]}"
    done
  fi
  for kind in $STORES; do
    store_alive "$kind" && stop_checked "gateway ($kind store, after the connect loops)" "${SGW_PID[$kind]}"
  done
else
  printf 'skip\tstore\t%s\n' "$STORE_SKIP" >>"$RESULTS"
fi

printf 'info\tload_end\t%s\n' "$(cut -d' ' -f1-3 /proc/loadavg)" >>"$RESULTS"

# ---------------------------------------------------------------- report
mkdir -p "$(dirname "$OUT")"
python3 "$HERE/report.py" "$RESULTS" "$COMMANDS" \
  ${NGINX_PID:+--nginx-conf "$TMP/nginx/nginx.conf"} \
  ${GW_PID:+--gateway-conf "$TMP/gateway/gateway.toml"} \
  --tmp "$TMP" >"$OUT.tmp"
mv "$OUT.tmp" "$OUT"
log "wrote $OUT"
exit "$FAILED"
