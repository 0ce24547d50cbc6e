// The connection pool under threads and faults (pattern 7).
#include <catch2/catch.hpp>

#include <atomic>
#include <cstdlib>
#include <thread>
#include <vector>

#include "strata/orm.hpp"
#include "support/backends.hpp"

using strata::testing::postgresql_url;

namespace {

/// An engine on the test server whose connections carry an application_name we can find.
strata::engine tagged_engine(const std::string& tag, strata::engine_options options) {
    const std::string url = postgresql_url();
    return strata::create_engine(url + (url.find('?') == std::string::npos ? "?" : "&") + "application_name=" + tag,
                                 options);
}

/// Terminates every server backend of connections tagged `tag`; returns how many.
int terminate_backends(const std::string& tag) {
    auto admin = strata::create_engine(postgresql_url(), {.pooled = false});
    auto connection = admin.connect();
    return connection
        .execute("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = $1", tag)
        .scalar<int>();
}

void stress(const strata::engine& engine) {
    constexpr int threads = 64;
    constexpr int checkouts = 500;
    std::atomic<int> completed{0};
    std::atomic<int> timeouts{0};
    std::atomic<int> other_errors{0};
    std::atomic<std::size_t> most_open{0};
    std::vector<std::thread> workers;
    for (int t = 0; t < threads; ++t) {
        workers.emplace_back([&] {
            for (int i = 0; i < checkouts; ++i) {
                try {
                    auto connection = engine.connect();
                    const auto open = engine.pool_status().open;
                    for (auto seen = most_open.load(); open > seen && !most_open.compare_exchange_weak(seen, open);) {
                    }
                    strata::transaction transaction{connection};
                    (void)connection.execute("SELECT 1").scalar<int>();
                    transaction.commit();
                    ++completed;
                } catch (const strata::pool_timeout&) {
                    ++timeouts;
                } catch (...) {
                    ++other_errors;
                }
            }
        });
    }
    for (auto& worker : workers) worker.join();
    const auto status = engine.pool_status();
    INFO("completed " << completed << ", timeouts " << timeouts);
    CHECK(other_errors == 0);
    CHECK(completed + timeouts == threads * checkouts);
    CHECK(completed > 0);
    CHECK(status.checked_out == 0);
    CHECK(status.peak_open <= 15);
    CHECK(most_open <= 15);
    CHECK(status.checked_in <= 5);
}

}  // namespace

TEST_CASE("64 threads x 500 checkouts on a pool of 5 + 10: no deadlock, only pool_timeout errors, all returned") {
    const strata::engine_options options{
        .pool_size = 5, .max_overflow = 10, .pool_timeout = std::chrono::milliseconds{200}};
    DYNAMIC_SECTION("on sqlite (file)") {
        stress(strata::create_engine(strata::testing::sqlite_file_url("stress"), options));
    }
    DYNAMIC_SECTION("on postgresql") { stress(strata::create_engine(postgresql_url(), options)); }
}

TEST_CASE("60 sessions hold a pool of 20 + 40; the 61st waits, then pool_timeout; a release lets a waiter in") {
    auto engine = strata::create_engine(
        postgresql_url(), {.pool_size = 20, .max_overflow = 40, .pool_timeout = std::chrono::milliseconds{300}});
    std::vector<std::unique_ptr<strata::session>> sessions;
    for (int i = 0; i < 60; ++i) {
        sessions.push_back(std::make_unique<strata::session>(engine));
        (void)sessions.back()->connection();  // the first statement's checkout
    }
    CHECK(engine.pool_status().checked_out == 60);
    CHECK(engine.pool_status().overflow == 40);
    const auto start = std::chrono::steady_clock::now();
    strata::session extra{engine};
    CHECK_THROWS_AS(extra.connection(), strata::pool_timeout);
    CHECK(std::chrono::steady_clock::now() - start >= std::chrono::milliseconds{300});
    std::thread releaser{[&] {
        std::this_thread::sleep_for(std::chrono::milliseconds{50});
        sessions.front()->rollback();  // returns its connection
    }};
    CHECK(extra.connection().execute("SELECT 1").scalar<int>() == 1);  // waits for the release
    releaser.join();
    sessions.clear();
    extra.rollback();
    CHECK(engine.pool_status().checked_out == 0);
    CHECK(engine.pool_status().checked_in == 20);  // overflow connections were closed on return
}

TEST_CASE("with pre-ping, connections killed by pg_terminate_backend are replaced at checkout") {
    const std::string tag = "strata_preping_" + std::to_string(::getpid());
    auto engine = tagged_engine(tag, {.pool_size = 3, .pool_pre_ping = true});
    {
        std::vector<strata::connection> held;
        for (int i = 0; i < 3; ++i) held.push_back(engine.connect());
    }
    CHECK(engine.pool_status().checked_in == 3);
    CHECK(terminate_backends(tag) == 3);
    for (int i = 0; i < 5; ++i) CHECK(engine.connect().execute("SELECT 1").scalar<int>() == 1);
    CHECK(engine.pool_status().opened >= 4);
}

TEST_CASE("without pre-ping, a killed connection fails its statement with operational_error and the pool recovers") {
    const std::string tag = "strata_noping_" + std::to_string(::getpid());
    auto engine = tagged_engine(tag, {.pool_size = 3});
    {
        std::vector<strata::connection> held;
        for (int i = 0; i < 3; ++i) held.push_back(engine.connect());
    }
    CHECK(terminate_backends(tag) == 3);
    {
        auto connection = engine.connect();
        CHECK_THROWS_AS(connection.execute("SELECT 1"), strata::operational_error);
        CHECK(connection.native().is_broken());
    }  // discarded, and the pool invalidated: the other dead idle connections are replaced too
    for (int i = 0; i < 3; ++i) CHECK(engine.connect().execute("SELECT 1").scalar<int>() == 1);
    CHECK(engine.pool_status().checked_out == 0);
}

TEST_CASE("recycle replaces connections older than pool_recycle") {
    auto engine = strata::create_engine(postgresql_url(), {.pool_size = 1, .pool_recycle = std::chrono::seconds{1}});
    int first = 0;
    {
        auto connection = engine.connect();
        first = connection.execute("SELECT pg_backend_pid()").scalar<int>();
    }
    CHECK(engine.connect().execute("SELECT pg_backend_pid()").scalar<int>() == first);
    std::this_thread::sleep_for(std::chrono::milliseconds{1100});
    CHECK(engine.connect().execute("SELECT pg_backend_pid()").scalar<int>() != first);
}

TEST_CASE("FIFO reuse takes the oldest idle connection, LIFO the newest") {
    for (const auto order : {strata::pool_order::lifo, strata::pool_order::fifo}) {
        auto engine = strata::create_engine(postgresql_url(), {.pool_size = 2, .pool_reuse = order});
        int first = 0, second = 0;
        {
            auto a = engine.connect();
            auto b = engine.connect();
            first = a.execute("SELECT pg_backend_pid()").scalar<int>();
            second = b.execute("SELECT pg_backend_pid()").scalar<int>();
            a.close();  // a returns first, then b
        }
        const int next = engine.connect().execute("SELECT pg_backend_pid()").scalar<int>();
        CHECK(next == (order == strata::pool_order::lifo ? second : first));
    }
}

// Hidden from the parallel run ([.]): it restarts the server, so ctest runs it alone (RUN_SERIAL).
TEST_CASE("a pool recovers from a server restart without restarting the program", "[.][restart]") {
    const char* control = std::getenv("STRATA_PG_CTL");
    const char* data = std::getenv("STRATA_PG_DATA_DIR");
    if (control == nullptr || data == nullptr) {
        WARN("not run: needs the server scripts/test.sh starts (STRATA_PG_CTL, STRATA_PG_DATA_DIR)");
        return;
    }
    auto engine = strata::create_engine(postgresql_url(), {.pool_size = 2, .pool_pre_ping = true});
    CHECK(engine.connect().execute("SELECT 1").scalar<int>() == 1);
    const std::string as_postgres = ::geteuid() == 0 ? "runuser -u postgres -- " : "";
    const std::string command = as_postgres + control + " -D " + data + " -m fast -w -t 60 restart > /dev/null 2>&1";
    REQUIRE(std::system(command.c_str()) == 0);
    CHECK(engine.connect().execute("SELECT 1").scalar<int>() == 1);  // pre-ping replaced the dead one
    strata::session session{engine};
    CHECK(session.connection().execute("SELECT 2").scalar<int>() == 2);
}
