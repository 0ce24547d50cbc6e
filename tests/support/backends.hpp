// tests/support/backends.hpp - runs one test body on SQLite, PostgreSQL and MariaDB.
//
//     TEST_CASE("...") {
//         strata::testing::for_each_backend([](strata::engine& engine) { ... });
//     }
//
// Each backend is its own Catch2 section, so a failure names the backend. PostgreSQL comes from
// STRATA_TEST_POSTGRESQL_URL and MariaDB from STRATA_TEST_MARIADB_URL (scripts/test.sh starts both
// servers and sets them); when one is missing its section fails - it is never skipped. Each test
// process works in its own PostgreSQL schema and MariaDB database, so ctest can run test processes
// in parallel against one server of each.
#pragma once

#include <unistd.h>
#include <catch2/catch.hpp>

#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <thread>
#include <utility>

#include "strata/mariadb.hpp"
#include "strata/postgresql.hpp"
#include "strata/schema/ddl.hpp"
#include "strata/sqlite.hpp"

namespace strata::testing {

/// The value of environment variable `name`; fails the test, naming what starts it, when unset.
inline std::string required_environment(const char* name, const char* started_by) {
    const char* value = std::getenv(name);
    if (value == nullptr || *value == '\0')
        FAIL(name << " is not set: run `bash scripts/test.sh`, which starts " << started_by);
    return value;
}

/// The number environment variable `name` holds (a randomized test's count or seed), or
/// `fallback` when it is unset or empty.
inline std::uint64_t environment_number(const char* name, std::uint64_t fallback) {
    const char* value = std::getenv(name);
    return value != nullptr && *value != '\0' ? std::stoull(value) : fallback;
}

/// The PostgreSQL server's URL from the environment; fails the test when it is not set.
inline std::string server_url() { return required_environment("STRATA_TEST_POSTGRESQL_URL", "PostgreSQL"); }

/// Owns this process's PostgreSQL schema and drops it at exit.
class postgresql_schema {
public:
    static postgresql_schema& instance() {
        static postgresql_schema schema;
        return schema;
    }
    /// The URL that puts this process's schema first on the search_path.
    const std::string& url() const { return url_; }
    /// `server` (another server's URL: a replica of the test server) with the same search_path.
    std::string url_on(const std::string& server) const {
        return server + (server.find('?') == std::string::npos ? "?" : "&") + "options=-csearch_path%3D" + name_;
    }

private:
    postgresql_schema() : base_(server_url()), name_("strata_test_" + std::to_string(::getpid())) {
        auto engine = create_engine(base_, {.pooled = false});
        auto connection = engine.connect();
        connection.execute_script("DROP SCHEMA IF EXISTS " + name_ + " CASCADE; CREATE SCHEMA " + name_);
        url_ = base_ + (base_.find('?') == std::string::npos ? "?" : "&") + "options=-csearch_path%3D" + name_;
    }
    ~postgresql_schema() {
        try {
            auto engine = create_engine(base_, {.pooled = false});
            engine.connect().execute_script("DROP SCHEMA IF EXISTS " + name_ + " CASCADE");
        } catch (...) {  // the throwaway server may already be gone
        }
    }
    std::string base_;
    std::string name_;
    std::string url_;
};

/// The URL of a PostgreSQL database for tests (this process's schema).
inline std::string postgresql_url() { return postgresql_schema::instance().url(); }

/// The URL of the test server's streaming replica (this process's schema); fails the test when
/// scripts/test.sh did not start one.
inline std::string replica_url() {
    return postgresql_schema::instance().url_on(required_environment("STRATA_TEST_REPLICA_URL", "a replica"));
}

/// Waits until the replica has replayed everything the primary (`primary`'s server) has written.
inline void wait_for_replica(const engine& primary) {
    auto replica_engine = create_engine(replica_url(), {.pooled = false});
    std::string position;
    {
        auto connection = primary.connect();
        position = connection.execute("SELECT pg_current_wal_insert_lsn()::text").scalar<std::string>();
    }
    auto replica = replica_engine.connect();
    for (int attempt = 0; attempt < 2000; ++attempt) {
        if (replica.execute("SELECT pg_wal_lsn_diff(pg_last_wal_replay_lsn(), $1::pg_lsn) >= 0", position)
                .scalar<bool>())
            return;
        std::this_thread::sleep_for(std::chrono::milliseconds{5});
    }
    FAIL("the replica did not replay the primary's writes within 10 s");
}

/// A database of this test process's own on a test server (ctest runs processes in parallel),
/// created when first asked for and dropped at exit.
class process_database {
public:
    /// Creates `name` through `admin_url` (a server's URL; `force` drops it under open
    /// connections, PostgreSQL's WITH (FORCE)); its URL is `url_base` with the name as database.
    process_database(std::string admin_url, std::string name, const std::string& url_base, bool force)
        : admin_url_(std::move(admin_url)),
          drop_("DROP DATABASE IF EXISTS " + name + (force ? " WITH (FORCE)" : "")),
          url_(url_base.substr(0, url_base.rfind('/') + 1) + name) {
        auto engine = create_engine(admin_url_, {.pooled = false});
        auto connection = engine.connect();
        connection.execute_script(drop_);
        connection.execute_script("CREATE DATABASE " + name);
    }
    ~process_database() {
        try {
            auto engine = create_engine(admin_url_, {.pooled = false});
            engine.connect().execute_script(drop_);
        } catch (...) {  // the throwaway server may already be gone
        }
    }
    process_database(const process_database&) = delete;
    process_database& operator=(const process_database&) = delete;
    /// The URL of the database.
    [[nodiscard]] const std::string& url() const { return url_; }

private:
    std::string admin_url_;
    std::string drop_;
    std::string url_;
};

/// A database of this process's own behind the test run's pgbouncer (transaction pooling), which
/// passes no startup options, so no search_path: created on the server directly.
inline std::string pgbouncer_url() {
    static const process_database database{server_url(), "strata_bouncer_" + std::to_string(::getpid()),
                                           required_environment("STRATA_TEST_PGBOUNCER_URL", "pgbouncer"), true};
    return database.url();
}

/// The URL of this process's own MariaDB database (MariaDB's schemas are databases).
inline std::string mariadb_url() {
    static const std::string server = required_environment("STRATA_TEST_MARIADB_URL", "MariaDB");
    static const process_database database{server, "strata_test_" + std::to_string(::getpid()), server, false};
    return database.url();
}

/// A fresh SQLite database file path in a temporary directory, removed first if present.
inline std::string sqlite_file_url(const std::string& name) {
    const auto path =
        std::filesystem::temp_directory_path() / ("strata_test_" + std::to_string(::getpid()) + "_" + name + ".db");
    std::filesystem::remove(path);
    std::filesystem::remove(path.string() + "-wal");
    std::filesystem::remove(path.string() + "-shm");
    return "sqlite:///" + path.string();
}

/// Runs `body(engine)` once per backend, each in its own section named after the backend.
template <class Body>
void for_each_backend(Body&& body, engine_options options = {}) {
    DYNAMIC_SECTION("on sqlite") {
        auto engine = create_engine("sqlite://", options);
        body(engine);
    }
    DYNAMIC_SECTION("on postgresql") {
        auto engine = create_engine(postgresql_url(), options);
        body(engine);
    }
    DYNAMIC_SECTION("on mariadb") {
        auto engine = create_engine(mariadb_url(), options);
        body(engine);
    }
}

/// Drops and creates the tables of Models (children after parents: pass them parents last).
template <class... Models>
void fresh_tables(const engine& target) {
    drop_all<Models...>(target);
    create_all<Models...>(target);
}

/// The placeholder for parameter n (1-based) that both dialects accept.
inline std::string placeholder(int number) { return "$" + std::to_string(number); }

/// The single integer a query returns (a count, say), read on a connection of its own.
inline std::int64_t count_rows(const engine& target, const std::string& sql) {
    auto connection = target.connect();
    return connection.execute(sql).scalar<std::int64_t>();
}

/// What a step costs in round trips on each server; SQLite runs in the process, so 0 there.
struct round_trips_on {
    std::uint64_t postgresql;  ///< with BEGIN held, statements pipelined and COMMIT riding along
    std::uint64_t mariadb;     ///< one per statement sent (Connector/C has no pipeline)
};

/// The round trips `counts` names for the engine's database.
inline std::uint64_t expected_round_trips(const engine& target, round_trips_on counts) {
    switch (target.sql_dialect()) {
        case dialect::postgresql:
            return counts.postgresql;
        case dialect::mariadb:
            return counts.mariadb;
        default:
            return 0;
    }
}

/// The placeholder the engine's dialect emits for parameter n (1-based): $n, or ? on SQLite.
inline std::string placeholder_of(const engine& target, int number) {
    return target.sql_dialect() == dialect::postgresql ? placeholder(number) : "?";
}

}  // namespace strata::testing
