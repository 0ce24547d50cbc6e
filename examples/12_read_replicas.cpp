// 12_read_replicas: a read-heavy request mix over a primary and its streaming replica: each of 500
// requests reads three accounts and the total balance; every tenth also writes (a deposit) and
// reads its write back.
//
//   primary_only: one engine on the primary
//   replicas:     create_engine(primary, {.replicas = {STRATA_REPLICA_URL}}): a request's reads go to
//                 the replica until it writes; its reads after the commit go to the primary, so the
//                 deposit is always seen
//
// statements_primary / statements_replica count where the statements ran (engine events). On
// SQLite, or on PostgreSQL without STRATA_REPLICA_URL, it says so and runs on the one database.
#include <fmt/core.h>

#include <cstdlib>
#include <map>
#include <mutex>
#include <string>
#include <thread>

#include "support/example.hpp"
#include "support/models.hpp"

using examples::account;
using strata::col;

namespace {

constexpr std::int64_t accounts = 100;
constexpr int requests = 500;

/// Statements per server ("primary", "replica 0" ...), from the engine's events.
class per_server {
public:
    explicit per_server(const strata::engine& engine) {
        engine.listen(strata::event_kind::after_execute, [this](const strata::execute_event& event) {
            std::lock_guard lock{guard_};
            ++counts_[std::string{event.server}];
        });
    }
    [[nodiscard]] long count(const std::string& server) const {
        std::lock_guard lock{guard_};
        const auto found = counts_.find(server);
        return found == counts_.end() ? 0 : found->second;
    }

private:
    mutable std::mutex guard_;
    std::map<std::string, long> counts_;
};

/// Waits until the replica has replayed everything the primary has written.
void wait_for_replica(const strata::engine& primary, const std::string& replica_url) {
    const auto position = primary.connect().execute("SELECT pg_current_wal_insert_lsn()::text").scalar<std::string>();
    auto replica = strata::create_engine(replica_url, {.pooled = false}).connect();
    while (
        !replica.execute("SELECT pg_wal_lsn_diff(pg_last_wal_replay_lsn(), $1::pg_lsn) >= 0", position).scalar<bool>())
        std::this_thread::sleep_for(std::chrono::milliseconds{5});
}

/// The request mix; returns the rows read. A deposit not seen right after its commit fails it.
std::size_t serve(const strata::engine& engine) {
    std::size_t rows = 0;
    for (int request = 0; request < requests; ++request) {
        strata::session session{engine};
        for (std::int64_t offset = 0; offset < 3; ++offset) {
            const std::int64_t id = (request * 7 + offset) % accounts + 1;
            rows += session.query<account>().filter(col<&account::id> == id).all().size();
        }
        rows += session.execute(strata::select(strata::sum(col<&account::balance>))).size();
        if (request % 10 == 9) {
            const std::int64_t id = request % accounts + 1;
            auto target = session.query<account>().with_for_update().filter(col<&account::id> == id).one();
            const std::int64_t expected = target->balance + 5;
            target->balance = expected;
            session.commit();
            session.expunge(target);
            // Read your write: this read goes to the primary, which has it.
            if (session.query<account>().filter(col<&account::id> == id).one()->balance != expected)
                throw std::runtime_error("a deposit was not seen by the request that made it");
            ++rows;
        }
    }
    return rows;
}

void seed(const strata::engine& engine) {
    strata::drop_all<account>(engine);
    strata::create_all<account>(engine);
    strata::session session{engine};
    for (std::int64_t id = 1; id <= accounts; ++id) session.add(account{id, 1'000});
    session.commit();
}

}  // namespace

int main() try {
    const auto url = examples::database_url();
    const bool postgresql = strata::parse_url(url).scheme == "postgresql";
    const char* replica = std::getenv("STRATA_REPLICA_URL");
    if (!postgresql || replica == nullptr || *replica == '\0') {
        fmt::print("note: {}: every statement runs on the one database\n",
                   postgresql ? "STRATA_REPLICA_URL is not set" : "SQLite has no replicas");
        auto engine = strata::create_engine(url);
        seed(engine);
        per_server counted{engine};
        examples::variant_run run{engine, "read_replicas", "single_database"};
        const auto rows = serve(engine);
        run.finish(rows, fmt::format("statements_primary={} statements_replica=0", counted.count("primary")));
        strata::drop_all<account>(engine);
        return 0;
    }
    for (const bool replicas : {false, true}) {
        strata::engine_options options;
        if (replicas) options.replicas = {replica};
        auto engine = strata::create_engine(url, options);
        seed(engine);
        wait_for_replica(engine, replica);
        per_server counted{engine};
        examples::variant_run run{engine, "read_replicas", replicas ? "replicas" : "primary_only"};
        const auto rows = serve(engine);
        run.finish(rows, fmt::format("statements_primary={} statements_replica={}", counted.count("primary"),
                                     counted.count("replica 0")));
        if (replicas && counted.count("replica 0") == 0) return 1;
        strata::drop_all<account>(engine);
    }
    return 0;
} catch (const std::exception& error) {
    fmt::print(stderr, "error: {}\n", error.what());
    return 1;
}
