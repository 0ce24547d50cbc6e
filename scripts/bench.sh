#!/usr/bin/env bash
# Builds the benchmarks in Release and runs them all on SQLite and on a throwaway PostgreSQL.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$strata_root"

ensure_packages
cmake --preset release >/dev/null
cmake --build --preset release
if [ -z "${STRATA_BENCH_POSTGRESQL_URL:-}" ]; then
    trap stop_postgresql EXIT
    start_postgresql
    export STRATA_BENCH_POSTGRESQL_URL="$STRATA_TEST_POSTGRESQL_URL"
fi
for program in build/release/benchmarks/bench_*; do
    [ -x "$program" ] || continue
    "$program"
done
