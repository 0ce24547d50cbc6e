#!/usr/bin/env bash
# Builds strata and runs the whole test suite on SQLite and on a throwaway PostgreSQL server (and
# the MariaDB driver's tests on a throwaway MariaDB):
# the suite with examples and packaging checks (g++, warnings as errors), clang-tidy on the
# headers and the URL parser under libFuzzer for 60 s (both beside the next), the suite again
# under ASan + UBSan, and the concurrency tests under TSan.
# STRATA_SKIP_TIDY / _ASAN / _TSAN / _FUZZ=1 leave a part out of a quick local run.
# Installs what is missing (Debian packages). STRATA_TEST_POSTGRESQL_URL points it at an existing
# server instead of starting one (and STRATA_TEST_PGBOUNCER_URL at a pgbouncer in front of it);
# STRATA_TEST_MARIADB_URL at an existing MariaDB.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$strata_root"

ensure_packages
# Benchmarks are left to scripts/bench.sh (Release): compiling them here would cost CI minutes.
cmake --preset developer -DSTRATA_BUILD_BENCHMARKS=OFF >/dev/null
cmake --build --preset developer

# On any exit: the background checks (below) stopped if still running, then the servers.
stop_background_checks() {
    if [ -n "${checks_pid:-}" ] && kill -0 "$checks_pid" 2>/dev/null; then
        pkill -P "$checks_pid" 2>/dev/null || true
        kill "$checks_pid" 2>/dev/null || true
    fi
}
trap 'stop_background_checks; stop_pgbouncer; stop_replica; stop_postgresql; stop_mariadb' EXIT
if [ -z "${STRATA_TEST_MARIADB_URL:-}" ]; then
    start_mariadb
fi
if [ -z "${STRATA_TEST_POSTGRESQL_URL:-}" ]; then
    start_postgresql
    # A streaming replica of it and pgbouncer (transaction pooling) in front of it, for
    # tests/test_replicas.cpp and tests/test_pgbouncer.cpp.
    start_replica
    start_pgbouncer
fi
# clang-tidy and the URL fuzzer run on one core each, one after the other, in the background while
# the ASan suite runs (it keeps about one of two cores busy: its client, and the servers waiting on
# it); their output is printed, and their failure fails the run, when both are done.
checks_dir=$(mktemp -d)
if [ -z "${STRATA_SKIP_FUZZ:-}" ]; then
    cmake --preset fuzz >/dev/null
    cmake --build --preset fuzz --target strata_url_fuzzer
fi
# The whole suite again under AddressSanitizer + UndefinedBehaviorSanitizer (LeakSanitizer
# included), built by clang at -O0 (4x faster to compile than g++ -O1 with sanitizers), with the
# check that every public header compiles on its own.
if [ -z "${STRATA_SKIP_ASAN:-}" ]; then
    cmake --preset asan >/dev/null
    cmake --build --preset asan --target strata_sanitizer_build
fi
background_checks() {
    # clang-tidy (.clang-tidy) on one translation unit holding every public header: no findings.
    if [ -z "${STRATA_SKIP_TIDY:-}" ]; then
        # shellcheck disable=SC2046
        if ! clang-tidy --quiet tests/tidy/all_headers.cpp -- -std=c++20 -I"$strata_root/include" \
            -I"$strata_root/examples" $(pkg-config --cflags libpq libmariadb) >"$checks_dir/tidy.log" 2>&1; then
            echo "strata: clang-tidy failed" >>"$checks_dir/tidy.log"
            return 1
        fi
        echo "strata: clang-tidy found nothing in include/strata" >>"$checks_dir/tidy.log"
    fi
    # The URL parser under libFuzzer for 60 seconds (no crash, no sanitizer report, no password in
    # any message); a crash leaves its input in build/fuzz/ and fails the run.
    if [ -z "${STRATA_SKIP_FUZZ:-}" ]; then
        local corpus status=0
        corpus=$(mktemp -d)
        cp tests/fuzz/corpus/url/* "$corpus"/
        build/fuzz/tests/fuzz/strata_url_fuzzer -max_total_time=60 -max_len=512 -print_final_stats=1 \
            -artifact_prefix=build/fuzz/ "$corpus" >build/fuzz/url_fuzzer.log 2>&1 || status=$?
        rm -rf "$corpus"
        if [ "$status" -ne 0 ]; then
            echo "strata: the URL fuzzer failed (input saved under build/fuzz/)" >>"$checks_dir/fuzz.log"
            return 1
        fi
    fi
}
background_checks &
checks_pid=$!
if [ -z "${STRATA_SKIP_ASAN:-}" ]; then
    ASAN_OPTIONS="detect_leaks=1:abort_on_error=0" UBSAN_OPTIONS="print_stacktrace=1" \
        build/asan/tests/strata_tests
fi
checks_status=0
wait "$checks_pid" || checks_status=$?
checks_pid=""
# clang-tidy's findings go to stderr, as they did when it ran in the foreground.
if [ -f "$checks_dir/tidy.log" ]; then grep -v "warnings generated" "$checks_dir/tidy.log" >&2 || true; fi
if [ -z "${STRATA_SKIP_FUZZ:-}" ]; then
    grep -a -E "^(stat::number_of_executed_units|Done|SUMMARY|property|input|detail)" build/fuzz/url_fuzzer.log || true
    if [ -f "$checks_dir/fuzz.log" ]; then cat "$checks_dir/fuzz.log" >&2; fi
fi
rm -rf "$checks_dir"
[ "$checks_status" -eq 0 ] || exit 1
# The concurrency tests again under ThreadSanitizer (the pool stress test, row locking, SKIP
# LOCKED, exhaustion).
if [ -z "${STRATA_SKIP_TSAN:-}" ]; then
    cmake --preset tsan >/dev/null
    cmake --build --preset tsan --target strata_concurrency_tests
    TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1" build/tsan/tests/strata_concurrency_tests \
        "64 threads*,8 threads*,4 threads*,2 threads*,SKIP LOCKED*,60 sessions*"
fi

# Last, so that its summary line closes the output.
ctest --preset developer "$@"
