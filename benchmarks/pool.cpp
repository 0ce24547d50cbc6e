// bench=pool_checkout: checkout + return with no statement, ns each, at 1, 8 and 32 threads.
// bench=pool_throughput: short transactions per second with 32 threads, pooled vs a new
// connection per transaction (PostgreSQL).
#include <atomic>
#include <chrono>
#include <filesystem>
#include <thread>
#include <vector>

#include "strata/postgresql.hpp"
#include "strata/sqlite.hpp"
#include "support/bench.hpp"

namespace {

double checkout_ns(const strata::engine& engine, int threads, int per_thread) {
    std::vector<std::thread> workers;
    const auto start = std::chrono::steady_clock::now();
    for (int t = 0; t < threads; ++t) {
        workers.emplace_back([&] {
            for (int i = 0; i < per_thread; ++i) {
                auto connection = engine.connect();
                (void)connection;
            }
        });
    }
    for (auto& worker : workers) worker.join();
    const double elapsed = std::chrono::duration<double, std::nano>(std::chrono::steady_clock::now() - start).count();
    return elapsed / (static_cast<double>(threads) * per_thread);
}

double transactions_per_second(const strata::engine& engine, int threads, int per_thread) {
    std::vector<std::thread> workers;
    const auto start = std::chrono::steady_clock::now();
    for (int t = 0; t < threads; ++t) {
        workers.emplace_back([&] {
            for (int i = 0; i < per_thread; ++i) {
                auto connection = engine.connect();
                strata::transaction transaction{connection};
                (void)connection.execute("SELECT 1").scalar<int>();
                transaction.commit();
            }
        });
    }
    for (auto& worker : workers) worker.join();
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    return threads * per_thread / seconds;
}

void checkout_lines(const char* backend, const strata::engine& engine) {
    for (const int threads : {1, 8, 32}) {
        (void)checkout_ns(engine, threads, 1000);  // warm: open the connections first
        const double best =
            std::min({checkout_ns(engine, threads, 200'000 / threads), checkout_ns(engine, threads, 200'000 / threads),
                      checkout_ns(engine, threads, 200'000 / threads)});
        fmt::print("bench=pool_checkout backend={} threads={} ns_per_checkout={:.0f}\n", backend, threads, best);
    }
}

}  // namespace

int main() {
    const strata::engine_options options{.pool_size = 32, .max_overflow = 0};
    const auto path = std::filesystem::temp_directory_path() / "strata_bench_pool.db";
    checkout_lines("sqlite", strata::create_engine("sqlite:///" + path.string(), options));
    std::filesystem::remove(path);
    const auto url = bench::require_postgresql_url();
    checkout_lines("postgresql", strata::create_engine(url, options));
    auto pooled = strata::create_engine(url, {.pool_size = 32, .max_overflow = 0});
    auto unpooled = strata::create_engine(url, {.pooled = false});
    (void)transactions_per_second(pooled, 32, 10);  // open the pool's connections before measuring
    const double pooled_tps = transactions_per_second(pooled, 32, 200);
    const double unpooled_tps = transactions_per_second(unpooled, 32, 5);
    fmt::print(
        "bench=pool_throughput backend=postgresql threads=32 pooled_tps={:.0f} unpooled_tps={:.0f} ratio={:.1f}\n",
        pooled_tps, unpooled_tps, pooled_tps / unpooled_tps);
    return 0;
}
