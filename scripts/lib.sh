# scripts/lib.sh - shared by scripts/*.sh: installing what is missing, and a throwaway PostgreSQL.
# shellcheck shell=bash

strata_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

# Installs the Debian packages strata builds and tests with, when any is missing.
ensure_packages() {
    local wanted=(cmake g++ clang clang-tidy libclang-rt-14-dev make time ccache pkg-config libpq-dev libsqlite3-dev libfmt-dev catch2
                  postgresql pgbouncer python3 mariadb-server libmariadb-dev)
    local missing=()
    for package in "${wanted[@]}"; do
        dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    echo "strata: installing missing packages: ${missing[*]}"
    local sudo=""
    [ "$(id -u)" -ne 0 ] && sudo="sudo"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
    # A package's post-install may start its system-wide service: the tests start their own.
    for service in pgbouncer postgresql mariadb; do
        $sudo service "$service" stop >/dev/null 2>&1 || true
    done
}

# The newest installed PostgreSQL server binaries.
postgresql_bin() {
    local dir
    dir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
    [ -n "$dir" ] || { echo "strata: no PostgreSQL server binaries under /usr/lib/postgresql" >&2; return 1; }
    echo "$dir"
}

# A free TCP port on 127.0.0.1.
free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

# Runs a command as `user` when we are root (servers refuse or should not run as root).
run_as() {
    local user=$1
    shift
    if [ "$(id -u)" -eq 0 ]; then runuser -u "$user" -- "$@"; else "$@"; fi
}

# Runs a command as the postgres user when we are root (PostgreSQL refuses to run as root).
as_postgres() { run_as postgres "$@"; }

# Stops the PostgreSQL server whose data directory is under `dir` (a server start_postgresql or
# start_replica started) and removes `dir`.
stop_postgresql_in() {
    as_postgres "$strata_pg_bin/pg_ctl" -D "$1/data" -m immediate -w stop >/dev/null 2>&1 || true
    rm -rf "$1"
}

# Starts a throwaway server (temp dir, unix socket + 127.0.0.1:<free port>, fsync off) and exports
# STRATA_TEST_POSTGRESQL_URL. Call stop_postgresql (e.g. from an EXIT trap) to stop it.
start_postgresql() {
    local bin port
    bin=$(postgresql_bin) || return 1
    strata_pg_dir=$(mktemp -d /tmp/strata-pg.XXXXXX)
    [ "$(id -u)" -eq 0 ] && chown postgres:postgres "$strata_pg_dir"
    chmod 700 "$strata_pg_dir"
    port=$(free_port)
    if ! as_postgres "$bin/initdb" -D "$strata_pg_dir/data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 \
        >"$strata_pg_dir/initdb.log" 2>&1; then
        echo "strata: initdb failed:" >&2; cat "$strata_pg_dir/initdb.log" >&2; return 1
    fi
    # One role must give a password (tests check a failed login keeps SQLSTATE 28P01); the server
    # checks the password before it looks the role up, so the role need not exist.
    { echo "host all strata_password_check 127.0.0.1/32 scram-sha-256"; cat "$strata_pg_dir/data/pg_hba.conf"; } \
        >"$strata_pg_dir/pg_hba.conf" && mv "$strata_pg_dir/pg_hba.conf" "$strata_pg_dir/data/pg_hba.conf" &&
        { chown postgres:postgres "$strata_pg_dir/data/pg_hba.conf" 2>/dev/null || true; }
    if ! as_postgres "$bin/pg_ctl" -D "$strata_pg_dir/data" -l "$strata_pg_dir/server.log" -w -t 60 \
        -o "-c listen_addresses=127.0.0.1 -p $port -k $strata_pg_dir -c fsync=off -c synchronous_commit=off \
            -c full_page_writes=off -c max_connections=300 -c shared_buffers=256MB" start >/dev/null; then
        echo "strata: PostgreSQL did not start:" >&2; cat "$strata_pg_dir/server.log" >&2; return 1
    fi
    strata_pg_bin=$bin
    export STRATA_TEST_POSTGRESQL_URL="postgresql://postgres@127.0.0.1:$port/postgres"
    export STRATA_PG_DATA_DIR="$strata_pg_dir/data"
    export STRATA_PG_CTL="$bin/pg_ctl"
    echo "strata: PostgreSQL $("$bin/postgres" --version | awk '{print $3}') running at 127.0.0.1:$port"
}

# Stops the throwaway server and removes its directory.
stop_postgresql() {
    [ -n "${strata_pg_dir:-}" ] || return 0
    stop_postgresql_in "$strata_pg_dir"
    strata_pg_dir=""
}

# Starts pgbouncer (transaction pooling, trust authentication, any database, 4 server connections
# per database so that clients share them) on 127.0.0.1:<free port> in front of the server
# start_postgresql started, and exports STRATA_TEST_PGBOUNCER_URL. Call
# stop_pgbouncer (e.g. from an EXIT trap) to stop it.
start_pgbouncer() {
    local port pg_port
    pg_port=${STRATA_TEST_POSTGRESQL_URL##*:}
    pg_port=${pg_port%%/*}
    strata_bouncer_dir=$(mktemp -d /tmp/strata-pgbouncer.XXXXXX)
    port=$(free_port)
    echo '"postgres" ""' >"$strata_bouncer_dir/users.txt"
    cat >"$strata_bouncer_dir/pgbouncer.ini" <<INI
[databases]
* = host=127.0.0.1 port=$pg_port
[pgbouncer]
listen_addr = 127.0.0.1
listen_port = $port
unix_socket_dir =
auth_type = trust
auth_file = $strata_bouncer_dir/users.txt
pool_mode = transaction
max_client_conn = 400
default_pool_size = 4
ignore_startup_parameters = extra_float_digits
logfile = $strata_bouncer_dir/pgbouncer.log
pidfile = $strata_bouncer_dir/pgbouncer.pid
INI
    [ "$(id -u)" -eq 0 ] && chown -R postgres:postgres "$strata_bouncer_dir"
    if ! as_postgres pgbouncer -d "$strata_bouncer_dir/pgbouncer.ini" >/dev/null 2>&1; then
        echo "strata: pgbouncer did not start:" >&2; cat "$strata_bouncer_dir/pgbouncer.log" >&2; return 1
    fi
    for _ in $(seq 50); do
        python3 -c "import socket; socket.create_connection(('127.0.0.1', $port), 1).close()" 2>/dev/null && break
        sleep 0.1
    done
    export STRATA_TEST_PGBOUNCER_URL="postgresql://postgres@127.0.0.1:$port/postgres"
    echo "strata: pgbouncer $(pgbouncer --version | awk 'NR==1{print $2}') (transaction pooling) at 127.0.0.1:$port"
}

# Stops pgbouncer and removes its directory.
stop_pgbouncer() {
    [ -n "${strata_bouncer_dir:-}" ] || return 0
    if [ -f "$strata_bouncer_dir/pgbouncer.pid" ]; then
        kill "$(cat "$strata_bouncer_dir/pgbouncer.pid")" 2>/dev/null || true
        for _ in $(seq 50); do [ -f "$strata_bouncer_dir/pgbouncer.pid" ] || break; sleep 0.1; done
    fi
    rm -rf "$strata_bouncer_dir"
    strata_bouncer_dir=""
}

# Starts a streaming replica (hot standby) of the server start_postgresql started: pg_basebackup -R
# into its own temporary directory, its own 127.0.0.1 port, as the postgres user; waits until it
# answers, and exports STRATA_TEST_REPLICA_URL and STRATA_PG_REPLICA_DATA_DIR (its settings live
# in its postgresql.conf, so `pg_ctl start` alone starts it again). Call stop_replica to stop it.
start_replica() {
    local port pg_port
    pg_port=${STRATA_TEST_POSTGRESQL_URL##*:}
    pg_port=${pg_port%%/*}
    strata_replica_dir=$(mktemp -d /tmp/strata-replica.XXXXXX)
    [ "$(id -u)" -eq 0 ] && chown postgres:postgres "$strata_replica_dir"
    chmod 700 "$strata_replica_dir"
    port=$(free_port)
    if ! as_postgres "$strata_pg_bin/pg_basebackup" -h 127.0.0.1 -p "$pg_port" -U postgres \
        -D "$strata_replica_dir/data" -R -X stream -c fast >"$strata_replica_dir/basebackup.log" 2>&1; then
        echo "strata: pg_basebackup failed:" >&2; cat "$strata_replica_dir/basebackup.log" >&2; return 1
    fi
    cat >>"$strata_replica_dir/data/postgresql.conf" <<CONF
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = '$strata_replica_dir'
hot_standby = on
fsync = off
max_connections = 300
shared_buffers = 128MB
CONF
    if ! as_postgres "$strata_pg_bin/pg_ctl" -D "$strata_replica_dir/data" -l "$strata_replica_dir/server.log" -w -t 60 \
        start >/dev/null; then
        echo "strata: the replica did not start:" >&2; cat "$strata_replica_dir/server.log" >&2; return 1
    fi
    export STRATA_TEST_REPLICA_URL="postgresql://postgres@127.0.0.1:$port/postgres"
    export STRATA_PG_REPLICA_DATA_DIR="$strata_replica_dir/data"
    echo "strata: PostgreSQL replica (hot standby) running at 127.0.0.1:$port"
}

# Stops the replica and removes its directory.
stop_replica() {
    [ -n "${strata_replica_dir:-}" ] || return 0
    stop_postgresql_in "$strata_replica_dir"
    strata_replica_dir=""
}

# Starts a throwaway MariaDB (mariadb-install-db into a temp dir, its own unix socket and
# 127.0.0.1:<free port>, no durability: tests and benchmarks only) with a database and user
# "strata", and exports STRATA_TEST_MARIADB_URL. Call stop_mariadb (e.g. from an EXIT trap).
start_mariadb() {
    local port
    strata_mariadb_dir=$(mktemp -d /tmp/strata-mariadb.XXXXXX)
    [ "$(id -u)" -eq 0 ] && chown mysql:mysql "$strata_mariadb_dir"
    if ! run_as mysql mariadb-install-db --no-defaults --datadir="$strata_mariadb_dir/data" --skip-test-db \
        --auth-root-authentication-method=normal >"$strata_mariadb_dir/install.log" 2>&1; then
        echo "strata: mariadb-install-db failed:" >&2; cat "$strata_mariadb_dir/install.log" >&2; return 1
    fi
    port=$(free_port)
    run_as mysql /usr/sbin/mariadbd --no-defaults --datadir="$strata_mariadb_dir/data" \
        --socket="$strata_mariadb_dir/mysqld.sock" --port="$port" --bind-address=127.0.0.1 \
        --pid-file="$strata_mariadb_dir/mysqld.pid" --log-error="$strata_mariadb_dir/error.log" \
        --skip-name-resolve --innodb-flush-log-at-trx-commit=0 --innodb-doublewrite=0 \
        --innodb-buffer-pool-size=256M --max-connections=300 --character-set-server=utf8mb4 \
        --collation-server=utf8mb4_nopad_bin >/dev/null 2>&1 &
    local tries=0
    until mariadb --no-defaults -uroot --socket="$strata_mariadb_dir/mysqld.sock" -e "SELECT 1" >/dev/null 2>&1; do
        tries=$((tries + 1))
        if [ $tries -gt 120 ]; then
            echo "strata: MariaDB did not start:" >&2; cat "$strata_mariadb_dir/error.log" >&2; return 1
        fi
        sleep 0.5
    done
    mariadb --no-defaults -uroot --socket="$strata_mariadb_dir/mysqld.sock" -e "
        CREATE DATABASE strata;
        CREATE USER 'strata'@'127.0.0.1' IDENTIFIED BY 'strata';
        GRANT ALL ON *.* TO 'strata'@'127.0.0.1' WITH GRANT OPTION;" || return 1
    export STRATA_TEST_MARIADB_URL="mariadb://strata:strata@127.0.0.1:$port/strata"
    echo "strata: MariaDB $(/usr/sbin/mariadbd --version | awk '{print $3}') running at 127.0.0.1:$port"
}

# Stops the throwaway MariaDB and removes its directory.
stop_mariadb() {
    [ -n "${strata_mariadb_dir:-}" ] || return 0
    local pid
    pid=$(cat "$strata_mariadb_dir/mysqld.pid" 2>/dev/null || true)
    if [ -n "$pid" ]; then
        kill "$pid" 2>/dev/null || true
        for _ in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
        kill -9 "$pid" 2>/dev/null || true
    fi
    rm -rf "$strata_mariadb_dir"
    strata_mariadb_dir=""
}
