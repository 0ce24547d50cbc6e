// The engine: events around every statement, the statement counter, echo logging, pooling basics.
#include <catch2/catch.hpp>

#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "support/backends.hpp"

using strata::testing::for_each_backend;

TEST_CASE("before- and after-execute listeners see every statement with its parameters") {
    for_each_backend([](strata::engine& engine) {
        std::vector<std::string> before;
        std::vector<std::int64_t> parameters;
        std::vector<std::chrono::nanoseconds> elapsed;
        const auto first = engine.listen(strata::event_kind::before_execute, [&](const strata::execute_event& event) {
            before.emplace_back(event.sql);
            for (const auto& value : event.parameters) parameters.push_back(value.as_integer());
        });
        const auto second = engine.listen(strata::event_kind::after_execute, [&](const strata::execute_event& event) {
            elapsed.push_back(event.elapsed);
        });
        auto connection = engine.connect();
        connection.execute("SELECT $1 + $2", 20, 22);
        connection.execute_script("SELECT 1");
        CHECK(before == std::vector<std::string>{"SELECT $1 + $2", "SELECT 1"});
        CHECK(parameters == std::vector<std::int64_t>{20, 22});
        REQUIRE(elapsed.size() == 2);
        CHECK(elapsed[0].count() > 0);
        engine.remove_listener(first);
        engine.remove_listener(second);
        connection.execute("SELECT 1");
        CHECK(before.size() == 2);
    });
}

TEST_CASE("the statement counter counts statements but not transaction control") {
    for_each_backend([](strata::engine& engine) {
        auto connection = engine.connect();
        strata::statement_counter counter{engine};
        connection.begin();
        for (int i = 0; i < 5; ++i) connection.execute("SELECT $1", i);
        connection.commit();
        CHECK(counter.count() == 5);
        CHECK(counter.statements().front() == "SELECT $1");
        counter.reset();
        CHECK(counter.count() == 0);
        CHECK_THROWS(connection.execute("SELEC"));
        CHECK(counter.count() == 1);  // a failed statement was still issued
    });
}

TEST_CASE("echo logs each statement and its parameters before it runs, then its outcome, never the password") {
    std::vector<std::string> lines;
    // The test server trusts local connections, so any password connects; it must never be logged.
    const auto base = strata::parse_url(strata::testing::server_url());
    std::string url = "postgresql://" + (base.username.empty() ? std::string{"postgres"} : base.username) +
                      ":EchoSecret77@" + base.host + (base.port ? ":" + std::to_string(*base.port) : "") + "/" +
                      base.database;
    for (const auto& [key, value] : base.query) {
        url += (url.find('?') == std::string::npos ? "?" : "&") + key + "=";
        for (char c : value) url += c == '=' ? std::string{"%3D"} : std::string{c};
    }
    auto engine = strata::create_engine(
        url, {.echo = true, .echo_sink = [&](std::string_view line) { lines.emplace_back(line); }});
    auto connection = engine.connect();
    connection.execute("SELECT $1::text, $2::bigint", "hello", 7);
    REQUIRE(lines.size() == 3);
    CHECK(lines[0].find("connect postgresql://") != std::string::npos);
    CHECK(lines[0].find("***") != std::string::npos);
    // The statement is logged before it runs, so a statement that fails or hangs is in the log.
    CHECK(lines[1] == "[strata] SELECT $1::text, $2::bigint | ('hello', 7)");
    CHECK(lines[2].rfind("[strata] ok in ", 0) == 0);
    CHECK(lines[2].find(" ms") != std::string::npos);
    CHECK_THROWS_AS(connection.execute("SELECT 1 / $1::int", 0), strata::data_error);
    REQUIRE(lines.size() == 5);
    CHECK(lines[3] == "[strata] SELECT 1 / $1::int | (0)");
    CHECK(lines[4].rfind("[strata] failed in ", 0) == 0);
    CHECK(lines[4].find("division by zero [code 22012]") != std::string::npos);
    for (const auto& line : lines) CHECK(line.find("EchoSecret77") == std::string::npos);
    CHECK(engine.url().find("EchoSecret77") == std::string::npos);
}

TEST_CASE("echo shows reals in their shortest exact form and each duration to the microsecond, on both databases") {
    std::vector<std::string> lines;
    strata::engine_options options{.echo = true,
                                   .echo_sink = [&lines](std::string_view line) { lines.emplace_back(line); }};
    for_each_backend(
        [&lines](strata::engine& engine) {
            lines.clear();
            auto connection = engine.connect();
            connection.execute("SELECT $1, $2, $3", 0.1, 2.5e-7, -1.0);
            REQUIRE(lines.size() >= 2);
            CHECK(lines[lines.size() - 2] == "[strata] SELECT $1, $2, $3 | (0.1, 2.5e-07, -1)");
            const auto& outcome = lines.back();
            REQUIRE(outcome.rfind("[strata] ok in ", 0) == 0);
            const auto number = outcome.substr(15, outcome.size() - 15 - 3);  // between "ok in " and " ms"
            CHECK(outcome.substr(outcome.size() - 3) == " ms");
            REQUIRE(number.find('.') != std::string::npos);
            CHECK(number.size() - number.find('.') == 4);  // three decimals
        },
        options);
}

TEST_CASE("a pooled engine reuses connections and reports its status") {
    for_each_backend([](strata::engine& engine) {
        {
            auto first = engine.connect();
            first.execute("SELECT 1");
            const auto busy = engine.pool_status();
            CHECK(busy.checked_out == 1);
            CHECK(busy.checked_in == 0);
        }
        const auto idle = engine.pool_status();
        CHECK(idle.checked_out == 0);
        CHECK(idle.checked_in == 1);
        { auto again = engine.connect(); }
        CHECK(engine.pool_status().opened == 1);  // the same connection came back
        engine.dispose();
        CHECK(engine.pool_status().checked_in == 0);
    });
}

TEST_CASE("an SQLite memory database is one connection shared one checkout at a time") {
    auto engine = strata::create_engine("sqlite://", {.pool_timeout = std::chrono::milliseconds{50}});
    CHECK(engine.options().pool_size == 1);
    CHECK(engine.options().max_overflow == 0);
    {
        auto connection = engine.connect();
        connection.execute_script("CREATE TABLE shared (n INTEGER)");
        connection.execute("INSERT INTO shared (n) VALUES (1)");
        CHECK_THROWS_AS(engine.connect(), strata::pool_timeout);  // the one connection is in use
    }
    CHECK(engine.connect().execute("SELECT n FROM shared").scalar<int>() == 1);  // same database
}

TEST_CASE("a pool-less engine opens a new connection per checkout") {
    auto engine = strata::create_engine(strata::testing::postgresql_url(), {.pooled = false});
    int first_pid = 0;
    {
        auto connection = engine.connect();
        first_pid = connection.execute("SELECT pg_backend_pid()").scalar<int>();
    }
    auto connection = engine.connect();
    CHECK(connection.execute("SELECT pg_backend_pid()").scalar<int>() != first_pid);
    CHECK(engine.pool_status().opened == 2);
}

TEST_CASE("a checkout beyond pool_size plus max_overflow times out with pool_timeout") {
    auto engine =
        strata::create_engine(strata::testing::sqlite_file_url("pool_limit"),
                              {.pool_size = 1, .max_overflow = 1, .pool_timeout = std::chrono::milliseconds{100}});
    auto first = engine.connect();
    auto second = engine.connect();
    CHECK(engine.pool_status().overflow == 1);
    const auto start = std::chrono::steady_clock::now();
    try {
        auto third = engine.connect();
        FAIL("expected pool_timeout");
    } catch (const strata::pool_timeout& error) {
        CHECK(std::string{error.what()}.find("size 1 overflow 1") != std::string::npos);
        CHECK(std::chrono::steady_clock::now() - start >= std::chrono::milliseconds{100});
    }
    std::thread releaser{[&] {
        std::this_thread::sleep_for(std::chrono::milliseconds{20});
        second.close();
    }};
    auto third = engine.connect();  // waits until the releaser returns one
    releaser.join();
    CHECK(third.is_open());
}
