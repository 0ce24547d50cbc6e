// Read replicas on a real hot standby that scripts/test.sh starts (pg_basebackup -R): which server
// each statement runs on, read-your-writes, a replica stopped and started under 16 threads, and a
// replica whose replay is paused beyond max_replica_lag.
#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "strata/orm.hpp"
#include "support/backends.hpp"
#include "support/models.hpp"

using namespace models;
using strata::col;
using strata::testing::fresh_tables;
using strata::testing::postgresql_url;
using strata::testing::replica_url;
using strata::testing::wait_for_replica;

namespace {

/// Statements per server, from the engine's events.
class per_server {
public:
    explicit per_server(const strata::engine& engine) : engine_(engine) {
        id_ = engine.listen(strata::event_kind::after_execute, [this](const strata::execute_event& event) {
            std::lock_guard lock{guard_};
            ++counts_[std::string{event.server}];
        });
    }
    ~per_server() { engine_.remove_listener(id_); }
    per_server(const per_server&) = delete;
    per_server& operator=(const per_server&) = delete;
    [[nodiscard]] long count(const std::string& server) const {
        std::lock_guard lock{guard_};
        const auto found = counts_.find(server);
        return found == counts_.end() ? 0 : found->second;
    }
    void reset() {
        std::lock_guard lock{guard_};
        counts_.clear();
    }

private:
    strata::engine engine_;
    strata::listener_id id_ = 0;
    mutable std::mutex guard_;
    std::map<std::string, long> counts_;
};

/// Whether the session's read connection is on a server in recovery (a standby).
bool reads_on_standby(strata::session& session) {
    return std::get<0>(session.execute(strata::select(strata::func::call<bool>("pg_is_in_recovery"))).at(0));
}

void add_user(strata::session& session, const std::string& name) {
    session.add(user{0, name + "@example.com", name, 30, 1.0});
}

/// Runs a command as the postgres user (the servers refuse root); true when it succeeded.
bool as_postgres(const std::string& command) {
    const std::string prefix = ::geteuid() == 0 ? "runuser -u postgres -- " : "";
    return std::system((prefix + command + " >/dev/null 2>&1").c_str()) == 0;
}

}  // namespace

TEST_CASE(
    "with a replica, reads run on it and writes, FOR UPDATE and a session's reads after its commit on the primary") {
    auto engine = strata::create_engine(postgresql_url(), {.replicas = {replica_url()}});
    fresh_tables<order, user>(engine);
    {
        strata::session setup{engine};
        add_user(setup, "first");
        setup.commit();
    }
    wait_for_replica(engine);
    per_server counted{engine};

    {  // reads only: all on the replica, Core and ORM, loaders and counts included
        strata::session session{engine};
        CHECK(session.query<user>().all().size() == 1);
        CHECK(session.query<user>().count() == 1);
        CHECK(session.query<user>().filter(col<&user::name> == "first").exists());
        CHECK(reads_on_standby(session));
        CHECK(counted.count("primary") == 0);
        CHECK(counted.count("replica 0") >= 4);
        // FOR UPDATE is the primary's, and so is everything after it in that transaction.
        counted.reset();
        auto locked = session.query<user>().with_for_update().filter(col<&user::name> == "first").one();
        CHECK(counted.count("primary") == 1);
        CHECK(!reads_on_standby(session));
        locked->age = 31;
        session.commit();
    }
    {  // a write, then the session's own reads: on the primary, where its commit is
        strata::session session{engine};
        counted.reset();
        add_user(session, "second");
        session.commit();
        CHECK(session.query<user>().filter(col<&user::name> == "second").count() == 1);
        CHECK(!reads_on_standby(session));
        CHECK(counted.count("replica 0") == 0);
    }
    {  // per query and per session overrides
        strata::session session{engine};
        (void)session.execute(strata::select(col<&user::id>).for_update());  // a Core locking read
        CHECK(!reads_on_standby(session));
        strata::session reading{engine};
        counted.reset();
        (void)reading.query<user>().on_primary().all();
        CHECK(counted.count("primary") == 1);
        CHECK(!reads_on_standby(reading));  // the rest of its transaction on the primary too
        reading.commit();                   // which wrote nothing: no read-your-writes window
        CHECK(reads_on_standby(reading));
        strata::session pinned{engine, {.on_primary = true}};
        CHECK(!reads_on_standby(pinned));
    }
    {  // a new session sees the writes once the replica has them
        wait_for_replica(engine);
        strata::session session{engine};
        counted.reset();
        CHECK(session.query<user>().count() == 2);
        CHECK(session.query<user>().filter(col<&user::name> == "first").one()->age == 31);
        CHECK(counted.count("replica 0") == 2);
        CHECK(counted.count("primary") == 0);
    }
    // Core: connect_for_read() is the replica's, connect() the primary's.
    CHECK(engine.connect_for_read().server() == "replica 0");
    CHECK(engine.connect().server() == "primary");
}

TEST_CASE("read replicas are refused on SQLite and as a non-PostgreSQL URL") {
    CHECK_THROWS_AS(strata::create_engine("sqlite://", {.replicas = {"postgresql://127.0.0.1/x"}}),
                    strata::usage_error);
    CHECK_THROWS_AS(strata::create_engine(postgresql_url(), {.replicas = {"sqlite://"}}), strata::usage_error);
}

TEST_CASE("a replica paused beyond max_replica_lag sends reads to the primary until it catches up",
          "[.][replica_lag]") {
    auto engine = strata::create_engine(
        postgresql_url(), {.replicas = {replica_url()}, .max_replica_lag = std::chrono::milliseconds{300}});
    fresh_tables<order, user>(engine);
    wait_for_replica(engine);
    auto replica = strata::create_engine(replica_url(), {.pooled = false});
    per_server counted{engine};
    replica.connect().execute_script("SELECT pg_wal_replay_pause()");
    {
        strata::session writer{engine};
        add_user(writer, "during the pause");
        writer.commit();
    }
    std::this_thread::sleep_for(std::chrono::milliseconds{1'200});  // past the lag bound and the lag check's second
    {
        strata::session session{engine};
        CHECK(session.query<user>().filter(col<&user::name> == "during the pause").count() == 1);
        CHECK(!reads_on_standby(session));
    }
    replica.connect().execute_script("SELECT pg_wal_replay_resume()");
    wait_for_replica(engine);
    std::this_thread::sleep_for(std::chrono::milliseconds{1'100});
    {
        strata::session session{engine};
        CHECK(session.query<user>().filter(col<&user::name> == "during the pause").count() == 1);
        CHECK(reads_on_standby(session));
    }
}

TEST_CASE("a replica stopped and started under 16 threads costs no failed query and no wrong row",
          "[.][replica_restart]") {
    const char* control = std::getenv("STRATA_PG_CTL");
    const char* data = std::getenv("STRATA_PG_REPLICA_DATA_DIR");
    if (control == nullptr || data == nullptr) {
        WARN("not run: needs the replica scripts/test.sh starts (STRATA_PG_CTL, STRATA_PG_REPLICA_DATA_DIR)");
        return;
    }
    auto engine = strata::create_engine(
        postgresql_url(),
        {.pool_size = 16, .replicas = {replica_url()}, .replica_retry_interval = std::chrono::milliseconds{300}});
    fresh_tables<order, user>(engine);
    {
        strata::session setup{engine};
        for (int i = 0; i < 50; ++i) add_user(setup, "seed " + std::to_string(i));
        setup.commit();
    }
    wait_for_replica(engine);
    per_server counted{engine};
    std::atomic<long> operations{0};
    std::atomic<long> failed{0};
    std::atomic<long> wrong{0};
    std::atomic<bool> stop{false};
    std::vector<std::thread> workers;
    for (int thread = 0; thread < 16; ++thread)
        workers.emplace_back([&, thread] {
            for (int round = 0; !stop; ++round) {
                try {
                    strata::session session{engine};
                    if (round % 10 == 9) {  // a write, read back in its session (the primary's)
                        const std::string name = "t" + std::to_string(thread) + " r" + std::to_string(round);
                        add_user(session, name);
                        session.commit();
                        if (session.query<user>().filter(col<&user::name> == name).one()->age != 30) ++wrong;
                    } else {  // a read of rows every server has
                        const auto seeded = session.query<user>()
                                                .filter(col<&user::name>.startswith("seed "))
                                                .order_by(col<&user::id>)
                                                .all();
                        if (seeded.size() != 50 || seeded.front()->name != "seed 0") ++wrong;
                    }
                } catch (const std::exception&) {
                    ++failed;
                }
                ++operations;
            }
        });
    const auto wait_for = [&](long count) {
        while (operations < count) std::this_thread::sleep_for(std::chrono::milliseconds{5});
    };
    wait_for(3'000);
    const std::string replica_control = std::string{control} + " -D " + data;
    REQUIRE(as_postgres(replica_control + " -m fast -w stop"));
    const long replica_at_stop = counted.count("replica 0");
    wait_for(6'000);
    const long replica_while_down = counted.count("replica 0");
    REQUIRE(as_postgres(replica_control + " -l " + data + "/../restart.log -w start"));
    const long replica_before_restart = counted.count("replica 0");
    wait_for(operations + 4'000);
    stop = true;
    for (auto& worker : workers) worker.join();
    WARN("replica stop/start under 16 threads: "
         << operations.load() << " operations, " << failed.load() << " failed, " << wrong.load()
         << " wrong; statements: primary " << counted.count("primary") << ", replica 0 " << counted.count("replica 0"));
    CHECK(operations >= 10'000);
    CHECK(failed == 0);
    CHECK(wrong == 0);
    CHECK(counted.count("replica 0") > replica_before_restart);  // used again once it answered
    CHECK(replica_while_down == replica_at_stop);                // nothing ran on it while it was down
}
