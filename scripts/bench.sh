#!/usr/bin/env bash
# Builds the benchmarks in Release, runs them all on SQLite, a throwaway PostgreSQL and a throwaway
# MariaDB, and writes every line, the machine, the date and the commands to benchmarks/RESULTS.md.
# SQLAlchemy's reference side needs Debian's python3-sqlalchemy and python3-psycopg2: installed
# here when possible, else bench_sqlalchemy_reference says it skips.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$strata_root"

ensure_packages
if ! /usr/bin/python3 -c 'import sqlalchemy, psycopg2' 2>/dev/null; then
    sudo=""
    [ "$(id -u)" -ne 0 ] && sudo="sudo"
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends python3-sqlalchemy \
        python3-psycopg2 >/dev/null 2>&1 || echo "strata: python3-sqlalchemy/python3-psycopg2 could not be installed"
fi
cmake --preset release >/dev/null
cmake --build --preset release
trap 'stop_postgresql; stop_mariadb' EXIT
if [ -z "${STRATA_BENCH_POSTGRESQL_URL:-}" ]; then
    start_postgresql
    export STRATA_BENCH_POSTGRESQL_URL="$STRATA_TEST_POSTGRESQL_URL"
fi
if [ -z "${STRATA_BENCH_MARIADB_URL:-}" ]; then
    start_mariadb
    export STRATA_BENCH_MARIADB_URL="$STRATA_TEST_MARIADB_URL"
fi

lines=$(mktemp)
started=$(date -u '+%Y-%m-%d %H:%M UTC')
for program in build/release/benchmarks/bench_*; do
    [ -x "$program" ] || continue
    echo "== $(basename "$program")" >&2
    "$program" | tee -a "$lines"
done

# bench=compile: what a user pays to compile a strata program (scripts/bench_compile.sh, which also
# runs alone), and the test suite's build from scratch.
STRATA_BENCH_COMPILE_SUITE=1 bash scripts/bench_compile.sh | tee -a "$lines"

postgresql_version=$("$(postgresql_bin)/postgres" --version | awk '{print $3}')
{
    echo "# Benchmark results"
    echo
    echo "Written by \`bash scripts/bench.sh\` on $started; do not edit by hand. Each line compares strata"
    echo "with the raw driver (libpq, the sqlite3 C API) or with SQLAlchemy, measured side by side in one"
    echo "run (best of several alternating rounds; see each benchmark's source for what it does)."
    echo
    echo "## Machine"
    echo
    echo "- CPU: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//'), $(nproc) cores"
    echo "- memory: $(awk '/MemTotal/ {printf "%.0f GiB", $2 / 1048576}' /proc/meminfo)"
    echo "- OS: $(. /etc/os-release && echo "$PRETTY_NAME"), kernel $(uname -r)"
    echo "- compiler: $(c++ --version | head -n 1), Release (-O3)"
    echo "- PostgreSQL $postgresql_version (local, 127.0.0.1, fsync off), SQLite $(dpkg-query -W -f='${Version}' libsqlite3-0 2>/dev/null || echo unknown), MariaDB $(dpkg-query -W -f='${Version}' mariadb-server 2>/dev/null || echo unknown)"
    echo "- SQLAlchemy: $(/usr/bin/python3 -c 'import sqlalchemy; print(sqlalchemy.__version__)' 2>/dev/null || echo 'not installed')"
    echo
    echo "## Commands"
    echo
    echo '```'
    echo "bash scripts/bench.sh"
    for program in build/release/benchmarks/bench_*; do [ -x "$program" ] && echo "$program"; done
    echo '```'
    echo
    echo "## Results"
    echo
    echo '```'
    cat "$lines"
    echo '```'
} >benchmarks/RESULTS.md
rm -f "$lines"
echo "strata: wrote benchmarks/RESULTS.md" >&2
