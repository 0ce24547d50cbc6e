// 04_bulk_insert: 100,000 users written in one transaction.
//
//   add_loop:    session.add(user) per row, then commit   - the unit of work: one INSERT ... RETURNING each
//   bulk_insert: session.bulk_insert<User>(users)          - COPY (binary) on PostgreSQL, 100-row INSERTs on SQLite,
//                                                            an INSERT run for 1,000 rows bound as arrays on MariaDB
#include <fmt/core.h>

#include <vector>

#include "support/example.hpp"
#include "support/models.hpp"

using examples::user;

namespace {

std::vector<user> make_users(std::int64_t count) {
    std::vector<user> users;
    users.reserve(static_cast<std::size_t>(count));
    for (std::int64_t i = 1; i <= count; ++i)
        users.push_back(
            {0, fmt::format("user{}@example.com", i), fmt::format("User {}", i), std::string{"a short bio"}});
    return users;
}

std::int64_t count_users(const strata::engine& engine) {
    return engine.connect().execute("SELECT count(*) FROM example_users").scalar<std::int64_t>();
}

}  // namespace

int main() try {
    constexpr std::int64_t count = 100'000;
    auto engine = strata::create_engine(examples::database_url());
    const auto users = make_users(count);
    double add_loop_ms = 0;
    bool ok = true;
    for (const bool bulk : {false, true}) {
        strata::drop_all<user>(engine);
        strata::create_all<user>(engine);
        examples::variant_run run{engine, "bulk_insert", bulk ? "bulk_insert" : "add_loop"};
        strata::session session{engine};
        if (bulk) {
            session.bulk_insert<user>(users);
        } else {
            for (const auto& item : users) session.add(user{item});
        }
        session.commit();
        const double ms = run.elapsed_ms();
        if (!bulk) add_loop_ms = ms;
        run.finish(static_cast<std::size_t>(count),
                   bulk ? fmt::format("speedup={:.1f}", add_loop_ms / ms) : std::string{});
        ok = ok && count_users(engine) == count;
    }
    strata::drop_all<user>(engine);
    return ok ? 0 : 1;
} catch (const std::exception& error) {
    fmt::print(stderr, "error: {}\n", error.what());
    return 1;
}
