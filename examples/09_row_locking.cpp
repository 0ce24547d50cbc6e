// 09_row_locking: concurrent withdrawals of 1 from one account (8 threads x 250 on PostgreSQL,
// 2 x 200 on SQLite), each a read-modify-write transaction.
//
//   no_lock:    read the balance, subtract, commit - concurrent transactions overwrite each other
//   for_update: session.query<Account>().with_for_update()... - the row is locked until commit
//               (SQLite has no row locks: the engine's begin_immediate takes the write lock)
//   for_update_pipelined: each withdrawal moves the 1 to a second account, both rows locked by
//               reads sent together with .pipelined() - on PostgreSQL one round trip for both
//               (and the BEGIN), and the UPDATEs go with the COMMIT in one more
//
// lost_updates = withdrawals committed - balance actually removed (and, moving, not arrived).
#include <fmt/core.h>

#include <algorithm>
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

enum class locking { none, for_update, for_update_pipelined };

/// One withdrawal of 1 from account 1 (into account 2 when `mode` moves it).
void withdraw(strata::session& session, locking mode) {
    auto query = session.query<account>().filter(col<&account::id> == 1);
    if (mode == locking::for_update_pipelined) {
        // Both rows locked, always in the same order (so two transfers cannot deadlock), in one round trip.
        auto from_read = query.with_for_update().pipelined();
        auto to_read = session.query<account>().with_for_update().filter(col<&account::id> == 2).pipelined();
        auto from = from_read.one();
        auto to = to_read.one();
        from->balance -= 1;
        to->balance += 1;
    } else {
        auto row = mode == locking::for_update ? query.with_for_update().one() : query.populate_existing().one();
        row->balance -= 1;
    }
    session.commit();
}

outcome run_withdrawals(const strata::engine& engine, int threads, int each, locking mode) {
    constexpr std::int64_t start = 1'000'000;
    strata::drop_all<account>(engine);
    strata::create_all<account>(engine);
    {
        strata::session session{engine};
        session.add(account{1, start});
        session.add(account{2, 0});
        session.commit();
    }
    std::atomic<std::int64_t> committed{0};
    std::vector<std::thread> workers;
    for (int t = 0; t < threads; ++t) {
        workers.emplace_back([&] {
            strata::session session{engine};
            for (int i = 0; i < each; ++i) {
                try {
                    withdraw(session, mode);
                    ++committed;
                } catch (const strata::operational_error&) {
                    session.rollback();  // SQLite refuses a conflicting writer (busy) instead of losing its update
                }
            }
        });
    }
    for (auto& worker : workers) worker.join();
    strata::session check{engine};
    const auto removed = start - check.get<account>(std::int64_t{1})->balance;
    const auto arrived = check.get<account>(std::int64_t{2})->balance;
    // A move whose debit or credit was overwritten shows as the smaller of the two.
    return {committed.load(),
            mode == locking::for_update_pipelined ? start - std::min(removed, arrived) : start - removed};
}

}  // namespace

int main() try {
    const auto url = examples::database_url();
    const bool postgresql = strata::parse_url(url).scheme == "postgresql";
    const int threads = postgresql ? 8 : 2;
    const int each = postgresql ? 250 : 200;
    for (const auto mode : {locking::none, locking::for_update, locking::for_update_pipelined}) {
        const bool lock = mode != locking::none;
        auto engine = strata::create_engine(url, {.pool_size = static_cast<std::size_t>(threads),
                                                  .busy_timeout = std::chrono::seconds{30},
                                                  .begin_immediate = lock});
        const char* name = mode == locking::none         ? "no_lock"
                           : mode == locking::for_update ? "for_update"
                                                         : "for_update_pipelined";
        examples::variant_run run{engine, "row_locking", name};
        const auto result = run_withdrawals(engine, threads, each, mode);
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
