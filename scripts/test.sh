#!/usr/bin/env bash
# Runs every test of the build in build/ (or $BUILD_DIR) with ctest, after
# starting what the tests need, and exits with ctest's status. Arguments go to
# ctest, e.g. scripts/test.sh -R config. `make test` installs and builds first.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
build_dir=${BUILD_DIR:-$root/build}
jobs=${JOBS:-$(nproc)}

if [ ! -f "$build_dir/CTestTestfile.cmake" ]; then
    echo "test: no build in $build_dir; run 'make build' first" >&2
    exit 1
fi

# --- Services the tests need --------------------------------------------------
# TODO(store-postgres milestone): start a throwaway PostgreSQL 15 cluster here:
# initdb and pg_ctl from /usr/lib/postgresql/15/bin, run as an unprivileged user
# (the server refuses root), data and socket in a mktemp directory, a free port;
# export its connection string for the store tests, and stop it and remove the
# directory from an EXIT trap so that a failed run leaves nothing behind.
# ------------------------------------------------------------------------------

# Not exec, so that an EXIT trap set above (once there) still runs after ctest.
ctest --test-dir "$build_dir" --output-on-failure --no-tests=error -j "$jobs" "$@"
