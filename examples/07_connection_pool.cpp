// 07_connection_pool: 32 threads, each running short transactions (read one row, update one row).
//
//   connect_per_request: create_engine(url, {.pooled = false}) - a new connection per transaction
//   pooled:              create_engine(url, {.pool_size = 20, .max_overflow = 40, .pool_timeout = 30s})
//
// 200 transactions per thread on PostgreSQL; 20 on SQLite, whose writers queue on one file lock.
// connect_per_request runs 10 per thread on PostgreSQL: a connection costs about 30 ms here, so
// 6,400 of them would take minutes; compare ms_per_transaction.
#include <fmt/core.h>

#include <atomic>
#include <thread>
#include <vector>

#include "support/example.hpp"
#include "support/models.hpp"

using examples::account;
using strata::col;

int main() try {
    const auto url = examples::database_url();
    const bool postgresql = strata::parse_url(url).scheme == "postgresql";
    constexpr int threads = 32;
    const int pooled_each = postgresql ? 200 : 20;
    const int unpooled_each = postgresql ? 10 : 20;
    int total_expected = 0;
    {
        auto setup = strata::create_engine(url);
        strata::drop_all<account>(setup);
        strata::create_all<account>(setup);
        auto connection = setup.connect();
        for (int id = 1; id <= threads; ++id)
            connection.execute(strata::insert<account>().value(col<&account::id>, id).value(col<&account::balance>, 0));
    }
    for (const bool pooled : {false, true}) {
        auto engine = strata::create_engine(url, {.pool_size = 20,
                                                  .max_overflow = 40,
                                                  .pool_timeout = std::chrono::seconds{30},
                                                  .pooled = pooled,
                                                  .busy_timeout = std::chrono::seconds{60},
                                                  .begin_immediate = !postgresql});
        examples::variant_run run{engine, "connection_pool", pooled ? "pooled" : "connect_per_request"};
        const int each = pooled ? pooled_each : unpooled_each;
        total_expected += threads * each;
        const auto start = std::chrono::steady_clock::now();
        std::atomic<int> done{0};
        std::vector<std::thread> workers;
        for (int t = 1; t <= threads; ++t) {
            workers.emplace_back([&, t] {
                for (int i = 0; i < each; ++i) {
                    auto connection = engine.connect();
                    strata::transaction transaction{connection};
                    const auto balance =
                        connection.scalar(strata::select(col<&account::balance>).where(col<&account::id> == t));
                    connection.execute(strata::update<account>()
                                           .set(col<&account::balance>, balance + 1)
                                           .where(col<&account::id> == t));
                    transaction.commit();
                    ++done;
                }
            });
        }
        for (auto& worker : workers) worker.join();
        const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
        run.finish(static_cast<std::size_t>(done.load()), fmt::format("connections_opened={} ms_per_transaction={:.3f}",
                                                                      engine.pool_status().opened, ms / done.load()));
    }
    auto check = strata::create_engine(url);
    const auto total = check.connect().scalar(strata::select(strata::sum(col<&account::balance>)));
    strata::drop_all<account>(check);
    return total == total_expected ? 0 : 1;
} catch (const std::exception& error) {
    fmt::print(stderr, "error: {}\n", error.what());
    return 1;
}
