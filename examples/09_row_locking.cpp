// 09_row_locking: concurrent withdrawals of 1 from one account (8 threads x 250 on PostgreSQL,
// 2 x 200 on SQLite), each a read-modify-write transaction.
//
//   no_lock:    read the balance, subtract, commit - concurrent transactions overwrite each other
//   for_update: session.query<Account>().with_for_update()... - the row is locked until commit
//               (SQLite has no row locks: the engine's begin_immediate takes the write lock)
//
// lost_updates = withdrawals committed - balance actually removed.
#include <fmt/core.h>

#include <atomic>
#include <thread>
#include <vector>

#include "support/example.hpp"
#include "support/models.hpp"

using examples::account;
using strata::col;

namespace {

struct outcome {
    std::int64_t committed = 0;
    std::int64_t final_balance = 0;
};

outcome run_withdrawals(const strata::engine& engine, int threads, int each, bool lock) {
    constexpr std::int64_t start = 1'000'000;
    strata::drop_all<account>(engine);
    strata::create_all<account>(engine);
    {
        strata::session session{engine};
        session.add(account{1, start});
        session.commit();
    }
    std::atomic<std::int64_t> committed{0};
    std::vector<std::thread> workers;
    for (int t = 0; t < threads; ++t) {
        workers.emplace_back([&] {
            strata::session session{engine};
            for (int i = 0; i < each; ++i) {
                try {
                    auto query = session.query<account>().filter(col<&account::id> == 1);
                    auto row = lock ? query.with_for_update().one() : query.populate_existing().one();
                    row->balance -= 1;
                    session.commit();
                    ++committed;
                } catch (const strata::operational_error&) {
                    session.rollback();  // SQLite refuses a conflicting writer (busy) instead of losing its update
                }
            }
        });
    }
    for (auto& worker : workers) worker.join();
    strata::session check{engine};
    return {committed.load(), check.get<account>(std::int64_t{1})->balance};
}

}  // namespace

int main() try {
    const auto url = examples::database_url();
    const bool postgresql = strata::parse_url(url).scheme == "postgresql";
    const int threads = postgresql ? 8 : 2;
    const int each = postgresql ? 250 : 200;
    for (const bool lock : {false, true}) {
        auto engine = strata::create_engine(
            url, {.pool_size = static_cast<std::size_t>(threads), .busy_timeout = std::chrono::seconds{30},
                  .begin_immediate = lock});
        examples::variant_run run{engine, "row_locking", lock ? "for_update" : "no_lock"};
        const auto result = run_withdrawals(engine, threads, each, lock);
        const std::int64_t lost = result.committed - (1'000'000 - result.final_balance);
        run.finish(static_cast<std::size_t>(result.committed), fmt::format("lost_updates={}", lost));
        if (lock && lost != 0) return 1;
        strata::drop_all<account>(engine);
    }
    return 0;
} catch (const std::exception& error) {
    fmt::print(stderr, "error: {}\n", error.what());
    return 1;
}
