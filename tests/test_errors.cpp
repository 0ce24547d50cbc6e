// Errors are typed the DBAPI way on both databases and carry SQL, code and the server's message.
#include <catch2/catch.hpp>

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
            } else {
                CHECK(error.code() == "1");  // SQLITE_ERROR
                CHECK(error.source() == strata::error_source::sqlite);
            }
        }
        CHECK_THROWS_AS(connection.execute("SELECT * FROM no_such_table"), strata::programming_error);
    });
}

TEST_CASE("a duplicate key is a unique_violation on both backends") {
    for_each_backend([](strata::engine& engine) {
        auto connection = engine.connect();
        connection.execute_script("DROP TABLE IF EXISTS people");
        connection.execute_script("CREATE TABLE people (id INTEGER PRIMARY KEY, email TEXT UNIQUE NOT NULL)");
        connection.execute("INSERT INTO people (id, email) VALUES ($1, $2)", 1, "a@example.com");
        try {
            connection.execute("INSERT INTO people (id, email) VALUES ($1, $2)", 2, "a@example.com");
            FAIL("expected unique_violation");
        } catch (const strata::unique_violation& error) {
            CHECK(error.code() == (is_postgresql(connection) ? "23505" : "2067"));
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
