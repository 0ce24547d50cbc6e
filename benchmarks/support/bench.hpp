// benchmarks/support/bench.hpp - shared by the benchmarks: backend URLs and a fair timer.
#pragma once

#include <fmt/core.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace bench {

/// The PostgreSQL URL to benchmark against (scripts/bench.sh starts a server and sets it).
inline std::optional<std::string> postgresql_url() {
    for (const char* name : {"STRATA_BENCH_POSTGRESQL_URL", "STRATA_TEST_POSTGRESQL_URL"}) {
        if (const char* value = std::getenv(name); value != nullptr && *value != '\0') return std::string{value};
    }
    return std::nullopt;
}

/// The PostgreSQL URL, or a message saying how to get one and exit status 1.
inline std::string require_postgresql_url() {
    if (auto url = postgresql_url()) return *url;
    fmt::print(stderr, "STRATA_BENCH_POSTGRESQL_URL is not set: run scripts/bench.sh, which starts PostgreSQL\n");
    std::exit(1);
}

/// The MariaDB URL to benchmark against (scripts/bench.sh starts a server and sets it), or nothing:
/// the MariaDB lines are then left out, with a note on stderr.
inline std::optional<std::string> mariadb_url() {
    for (const char* name : {"STRATA_BENCH_MARIADB_URL", "STRATA_TEST_MARIADB_URL"}) {
        if (const char* value = std::getenv(name); value != nullptr && *value != '\0') return std::string{value};
    }
    fmt::print(stderr,
               "STRATA_BENCH_MARIADB_URL is not set: the MariaDB lines are left out (scripts/bench.sh sets it)\n");
    return std::nullopt;
}

/// Milliseconds `body` takes.
inline double time_ms(const std::function<void()>& body) {
    const auto start = std::chrono::steady_clock::now();
    body();
    return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
}

/// The best of `rounds` runs of `iterations` calls of body(i), in nanoseconds per call (a template:
/// a call through std::function would weigh on what is measured).
template <class Body>
double nanoseconds_per_call(int rounds, int iterations, Body&& body) {
    double best = 1e300;
    for (int round = 0; round < rounds; ++round) {
        const auto start = std::chrono::steady_clock::now();
        for (int i = 0; i < iterations; ++i) body(i);
        const double elapsed =
            std::chrono::duration<double, std::nano>(std::chrono::steady_clock::now() - start).count();
        best = std::min(best, elapsed / iterations);
    }
    return best;
}

/// Best time of `rounds` in milliseconds; `prepare` runs untimed before each round.
inline double best_of(int rounds, const std::function<void()>& prepare, const std::function<void()>& body) {
    double best = 1e300;
    for (int round = 0; round < rounds; ++round) {
        prepare();
        best = std::min(best, time_ms(body));
    }
    return best;
}

/// Runs a and b alternately `rounds` times and returns each one's best time in milliseconds,
/// so that warm-up, caches and the other core's noise weigh on both sides alike.
inline std::pair<double, double> best_of_alternating(int rounds, const std::function<void()>& a,
                                                     const std::function<void()>& b) {
    double best_a = 1e300;
    double best_b = 1e300;
    for (int round = 0; round < rounds; ++round) {
        best_a = std::min(best_a, time_ms(a));
        best_b = std::min(best_b, time_ms(b));
    }
    return {best_a, best_b};
}

}  // namespace bench
