#!/usr/bin/env bash
# Installs every Debian 12 package the build, `make run`, the tests and the
# benchmarks need. Idempotent: packages already present are skipped, and apt
# is not touched at all when nothing is missing.
set -euo pipefail

build=(
  build-essential g++ cmake make ccache pkg-config git ca-certificates
  libboost1.81-dev libboost-json1.81-dev libboost-url1.81-dev
  libboost-filesystem1.81-dev libboost-program-options1.81-dev
  libssl-dev libspdlog-dev libfmt-dev libtomlplusplus-dev libsoci-dev
  libsqlite3-dev libpq-dev
  libgtest-dev libgmock-dev googletest
)
test=(curl openssl procps python3 postgresql-15 chromium chromium-driver)
bench=(wrk nginx-light time)

want=("${build[@]}")
case "${1:-all}" in
  build) ;;
  test) want+=("${test[@]}") ;;
  all) want+=("${test[@]}" "${bench[@]}") ;;
  *) echo "usage: $0 [build|test|all]" >&2; exit 2 ;;
esac

missing=()
for p in "${want[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" != 0 ]; then
  echo "deps: missing packages: ${missing[*]}" >&2
  echo "deps: run 'make deps' as root (it uses apt-get)" >&2
  exit 1
fi
echo "deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
apt-get install -y -q --no-install-recommends "${missing[@]}"
