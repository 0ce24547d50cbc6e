#!/usr/bin/env bash
# What a user pays to compile a strata program: one line per translation unit, mode and compiler,
#   bench=compile tu=<name> mode=<header_only|separate_compilation> compiler=<g++|clang++> seconds=<median CPU s> peak_mb=<f>
# (median of 3 runs of `<compiler> -std=c++20 -O2 -c`, user + system CPU and peak memory from
# /usr/bin/time), for benchmarks/compile/{minimal,ten_models,empty_main}.cpp and
# examples/11_production_query.cpp; then the once-per-program libraries of separate compilation
# (tu=src/...), and with STRATA_BENCH_COMPILE_SUITE=1 the wall time of building the test suite from
# scratch (bench=compile_suite). STRATA_BENCH_COMPILERS="g++" limits the compilers.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$strata_root"
ensure_packages

# One compile, printing "<cpu seconds> <peak kilobytes>".
compile_once() {
    local compiler=$1 source=$2
    shift 2
    local timing
    timing=$(mktemp)
    # shellcheck disable=SC2046
    /usr/bin/time -f "%U %S %M" -o "$timing" "$compiler" -std=c++20 -O2 -DNDEBUG "$@" -Iinclude -Iexamples \
        $(pkg-config --cflags libpq libmariadb) -c "$source" -o /dev/null
    awk '{printf "%.2f %d\n", $1 + $2, $3}' "$timing"
    rm -f "$timing"
}

# The median of three compiles (by CPU time), as a bench line.
compile_line() {
    local compiler=$1 mode=$2 name=$3 source=$4
    shift 4
    local runs=()
    for _ in 1 2 3; do runs+=("$(compile_once "$compiler" "$source" "$@")"); done
    printf '%s\n' "${runs[@]}" | sort -n | sed -n 2p | awk -v tu="$name" -v mode="$mode" -v compiler="$compiler" \
        '{printf "bench=compile tu=%s mode=%s compiler=%s seconds=%.2f peak_mb=%.1f\n", tu, mode, compiler, $1, $2 / 1024}'
}

for compiler in ${STRATA_BENCH_COMPILERS:-g++ clang++}; do
    for unit in benchmarks/compile/minimal.cpp benchmarks/compile/ten_models.cpp benchmarks/compile/empty_main.cpp \
        examples/11_production_query.cpp; do
        name=$(basename "$unit" .cpp)
        compile_line "$compiler" header_only "$name" "$unit"
        compile_line "$compiler" separate_compilation "$name" "$unit" -DSTRATA_SEPARATE_COMPILATION
    done
    for unit in src/strata.cpp src/sqlite_driver.cpp src/postgresql_driver.cpp src/mariadb_driver.cpp; do
        compile_line "$compiler" separate_compilation "$unit" "$unit" -DSTRATA_SEPARATE_COMPILATION
    done
done

if [ -n "${STRATA_BENCH_COMPILE_SUITE:-}" ]; then
    suite_dir=$(mktemp -d)
    started=$(date +%s.%N)
    cmake -S . -B "$suite_dir" -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_FLAGS=-O1 -DSTRATA_SEPARATE_COMPILATION=ON \
        -DSTRATA_BUILD_BENCHMARKS=OFF >/dev/null
    cmake --build "$suite_dir" --target strata_tests -j "$(nproc)" >/dev/null
    ended=$(date +%s.%N)
    awk -v a="$started" -v b="$ended" -v cores="$(nproc)" \
        'BEGIN {printf "bench=compile_suite target=strata_tests cores=%d seconds=%.1f\n", cores, b - a}'
    rm -rf "$suite_dir"
fi
