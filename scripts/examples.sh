#!/usr/bin/env bash
# Builds and runs every example: on SQLite by default, on the database in STRATA_URL when it is set
# (postgresql://... or mariadb://...).
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$strata_root"

ensure_packages
cmake --preset release >/dev/null
cmake --build --preset release
workdir=$(mktemp -d)
trap 'rm -rf "$workdir"' EXIT
export STRATA_URL="${STRATA_URL:-sqlite:///$workdir/examples.db}"
for program in build/release/examples/[0-9][0-9]_*; do
    [ -x "$program" ] || continue
    echo "== $(basename "$program")"
    (cd "$workdir" && "$strata_root/$program")
done
