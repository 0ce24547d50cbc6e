// 03_yield_per: 1,000,000 users on PostgreSQL (200,000 on SQLite), each variant in its own process
// so that each peak RSS is its own.
//
//   all:       session.query<User>().all()             - every object in memory at once
//   yield_per: session.query<User>().yield_per(1000)   - one batch at a time (a cursor on PostgreSQL)
#include <fmt/core.h>

#include <cstdio>

#include "support/child.hpp"
#include "support/example.hpp"
#include "support/models.hpp"
#include "support/seed.hpp"

using examples::user;

int main() try {
    const auto url = examples::database_url();
    const std::int64_t users = strata::parse_url(url).scheme == "postgresql" ? 1'000'000 : 200'000;
    {
        auto engine = strata::create_engine(url);
        strata::drop_all<user>(engine);
        strata::create_all<user>(engine);
        auto connection = engine.connect();
        examples::insert_generated(connection, "example_users", "id, email, name, bio",
                                   "n, 'user' || n || '@example.com', 'User ' || n, 'bio ' || n", users);
    }
    const std::int64_t expected = users * (users + 1) / 2;
    bool ok = true;
    for (const bool streaming : {true, false}) {  // yield_per first, each in its own process
        const auto measured = bench::in_child([&] {
            auto engine = strata::create_engine(url);
            strata::session session{engine};
            examples::variant_run run{engine, "yield_per", streaming ? "yield_per" : "all"};
            std::int64_t sum = 0;
            std::size_t rows = 0;
            if (streaming) {
                for (const auto& item : session.query<user>().yield_per(1000)) {
                    sum += item->id;
                    ++rows;
                }
            } else {
                for (const auto& item : session.query<user>().all()) {
                    sum += item->id;
                    ++rows;
                }
            }
            rusage usage{};
            getrusage(RUSAGE_SELF, &usage);
            run.finish(rows, fmt::format("peak_rss_mb={:.1f}", static_cast<double>(usage.ru_maxrss) / 1024.0));
            std::fflush(stdout);
            if (sum != expected) _exit(1);
        });
        ok = ok && measured.ms > 0;
    }
    strata::drop_all<user>(strata::create_engine(url));
    return ok ? 0 : 1;
} catch (const std::exception& error) {
    fmt::print(stderr, "error: {}\n", error.what());
    return 1;
}
