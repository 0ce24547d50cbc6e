#!/usr/bin/env bash
# Builds and runs every example: on SQLite by default, on the database in STRATA_URL when it is set
# (postgresql://... or mariadb://...).
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$strata_root"

ensure_packages
# The examples alone, with strata's non-template code compiled once for all thirteen of them
# (STRATA_SEPARATE_COMPILATION): 57 s from scratch on two cores, where the header-only Release
# build of examples and benchmarks took 241 s.
cmake --preset examples >/dev/null
cmake --build --preset examples
workdir=$(mktemp -d)
trap 'rm -rf "$workdir"' EXIT
export STRATA_URL="${STRATA_URL:-sqlite:///$workdir/examples.db}"
for program in build/examples/examples/[0-9][0-9]_*; do
    [ -x "$program" ] || continue
    echo "== $(basename "$program")"
    (cd "$workdir" && "$strata_root/$program")
done
