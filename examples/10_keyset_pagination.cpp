// 10_keyset_pagination: pages of 20 posts at increasing depth in 1,000,000 posts (200,000 on SQLite).
//
//   offset: query.order_by(id).offset(depth).limit(20)  - the database walks past `depth` rows
//   keyset: query.page(keyset<&Post::id>{last_id}, 20)   - WHERE id > last_id: an index seek
#include <fmt/core.h>

#include "support/example.hpp"
#include "support/models.hpp"
#include "support/seed.hpp"

using examples::post;
using strata::col;

int main() try {
    const auto url = examples::database_url();
    const std::int64_t posts = strata::parse_url(url).scheme == "postgresql" ? 1'000'000 : 200'000;
    auto engine = strata::create_engine(url);
    strata::drop_all<post>(engine);
    strata::create_all<post>(engine);
    {
        auto connection = engine.connect();
        examples::insert_generated(connection, "example_posts", "id, title, created_at",
                                   "n, 'post ' || n, " + examples::timestamp_after(connection, "n"), posts);
    }
    constexpr std::int64_t page_size = 20;
    for (const std::int64_t depth : {std::int64_t{0}, std::int64_t{10'000}, std::int64_t{100'000}, posts - page_size}) {
        std::int64_t offset_first = 0;
        {
            strata::session session{engine};
            examples::variant_run run{engine, "keyset_pagination", "offset"};
            const auto page = session.query<post>().order_by(col<&post::id>).offset(depth).limit(page_size).all();
            offset_first = page.front()->id;
            run.finish(page.size(), fmt::format("depth={}", depth));
        }
        {
            strata::session session{engine};
            examples::variant_run run{engine, "keyset_pagination", "keyset"};
            strata::keyset<&post::id> cursor{{depth}, strata::sort_order::ascending};  // the last id a client saw
            const auto page = session.query<post>().page(cursor, page_size);
            run.finish(page.size(), fmt::format("depth={}", depth));
            if (page.front()->id != offset_first || static_cast<std::int64_t>(page.size()) != page_size) return 1;
        }
    }
    strata::drop_all<post>(engine);
    return 0;
} catch (const std::exception& error) {
    fmt::print(stderr, "error: {}\n", error.what());
    return 1;
}
