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
# The concurrency tests again under ThreadSanitizer (the pool stress test, row locking, SKIP
# LOCKED, exhaustion). STRATA_SKIP_TSAN=1 leaves this out of a quick local run.
if [ -z "${STRATA_SKIP_TSAN:-}" ]; then
    cmake --preset tsan >/dev/null
    cmake --build --preset tsan --target strata_concurrency_tests
    TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1" build/tsan/tests/strata_concurrency_tests \
        "64 threads*,8 threads*,2 threads*,SKIP LOCKED*,60 sessions*"
fi

# Last, so that its summary line closes the output.
ctest --preset developer "$@"
