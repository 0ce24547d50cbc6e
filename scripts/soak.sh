#!/usr/bin/env bash
# The long run of the session's model-based test: STRATA_MODEL_SEQUENCES random sequences (default
# 20000) per backend on SQLite and a throwaway PostgreSQL server; a failure prints its seed, which
# replays alone with STRATA_MODEL_SEED=<seed> (add STRATA_MODEL_ECHO=1 to see its SQL).
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$strata_root"
ensure_packages
cmake --preset developer -DSTRATA_BUILD_BENCHMARKS=OFF >/dev/null
cmake --build --preset developer --target strata_tests
if [ -z "${STRATA_TEST_POSTGRESQL_URL:-}" ]; then
    trap stop_postgresql EXIT
    start_postgresql
fi
STRATA_MODEL_PROGRESS=1 STRATA_MODEL_SEQUENCES=${STRATA_MODEL_SEQUENCES:-20000} build/developer/tests/strata_tests "random sequences*"
