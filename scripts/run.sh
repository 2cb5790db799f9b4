#!/usr/bin/env bash
# Starts warren-gateway in the foreground with gateway.toml (or $WARREN_CONFIG),
# after saying what to try next. Extra arguments go to the gateway, e.g.
# scripts/run.sh --listen 0.0.0.0:8080. `make run` builds first.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
build_dir=${BUILD_DIR:-$root/build}
config=${WARREN_CONFIG:-$root/gateway.toml}
gateway=$build_dir/bin/warren-gateway

if [ ! -x "$gateway" ]; then
    echo "run: $gateway is missing; run 'make build' first" >&2
    exit 1
fi
if [ ! -f "$config" ]; then
    echo "run: config file $config not found" >&2
    exit 1
fi

# The hint shows the URL of the configured listen port and domain; this reads
# only the plain `key = "value"` form of gateway.toml, and falls back to the
# defaults (the gateway itself logs the address it really listens on).
setting() {
    sed -n "/^[[:space:]]*$1[[:space:]]*=/{s/^[^=]*=[[:space:]]*\"\([^\"]*\)\".*/\1/p;q}" "$config"
}
listen=$(setting listen)
domain=$(setting domain)
port=${listen##*:}
port=${port:-8080}
domain=${domain:-localhost}
client=$build_dir/bin/warren

# Paths as the user would type them from here.
cat <<MSG
Starting the Warren gateway with ${config#"$PWD"/} (Ctrl-C to stop).

Next, in another terminal:
  1. start a web server on port 3000, e.g.: python3 -m http.server 3000
  2. ${client#"$PWD"/} http 3000
     it prints: Forwarding http://<name>.$domain:$port -> http://127.0.0.1:3000
  3. curl http://<name>.$domain:$port/

The dashboard: http://$domain:$port/ (sign in with the one-time admin link
the gateway prints below; a new one: ${gateway#"$PWD"/} --config ${config#"$PWD"/} setup-link)

A name that never changes (a keyed tunnel), while the gateway runs:
  ${gateway#"$PWD"/} --config ${config#"$PWD"/} tunnels create hooks
  ${gateway#"$PWD"/} --config ${config#"$PWD"/} keys issue hooks     (prints the key once)
  ${client#"$PWD"/} http 3000 --token <key>

MSG

exec "$gateway" --config "$config" "$@"
