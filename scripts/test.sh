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

# PostgreSQL for the store tests is started and stopped by ctest fixtures
# (scripts/test-postgres.sh), so a plain `ctest` works too.
exec ctest --test-dir "$build_dir" --output-on-failure --no-tests=error -j "$jobs" "$@"
