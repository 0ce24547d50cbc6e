// Driver behaviour: statement caching, result formats, streaming reads.
#include <catch2/catch.hpp>

#include "support/backends.hpp"

using strata::testing::for_each_backend;

TEST_CASE("a statement run 1,000 times is prepared once") {
    for_each_backend([](strata::engine& engine) {
        auto connection = engine.connect();
        connection.execute_script("DROP TABLE IF EXISTS numbers");
        connection.execute_script("CREATE TABLE numbers (n BIGINT)");
        const auto before = connection.native().statistics();
        for (std::int64_t i = 0; i < 1000; ++i) connection.execute("INSERT INTO numbers (n) VALUES ($1)", i);
        const auto after = connection.native().statistics();
        CHECK(after.statements_prepared - before.statements_prepared == 1);
        CHECK(after.statements_executed - before.statements_executed == 1000);
        CHECK(connection.execute("SELECT sum(n) FROM numbers").scalar<std::int64_t>() == 999 * 1000 / 2);
    });
}

TEST_CASE("with server-side preparation off, PostgreSQL prepares nothing (pgbouncer transaction mode)") {
    auto engine = strata::create_engine(strata::testing::postgresql_url(), {.server_side_prepare = false});
    auto connection = engine.connect();
    for (int i = 0; i < 10; ++i) CHECK(connection.execute("SELECT $1::int + 1", i).scalar<int>() == i + 1);
    CHECK(connection.native().statistics().statements_prepared == 0);
    CHECK(connection.execute("SELECT count(*) FROM pg_prepared_statements").scalar<int>() == 0);
}

TEST_CASE("PostgreSQL text and binary result formats read the same values") {
    using namespace std::chrono;
    const strata::timestamp moment = sys_days{2023y / July / 4} + 1h + 2min + 3s + 4us;
    for (const bool binary : {true, false}) {
        INFO("binary_results = " << binary);
        auto engine = strata::create_engine(strata::testing::postgresql_url(), {.binary_results = binary});
        auto connection = engine.connect();
        auto [id, real, text, flag, time, bytes, numeric, small] =
            connection
                .execute(
                    "SELECT $1::bigint, $2::float8, $3::text, $4::boolean, $5::timestamp, $6::bytea, "
                    "12345678901234.5::numeric, 7::smallint",
                    std::int64_t{-42}, 2.5, "text", true, moment, strata::blob{std::byte{0}, std::byte{255}})
                .one<std::int64_t, double, std::string, bool, strata::timestamp, strata::blob, double, int>();
        CHECK(id == -42);
        CHECK(real == 2.5);
        CHECK(text == "text");
        CHECK(flag);
        CHECK(time == moment);
        CHECK(bytes == strata::blob{std::byte{0}, std::byte{255}});
        CHECK(numeric == 12345678901234.5);
        CHECK(small == 7);
        CHECK(connection.execute("SELECT 10::numeric * 3").scalar<std::int64_t>() == 30);
        CHECK(connection.execute("SELECT '-0.0012'::numeric(10,4)::text").scalar<std::string>() == "-0.0012");
        CHECK(connection.execute("SELECT '-0.0012'::numeric(10,4)").scalar<std::string>() == "-0.0012");
        CHECK(connection.execute("SELECT 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'::uuid").scalar<std::string>() ==
              "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11");
        CHECK(connection.execute("SELECT DATE '2020-02-29'").scalar<strata::timestamp>() ==
              strata::timestamp{sys_days{2020y / February / 29}});
    }
}

TEST_CASE("the same statement can be read while another result of it is open") {
    for_each_backend([](strata::engine& engine) {
        auto connection = engine.connect();
        auto outer = connection.execute("SELECT 1 UNION ALL SELECT 2");
        REQUIRE(outer.next());
        auto inner = connection.execute("SELECT 1 UNION ALL SELECT 2");
        REQUIRE(inner.next());
        CHECK(inner.current().get<int>(0) + outer.current().get<int>(0) == 2);
        REQUIRE(outer.next());
        CHECK(outer.current().get<int>(0) == 2);
    });
}

TEST_CASE("reading past the end or a column out of range is a usage_error") {
    for_each_backend([](strata::engine& engine) {
        auto connection = engine.connect();
        auto result = connection.execute("SELECT 1");
        REQUIRE(result.next());
        CHECK_THROWS_AS(result.current().get<int>(3), strata::usage_error);
        CHECK_FALSE(result.next());
        CHECK_THROWS_AS(result.current().get<int>(0), strata::usage_error);
    });
}

TEST_CASE("affected_rows counts the rows a statement changed") {
    for_each_backend([](strata::engine& engine) {
        auto connection = engine.connect();
        connection.execute_script("DROP TABLE IF EXISTS numbers");
        connection.execute_script("CREATE TABLE numbers (n BIGINT)");
        for (int i = 0; i < 5; ++i) connection.execute("INSERT INTO numbers (n) VALUES ($1)", i);
        CHECK(connection.execute("UPDATE numbers SET n = n + 1 WHERE n >= $1", 2).affected_rows() == 3);
        CHECK(connection.execute("DELETE FROM numbers").affected_rows() == 5);
    });
}

TEST_CASE("a RETURNING clause returns generated keys on every backend") {
    for_each_backend([](strata::engine& engine) {
        auto connection = engine.connect();
        const auto dialect = connection.sql_dialect();
        connection.execute_script("DROP TABLE IF EXISTS items");
        connection.execute_script(dialect == strata::driver::dialect::postgresql
                                      ? "CREATE TABLE items (id BIGSERIAL PRIMARY KEY, name TEXT)"
                                  : dialect == strata::driver::dialect::mariadb
                                      ? "CREATE TABLE items (id BIGINT AUTO_INCREMENT PRIMARY KEY, name TEXT)"
                                      : "CREATE TABLE items (id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT)");
        CHECK(connection.execute("INSERT INTO items (name) VALUES ($1) RETURNING id", "a").scalar<std::int64_t>() == 1);
        CHECK(connection.execute("INSERT INTO items (name) VALUES ($1) RETURNING id", "b").scalar<std::int64_t>() == 2);
    });
}
