// 05_exists: 10,000 uniqueness checks against 100,000 users (half of the emails exist).
//
//   load_first: session.query<User>().filter(email == e).first() - loads an object to test it
//   exists:     session.query<User>().filter(email == e).exists() - SELECT EXISTS (SELECT 1 ...)
#include <fmt/core.h>

#include "support/example.hpp"
#include "support/models.hpp"
#include "support/seed.hpp"

using examples::user;
using strata::col;

int main() try {
    constexpr std::int64_t users = 100'000;
    constexpr int checks = 10'000;
    auto engine = strata::create_engine(examples::database_url());
    strata::drop_all<user>(engine);
    strata::create_all<user>(engine);
    {
        auto connection = engine.connect();
        examples::insert_generated(connection, "example_users", "id, email, name, bio",
                                   "n, 'user' || n || '@example.com', 'User ' || n, 'bio'", users);
    }
    auto email = [](int i) { return fmt::format("user{}@example.com", i % 2 == 0 ? i * 7 + 1 : users + i); };
    int found_loading = 0;
    {
        // Each check is its own request with its own session, as in a web service.
        examples::variant_run run{engine, "exists", "load_first"};
        std::size_t loaded = 0;
        for (int i = 0; i < checks; ++i) {
            strata::session session{engine};
            if (session.query<user>().filter(col<&user::email> == email(i)).first()) ++found_loading;
            loaded += session.identity_count();
        }
        run.finish(checks, fmt::format("found={} objects_loaded={}", found_loading, loaded));
    }
    int found_exists = 0;
    {
        examples::variant_run run{engine, "exists", "exists"};
        std::size_t loaded = 0;
        for (int i = 0; i < checks; ++i) {
            strata::session session{engine};
            if (session.query<user>().filter(col<&user::email> == email(i)).exists()) ++found_exists;
            loaded += session.identity_count();
        }
        run.finish(checks, fmt::format("found={} objects_loaded={}", found_exists, loaded));
    }
    strata::drop_all<user>(engine);
    return found_loading == checks / 2 && found_exists == found_loading ? 0 : 1;
} catch (const std::exception& error) {
    fmt::print(stderr, "error: {}\n", error.what());
    return 1;
}
