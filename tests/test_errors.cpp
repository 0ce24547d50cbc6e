// Errors are typed the DBAPI way on both databases and carry SQL, code and the server's message.
#include <catch2/catch.hpp>

#include <algorithm>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "strata/orm.hpp"
#include "support/backends.hpp"

using strata::testing::for_each_backend;

namespace {
bool is_postgresql(const strata::connection& connection) {
    return connection.sql_dialect() == strata::driver::dialect::postgresql;
}
}  // namespace

TEST_CASE("a syntax error is a programming_error with the SQL, and SQLSTATE 42601 on PostgreSQL") {
    for_each_backend([](strata::engine& engine) {
        auto connection = engine.connect();
        try {
            connection.execute("SELEC 1");
            FAIL("expected programming_error");
        } catch (const strata::programming_error& error) {
            CHECK(error.sql() == "SELEC 1");
            CHECK_FALSE(error.server_message().empty());
            if (is_postgresql(connection)) {
                CHECK(error.sqlstate() == "42601");
                CHECK(error.source() == strata::error_source::postgresql);
            } else if (connection.sql_dialect() == strata::dialect::mariadb) {
                CHECK(error.code() == "1064");  // ER_PARSE_ERROR
                CHECK(error.source() == strata::error_source::mariadb);
            } else {
                CHECK(error.code() == "1");  // SQLITE_ERROR
                CHECK(error.source() == strata::error_source::sqlite);
            }
        }
        CHECK_THROWS_AS(connection.execute("SELECT * FROM no_such_table"), strata::programming_error);
    });
}

TEST_CASE("a duplicate key is a unique_violation on every backend") {
    for_each_backend([](strata::engine& engine) {
        auto connection = engine.connect();
        connection.execute_script("DROP TABLE IF EXISTS people");
        connection.execute_script("CREATE TABLE people (id INTEGER PRIMARY KEY, email TEXT UNIQUE NOT NULL)");
        connection.execute("INSERT INTO people (id, email) VALUES ($1, $2)", 1, "a@example.com");
        try {
            connection.execute("INSERT INTO people (id, email) VALUES ($1, $2)", 2, "a@example.com");
            FAIL("expected unique_violation");
        } catch (const strata::unique_violation& error) {
            const auto dialect = connection.sql_dialect();
            CHECK(error.code() == (dialect == strata::dialect::postgresql ? "23505"
                                   : dialect == strata::dialect::mariadb  ? "1062"
                                                                          : "2067"));
            CHECK(error.sql().find("INSERT INTO people") == 0);
        }
        CHECK_THROWS_AS(connection.execute("INSERT INTO people (id, email) VALUES ($1, $2)", 1, "b@example.com"),
                        strata::unique_violation);
        CHECK_THROWS_AS(connection.execute("INSERT INTO people (id, email) VALUES ($1, $2)", 3, nullptr),
                        strata::not_null_violation);
        // The connection is usable after a failed statement outside a transaction.
        CHECK(connection.execute("SELECT count(*) FROM people").scalar<int>() == 1);
    });
}

TEST_CASE("a missing parent row is a foreign_key_violation on both backends") {
    for_each_backend([](strata::engine& engine) {
        auto connection = engine.connect();
        connection.execute_script("DROP TABLE IF EXISTS children");
        connection.execute_script("DROP TABLE IF EXISTS parents");
        connection.execute_script("CREATE TABLE parents (id INTEGER PRIMARY KEY)");
        connection.execute_script(
            "CREATE TABLE children (id INTEGER PRIMARY KEY, parent_id INTEGER REFERENCES parents (id))");
        CHECK_THROWS_AS(connection.execute("INSERT INTO children (id, parent_id) VALUES (1, $1)", 42),
                        strata::foreign_key_violation);
        // foreign_key_violation is an integrity_error is a database_error is a strata::error.
        CHECK_THROWS_AS(connection.execute("INSERT INTO children (id, parent_id) VALUES (1, $1)", 42),
                        strata::integrity_error);
    });
}

TEST_CASE("a value out of range is a data_error on PostgreSQL") {
    auto engine = strata::create_engine(strata::testing::postgresql_url());
    auto connection = engine.connect();
    CHECK_THROWS_AS(connection.execute("SELECT 1 / $1::int", 0), strata::data_error);
    CHECK_THROWS_AS(connection.execute("SELECT $1::smallint", 100000), strata::data_error);
}

TEST_CASE("a text parameter with a NUL byte is a data_error on PostgreSQL and stored on SQLite") {
    const std::string with_nul{"before\0after", 12};
    for_each_backend([&](strata::engine& engine) {
        auto connection = engine.connect();
        if (is_postgresql(connection)) {
            CHECK_THROWS_AS(connection.execute("SELECT $1::text", with_nul), strata::data_error);
        } else {
            CHECK(connection.execute("SELECT $1", with_nul).scalar<std::string>() == with_nul);
        }
    });
}

TEST_CASE("a refused connection is an operational_error naming host and port, never the password") {
    // Port 1 on loopback: nothing listens there, so the connection is refused at once.
    try {
        auto engine = strata::create_engine("postgresql://someone:Sup3rSecretPw@127.0.0.1:1/db?connect_timeout=5");
        auto connection = engine.connect();
        FAIL("expected operational_error");
    } catch (const strata::operational_error& error) {
        const std::string message = error.what();
        CHECK(message.find("127.0.0.1") != std::string::npos);
        CHECK(message.find(":1") != std::string::npos);
        CHECK(message.find("Sup3rSecretPw") == std::string::npos);
        CHECK(error.sqlstate() == "08001");
    }
}

TEST_CASE("a missing SQLite directory is an operational_error") {
    CHECK_THROWS_AS(strata::create_engine("sqlite:////nonexistent/dir/x.db").connect(), strata::operational_error);
}

TEST_CASE("one() insists on exactly one row") {
    for_each_backend([](strata::engine& engine) {
        auto connection = engine.connect();
        CHECK_THROWS_AS(connection.execute("SELECT 1 WHERE 1 = 0").one<int>(), strata::no_result_found);
        CHECK_THROWS_AS(connection.execute("SELECT 1 UNION ALL SELECT 2").one<int>(), strata::multiple_results_found);
        CHECK(std::get<0>(connection.execute("SELECT 5").one<int>()) == 5);
    });
}

TEST_CASE("a wrong number of parameters is a programming_error") {
    for_each_backend([](strata::engine& engine) {
        auto connection = engine.connect();
        CHECK_THROWS_AS(connection.execute("SELECT $1 + $2", 1), strata::programming_error);
    });
}

TEST_CASE("execute runs one statement; several need execute_script") {
    for_each_backend([](strata::engine& engine) {
        auto connection = engine.connect();
        CHECK_THROWS_AS(connection.execute("SELECT 1; SELECT 2"), strata::programming_error);
        CHECK_NOTHROW(connection.execute_script("SELECT 1; SELECT 2"));
    });
}

TEST_CASE("a failing statement's error carries its bound values, and hide_parameters keeps them out") {
    for (const bool hidden : {false, true}) {
        for_each_backend(
            [hidden](strata::engine& engine) {
                auto connection = engine.connect();
                connection.execute_script("CREATE TABLE tokens (id BIGINT PRIMARY KEY, token TEXT)");
                connection.execute("INSERT INTO tokens (id, token) VALUES ($1, $2)", 1, "first");
                try {
                    connection.execute("INSERT INTO tokens (id, token) VALUES ($1, $2)", 1, "s3cret-token");
                    FAIL("expected unique_violation");
                } catch (const strata::unique_violation& error) {
                    const std::string message = error.what();
                    CHECK(error.parameters_hidden() == hidden);
                    if (hidden) {
                        CHECK(error.parameters().empty());
                        CHECK(message.find("s3cret-token") == std::string::npos);
                        CHECK(message.find("[parameters hidden: engine_options::hide_parameters]") !=
                              std::string::npos);
                    } else {
                        CHECK(error.parameters() == std::vector<std::string>{"1", "'s3cret-token'"});
                        CHECK(message.find("[parameters: (1, 's3cret-token')]") != std::string::npos);
                    }
                }
            },
            {.hide_parameters = hidden});
    }
}

namespace {
struct ticket {
    std::int64_t id = 0;
    std::string code;
};
}  // namespace
template <>
struct strata::mapping<ticket> {
    static constexpr auto table = strata::table("tickets", strata::column<&ticket::id>("id", strata::primary_key),
                                                strata::column<&ticket::code>("code", strata::unique));
};

TEST_CASE("a flush that fails names the statement and the values it sent") {
    for_each_backend([](strata::engine& engine) {
        strata::drop_all<ticket>(engine);  // another test's "tickets" may have other columns
        strata::create_all<ticket>(engine);
        strata::session session{engine};
        session.add(ticket{.id = 1, .code = "A-1"});
        session.add(ticket{.id = 2, .code = "A-1"});
        try {
            session.commit();
            FAIL("expected unique_violation");
        } catch (const strata::unique_violation& error) {
            CHECK(error.sql().rfind("INSERT INTO tickets", 0) == 0);
            CHECK(std::find(error.parameters().begin(), error.parameters().end(), "'A-1'") != error.parameters().end());
        }
    });
}

TEST_CASE("a PostgreSQL session ended by the administrator keeps the server's SQLSTATE 57P01") {
    auto engine = strata::create_engine(strata::testing::postgresql_url(), {.pooled = false});
    auto victim = engine.connect();
    const auto pid = victim.execute("SELECT pg_backend_pid()").scalar<std::int32_t>();
    auto admin = engine.connect();
    CHECK(admin.execute("SELECT pg_terminate_backend($1::int)", pid).scalar<bool>());
    // Wait until the server has ended the session (pg_terminate_backend only signals it).
    for (int attempt = 0; attempt < 200; ++attempt) {
        if (admin.execute("SELECT count(*) FROM pg_stat_activity WHERE pid = $1::int", pid).scalar<std::int64_t>() == 0)
            break;
        std::this_thread::sleep_for(std::chrono::milliseconds{10});
    }
    try {
        victim.execute("SELECT 1");
        FAIL("expected operational_error");
    } catch (const strata::operational_error& error) {
        CHECK(error.sqlstate() == "57P01");
        CHECK(error.server_message().find("administrator") != std::string::npos);
    }
}

TEST_CASE("a wrong PostgreSQL password keeps the server's SQLSTATE 28P01, never the password") {
    // scripts/lib.sh makes the test server ask this one role for a password (all others are trusted).
    const auto base = strata::parse_url(strata::testing::server_url());
    const std::string url = "postgresql://strata_password_check:Wr0ngPassw0rd@" + base.host +
                            (base.port ? ":" + std::to_string(*base.port) : "") + "/" + base.database;
    try {
        auto engine = strata::create_engine(url, {.pooled = false});
        auto connection = engine.connect();
        FAIL("expected operational_error");
    } catch (const strata::operational_error& error) {
        CHECK(error.sqlstate() == "28P01");
        CHECK(std::string{error.what()}.find("Wr0ngPassw0rd") == std::string::npos);
    }
}

TEST_CASE("a PostgreSQL login to a database that does not exist keeps SQLSTATE 3D000") {
    const auto base = strata::parse_url(strata::testing::server_url());
    const std::string url = "postgresql://" + (base.username.empty() ? std::string{"postgres"} : base.username) + "@" +
                            base.host + (base.port ? ":" + std::to_string(*base.port) : "") + "/no_such_database_here";
    try {
        auto engine = strata::create_engine(url, {.pooled = false});
        auto connection = engine.connect();
        FAIL("expected operational_error");
    } catch (const strata::operational_error& error) {
        CHECK(error.sqlstate() == "3D000");
        CHECK(error.server_message().find("no_such_database_here") != std::string::npos);
        CHECK(error.server_message().find("LOCATION") == std::string::npos);
    }
}
