#!/usr/bin/env bash
# Builds strata and runs the whole test suite on SQLite and on a throwaway PostgreSQL server.
# Installs what is missing (Debian packages). STRATA_TEST_POSTGRESQL_URL points it at an existing
# server instead of starting one.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$strata_root"

ensure_packages
cmake --preset developer >/dev/null
cmake --build --preset developer

if [ -z "${STRATA_TEST_POSTGRESQL_URL:-}" ]; then
    trap stop_postgresql EXIT
    start_postgresql
fi
ctest --preset developer "$@"
