#!/usr/bin/env bash
# The long run of the model-based tests on SQLite, PostgreSQL and MariaDB (throwaway servers unless
# the STRATA_TEST_* URLs name running ones): STRATA_MODEL_SEQUENCES random session sequences
# (default 20000), STRATA_LOADER_SEQUENCES random datasets of loader queries (default 20000) and
# STRATA_WRITE_SEQUENCES random sequences of Core and bulk writes (default 5000) and
# STRATA_VALUE_SEQUENCES random sequences of values of every type through every write and read path
# (default 20000) per backend, and STRATA_DIFFERENTIAL_QUERIES random queries compared across the
# three databases (default 60000). A failure prints its seed, which replays alone with
# STRATA_MODEL_SEED=<seed>, STRATA_LOADER_SEED=<seed>, STRATA_WRITE_SEED=<seed>,
# STRATA_VALUE_SEED=<seed> or STRATA_DIFFERENTIAL_SEED=<seed> (add STRATA_MODEL_ECHO=1 to see a
# session sequence's SQL).
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$strata_root"
ensure_packages
cmake --preset developer -DSTRATA_BUILD_BENCHMARKS=OFF >/dev/null
cmake --build --preset developer --target strata_tests
trap 'stop_postgresql; stop_mariadb' EXIT
if [ -z "${STRATA_TEST_MARIADB_URL:-}" ]; then
    start_mariadb
fi
if [ -z "${STRATA_TEST_POSTGRESQL_URL:-}" ]; then
    start_postgresql
fi
STRATA_MODEL_PROGRESS=1 STRATA_MODEL_SEQUENCES=${STRATA_MODEL_SEQUENCES:-20000} build/developer/tests/strata_tests "random sequences*"
STRATA_LOADER_SEQUENCES=${STRATA_LOADER_SEQUENCES:-20000} build/developer/tests/strata_tests "random loader options*"
STRATA_WRITE_SEQUENCES=${STRATA_WRITE_SEQUENCES:-5000} build/developer/tests/strata_tests "random Core writes*"
STRATA_VALUE_SEQUENCES=${STRATA_VALUE_SEQUENCES:-20000} build/developer/tests/strata_tests "random values of every type*"
STRATA_VERSION_SEQUENCES=${STRATA_VERSION_SEQUENCES:-20000} build/developer/tests/strata_tests "three sessions editing versioned rows*"
STRATA_DIFFERENTIAL_PROGRESS=1 STRATA_DIFFERENTIAL_QUERIES=${STRATA_DIFFERENTIAL_QUERIES:-60000} build/developer/tests/strata_tests "random queries return the same rows*"
