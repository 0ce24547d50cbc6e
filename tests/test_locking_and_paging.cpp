// Row locking under real concurrency (pattern 9) and keyset pagination (pattern 10).
#include <catch2/catch.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <mutex>
#include <optional>
#include <set>
#include <thread>
#include <vector>

#include "strata/orm.hpp"
#include "support/backends.hpp"
#include "support/library.hpp"
#include "support/models.hpp"

namespace optimistic {

/// A counter many requests increment, guarded by a version instead of a row lock.
struct visit_counter {
    std::int64_t id = 0;
    std::int64_t visits = 0;
    std::int64_t version = 0;
};

}  // namespace optimistic

template <>
struct strata::mapping<optimistic::visit_counter> {
    using visit_counter = optimistic::visit_counter;
    static constexpr auto table =
        strata::table("visit_counters", strata::column<&visit_counter::id>("id", strata::primary_key),
                      strata::column<&visit_counter::visits>("visits"),
                      strata::column<&visit_counter::version>("version", strata::version_counter));
};

using namespace models;
using strata::col;
using strata::testing::for_each_backend;

namespace {

/// Runs `workers` threads of `withdrawals` read-modify-write withdrawals of 1 each.
void withdraw_concurrently(const strata::engine& engine, int workers, int withdrawals) {
    std::vector<std::thread> threads;
    std::atomic<int> failures{0};
    for (int worker = 0; worker < workers; ++worker) {
        threads.emplace_back([&] {
            try {
                strata::session session{engine};
                for (int i = 0; i < withdrawals; ++i) {
                    auto row = session.query<account>().with_for_update().filter(col<&account::id> == 1).one();
                    row->balance -= 1;
                    session.commit();
                }
            } catch (const std::exception& error) {
                UNSCOPED_INFO("worker failed: " << error.what());
                ++failures;
            }
        });
    }
    for (auto& thread : threads) thread.join();
    CHECK(failures == 0);
}

}  // namespace

TEST_CASE("8 threads x 250 withdrawals with SELECT ... FOR UPDATE leave exactly 0 on PostgreSQL") {
    auto engine = strata::create_engine(strata::testing::postgresql_url(), {.pool_size = 8});
    strata::drop_all<account>(engine);
    strata::create_all<account>(engine);
    {
        strata::session session{engine};
        session.add(account{1, 2000});
        session.commit();
    }
    withdraw_concurrently(engine, 8, 250);
    strata::session check{engine};
    CHECK(check.get<account>(std::int64_t{1})->balance == 0);
}

TEST_CASE("2 threads of withdrawals on an SQLite file in BEGIN IMMEDIATE mode lose no update") {
    auto engine = strata::create_engine(strata::testing::sqlite_file_url("withdrawals"),
                                        {.busy_timeout = std::chrono::seconds{30}, .begin_immediate = true});
    strata::create_all<account>(engine);
    {
        strata::session session{engine};
        session.add(account{1, 400});
        session.commit();
    }
    withdraw_concurrently(engine, 2, 200);
    strata::session check{engine};
    CHECK(check.get<account>(std::int64_t{1})->balance == 0);
}

namespace optimistic {

/// `workers` threads each add `increments` visits, without row locks: a commit whose row another
/// thread wrote since its read fails with stale_data_error, and the thread reads again and retries.
void increment_concurrently(const strata::engine& engine, int workers, int increments) {
    strata::testing::fresh_tables<visit_counter>(engine);
    {
        strata::session session{engine};
        session.add(visit_counter{.id = 1});
        session.commit();
    }
    std::atomic<int> retries{0};
    std::atomic<int> failures{0};
    std::vector<std::thread> threads;
    for (int worker = 0; worker < workers; ++worker) {
        threads.emplace_back([&] {
            try {
                strata::session session{engine};
                for (int done = 0; done < increments;) {
                    auto counter = session.get<visit_counter>(std::int64_t{1});
                    counter->visits += 1;
                    try {
                        session.commit();
                        ++done;
                    } catch (const strata::stale_data_error&) {
                        session.rollback();  // the next get reads the row again
                        ++retries;
                    }
                }
            } catch (const std::exception& error) {
                UNSCOPED_INFO("worker failed: " << error.what());
                ++failures;
            }
        });
    }
    for (auto& thread : threads) thread.join();
    CHECK(failures == 0);
    strata::session check{engine};
    const auto counter = check.get<visit_counter>(std::int64_t{1});
    CHECK(counter->visits == workers * increments);
    CHECK(counter->version == 1 + workers * increments);
    WARN(strata::dialect_name(engine.sql_dialect()) << ": " << retries << " commits were stale and retried");
}

}  // namespace optimistic

TEST_CASE(
    "4 threads incrementing one versioned row without row locks lose no increment, each conflict a "
    "stale_data_error that a retry resolves") {
    DYNAMIC_SECTION("on sqlite") {
        // SQLite has one writer: BEGIN IMMEDIATE makes the read and the write one turn.
        optimistic::increment_concurrently(
            strata::create_engine(strata::testing::sqlite_file_url("visits"),
                                  {.busy_timeout = std::chrono::seconds{30}, .begin_immediate = true}),
            4, 50);
    }
    DYNAMIC_SECTION("on postgresql") {
        optimistic::increment_concurrently(strata::create_engine(strata::testing::postgresql_url(), {.pool_size = 4}),
                                           4, 50);
    }
    DYNAMIC_SECTION("on mariadb") {
        optimistic::increment_concurrently(strata::create_engine(strata::testing::mariadb_url(), {.pool_size = 4}), 4,
                                           50);
    }
}

TEST_CASE("FOR UPDATE NOWAIT on a locked row raises lock_not_available through the session") {
    auto engine = strata::create_engine(strata::testing::postgresql_url());
    strata::drop_all<account>(engine);
    strata::create_all<account>(engine);
    strata::session holder{engine};
    holder.add(account{1, 10});
    holder.commit();
    const auto locked = holder.query<account>().with_for_update().filter(col<&account::id> == 1).one();
    CHECK(locked->balance == 10);
    strata::session waiter{engine};
    CHECK_THROWS_AS(waiter.query<account>().with_for_update({.nowait = true}).filter(col<&account::id> == 1).one(),
                    strata::lock_not_available);
    waiter.rollback();
    CHECK(waiter.query<account>().with_for_update({.skip_locked = true, .read = true}).all().empty());
    holder.rollback();
}

TEST_CASE("SKIP LOCKED lets 4 workers claim 100 queued jobs with no job claimed twice") {
    auto engine = strata::create_engine(strata::testing::postgresql_url(), {.pool_size = 4});
    strata::drop_all<job>(engine);
    strata::create_all<job>(engine);
    {
        strata::session session{engine};
        for (int i = 1; i <= 100; ++i) session.add(job{i, std::nullopt});
        session.commit();
    }
    std::mutex mutex;
    std::vector<std::int64_t> claimed;
    std::vector<std::thread> workers;
    for (std::int64_t worker = 1; worker <= 4; ++worker) {
        workers.emplace_back([&, worker] {
            strata::session session{engine};
            while (true) {
                auto next = session.query<job>()
                                .with_for_update({.skip_locked = true})
                                .filter(col<&job::claimed_by>.is_null())
                                .order_by(col<&job::id>)
                                .first();
                if (!next) break;
                next->claimed_by = worker;
                const auto id = next->id;
                session.commit();
                std::lock_guard lock{mutex};
                claimed.push_back(id);
            }
        });
    }
    for (auto& worker : workers) worker.join();
    CHECK(claimed.size() == 100);
    CHECK(std::set<std::int64_t>(claimed.begin(), claimed.end()).size() == 100);
    strata::session check{engine};
    CHECK(check.query<job>().filter(col<&job::claimed_by>.is_null()).count() == 0);
}

TEST_CASE("keyset pagination over (created_at, id) with repeating times visits 10,000 posts once, in order") {
    for_each_backend([](strata::engine& engine) {
        strata::drop_all<post>(engine);
        strata::create_all<post>(engine);
        {
            strata::session session{engine};
            const strata::timestamp base{std::chrono::seconds{1'700'000'000}};
            for (std::int64_t id = 1; id <= 10'000; ++id)  // 7 posts share each timestamp, ids out of time order
                session.add(post{id, "post " + std::to_string(id), base + std::chrono::seconds{(id * 7919) % 1429}});
            session.commit();
        }
        for (const auto order : {strata::sort_order::ascending, strata::sort_order::descending}) {
            strata::session session{engine};
            strata::keyset<&post::created_at, &post::id> cursor{order};
            std::vector<std::pair<strata::timestamp, std::int64_t>> seen;
            strata::statement_counter counter{engine};
            while (true) {
                const auto page = session.query<post>().page(cursor, 37);
                if (page.empty()) break;
                for (const auto& item : page) seen.emplace_back(item->created_at, item->id);
                session.clear();
            }
            CHECK(cursor.done());
            REQUIRE(seen.size() == 10'000);
            CHECK(counter.count() == 10'000 / 37 + 2);  // 271 pages, the last one short, then one empty
            CHECK(std::set<std::int64_t>{}.empty());
            std::set<std::int64_t> ids;
            for (const auto& [time, id] : seen) ids.insert(id);
            CHECK(ids.size() == 10'000);
            const bool ordered = order == strata::sort_order::ascending ? std::is_sorted(seen.begin(), seen.end())
                                                                        : std::is_sorted(seen.rbegin(), seen.rend());
            CHECK(ordered);
        }
        strata::session session{engine};
        CHECK(session.query<post>().page(*std::make_unique<strata::keyset<&post::id>>(), 5).front()->id == 1);
    });
}

TEST_CASE("keyset pagination over a nullable column visits every row once, NULLs last ascending and first descending") {
    for_each_backend([](strata::engine& engine) {
        using library::book;
        library::seed(engine, 30, 10);  // 300 books, publisher_id 1-5 repeating
        {
            auto connection = engine.connect();
            connection.execute("UPDATE books SET publisher_id = NULL WHERE id % 7 = 0 OR id > 290");
        }
        // The order the walk must follow, from the rows themselves: NULLs after every value.
        std::vector<std::pair<std::optional<std::int64_t>, std::int64_t>> expected;
        {
            auto connection = engine.connect();
            for (const auto& row : connection.execute("SELECT publisher_id, id FROM books"))
                expected.emplace_back(row.get<std::optional<std::int64_t>>(0), row.get<std::int64_t>(1));
        }
        const auto nulls_last = [](const auto& left, const auto& right) {
            if (left.first.has_value() != right.first.has_value()) return left.first.has_value();
            if (left.first != right.first) return *left.first < *right.first;
            return left.second < right.second;
        };
        std::sort(expected.begin(), expected.end(), nulls_last);
        for (const auto order : {strata::sort_order::ascending, strata::sort_order::descending}) {
            strata::session session{engine};
            strata::keyset<&book::publisher_id, &book::id> cursor{order};
            std::vector<std::pair<std::optional<std::int64_t>, std::int64_t>> seen;
            for (int pages = 0; pages < 100; ++pages) {  // a walk that stops early or loops is a failure below
                const auto page = session.query<book>().page(cursor, 7);
                if (page.empty()) break;
                for (const auto& item : page) seen.emplace_back(item->publisher_id, item->id);
            }
            CHECK(cursor.done());
            auto wanted = expected;
            if (order == strata::sort_order::descending) std::reverse(wanted.begin(), wanted.end());
            CHECK(seen == wanted);
        }
        // Both directions resume from a cursor kept as a value, NULL included.
        strata::session session{engine};
        strata::keyset<&book::publisher_id, &book::id> from_null{{std::nullopt, 7}, strata::sort_order::ascending};
        const auto rest = session.query<book>().page(from_null, 100);
        REQUIRE_FALSE(rest.empty());
        CHECK(rest.front()->id == 14);
        CHECK_FALSE(rest.front()->publisher_id.has_value());
        // The comparison each dialect gets: written out, NULL-aware, with the NULL placement spelled out.
        const auto p = [&engine](int n) { return strata::testing::placeholder_of(engine, n); };
        strata::statement_counter counter{engine};
        strata::keyset<&book::publisher_id, &book::id> from_value{{3, 4}, strata::sort_order::ascending};
        (void)session.query<book>().page(from_value, 2);
        REQUIRE(counter.count() == 1);
        const std::string ordering = engine.sql_dialect() == strata::dialect::mariadb
                                         ? "books.publisher_id IS NULL, books.publisher_id ASC"  // no NULLS LAST there
                                         : "books.publisher_id ASC NULLS LAST";
        CHECK(
            counter.statements()[0] ==
            "SELECT books.id, books.title, books.author_id, books.publisher_id FROM books WHERE books.publisher_id > " +
                p(1) + " OR books.publisher_id IS NULL OR books.publisher_id = " + p(2) + " AND books.id > " + p(3) +
                " ORDER BY " + ordering + ", books.id ASC LIMIT " + p(4));
    });
}
