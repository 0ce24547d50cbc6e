// 02_load_only: 100,000 users with a 1 KB bio; the API needs id and email only.
//
//   full_rows: session.query<User>().all()                                  - every column, 100 MB of bios
//   load_only: .options(strata::load_only(&User::id, &User::email))         - two columns
#include <fmt/core.h>

#include "support/example.hpp"
#include "support/models.hpp"
#include "support/seed.hpp"

using examples::user;

int main() try {
    constexpr std::int64_t users = 100'000;
    auto engine = strata::create_engine(examples::database_url());
    strata::drop_all<user>(engine);
    strata::create_all<user>(engine);
    {
        auto connection = engine.connect();
        examples::insert_generated(
            connection, "example_users", "id, email, name, bio",
            "n, 'user' || n || '@example.com', 'User ' || n, " + examples::repeated_x(connection, 1000), users);
    }
    std::size_t full_bytes = 0;
    {
        strata::session session{engine};
        examples::variant_run run{engine, "load_only", "full_rows"};
        const auto rows = session.query<user>().all();
        for (const auto& item : rows) full_bytes += item->email.size() + item->bio->size();
        run.finish(rows.size(), fmt::format("bytes={}", full_bytes));
    }
    std::size_t slim_bytes = 0;
    {
        strata::session session{engine};
        examples::variant_run run{engine, "load_only", "load_only"};
        const auto rows = session.query<user>().options(strata::load_only(&user::id, &user::email)).all();
        for (const auto& item : rows) {
            slim_bytes += item->email.size();
            if (item->bio.is_loaded()) throw std::logic_error("load_only loaded the bio");
        }
        run.finish(rows.size(), fmt::format("bytes={}", slim_bytes));
        if (rows.size() != static_cast<std::size_t>(users)) return 1;
    }
    strata::drop_all<user>(engine);
    return slim_bytes > 0 && full_bytes > slim_bytes * 10 ? 0 : 1;
} catch (const std::exception& error) {
    fmt::print(stderr, "error: {}\n", error.what());
    return 1;
}
