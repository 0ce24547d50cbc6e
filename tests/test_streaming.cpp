// yield_per and Core streaming: bounded memory, batches released, early exits leave things usable.
#include <algorithm>
#include <catch2/catch.hpp>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "strata/driver/postgresql/connection.hpp"
#include "support/backends.hpp"
#include "support/library.hpp"
#include "support/models.hpp"

using strata::col;
using strata::testing::for_each_backend;

namespace {
/// A model with an unmapped member, which a reused object must get back at its default.
struct stream_note {
    std::int64_t id = 0;
    std::string text;
    std::optional<std::string> extra;
    int visits = 7;
};
}  // namespace

template <>
struct strata::mapping<stream_note> {
    static constexpr auto table = strata::table("stream_notes",                                               //
                                                strata::column<&stream_note::id>("id", strata::primary_key),  //
                                                strata::column<&stream_note::text>("text"),                   //
                                                strata::column<&stream_note::extra>("extra"));
};

namespace {
void seed_profiles(const strata::engine& engine, int count) {
    strata::drop_all<models::profile>(engine);
    strata::create_all<models::profile>(engine);
    auto connection = engine.connect();
    connection.execute(
        "INSERT INTO profiles (id, email, name, bio) "
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $1) SELECT i, 'u' || i || "
        "'@example.com', 'name ' || i, "
        "'bio ' || i FROM n",
        count);
}
}  // namespace

TEST_CASE("yield_per streams 100,000 objects and the session keeps none of them") {
    for_each_backend([](strata::engine& engine) {
        seed_profiles(engine, 100'000);
        strata::session session{engine};
        std::int64_t sum = 0;
        std::size_t rows = 0;
        std::size_t most_held = 0;
        for (const auto& item : session.query<models::profile>().order_by(col<&models::profile::id>).yield_per(1000)) {
            sum += item->id;
            ++rows;
            most_held = std::max(most_held, session.identity_count());
        }
        CHECK(rows == 100'000);
        CHECK(sum == 100'000LL * 100'001 / 2);
        CHECK(most_held <= 1000);
        CHECK(session.identity_count() == 0);
        CHECK(session.query<models::profile>().filter(col<&models::profile::id> == 5).one()->email == "u5@example.com");
    });
}

TEST_CASE("yield_per reuses a finished batch's objects for the next batch and frees them all at the end") {
    for_each_backend([](strata::engine& engine) {
        seed_profiles(engine, 1000);
        strata::session session{engine};
        std::vector<std::weak_ptr<strata::orm::tracked_object>> seen;
        std::set<const void*> first_batch;
        std::set<const void*> distinct;
        std::size_t rows = 0;
        for (const auto& item : session.query<models::profile>().order_by(col<&models::profile::id>).yield_per(100)) {
            seen.emplace_back(item.state());
            distinct.insert(item.state().get());
            if (++rows <= 100) first_batch.insert(item.state().get());
            if (rows == 101) CHECK(first_batch.count(item.state().get()) == 1);  // row 101 took a finished object
            CHECK(item->email == "u" + std::to_string(item->id) + "@example.com");
            CHECK(item->bio.value() == "bio " + std::to_string(item->id));
        }
        CHECK(rows == 1000);
        CHECK(distinct.size() == 100);  // one batch of objects, whatever the row count
        CHECK(std::none_of(seen.begin(), seen.end(), [](const auto& state) { return !state.expired(); }));
        CHECK(session.identity_count() == 0);
    });
}

TEST_CASE(
    "a streamed object the loop keeps a handle to is never reused, keeps its row's values and stays in the "
    "session") {
    for_each_backend([](strata::engine& engine) {
        seed_profiles(engine, 1000);
        strata::session session{engine};
        std::vector<strata::ref<models::profile>> kept;
        for (const auto& item : session.query<models::profile>().order_by(col<&models::profile::id>).yield_per(50))
            if (item->id % 7 == 0) kept.push_back(item);
        REQUIRE(kept.size() == 142);
        std::size_t wrong = 0;
        for (const auto& item : kept) {
            if (item->email != "u" + std::to_string(item->id) + "@example.com") ++wrong;
            if (item->name != "name " + std::to_string(item->id)) ++wrong;
            // Still the session's object for its row: a later get() finds it, and its changes flush.
            if (item.status() != strata::object_status::persistent) ++wrong;
        }
        CHECK(wrong == 0);
        CHECK(kept.back()->id == 994);
        CHECK(session.identity_count() == 142);
        CHECK(session.get<models::profile>(kept.front()->id).state() == kept.front().state());
    });
}

TEST_CASE("a reused object carries nothing of its previous row: not its text, NULLs or unmapped members") {
    for_each_backend([](strata::engine& engine) {
        strata::drop_all<stream_note>(engine);
        strata::create_all<stream_note>(engine);
        {
            strata::session writer{engine};
            std::vector<stream_note> notes;
            for (std::int64_t i = 1; i <= 600; ++i) {
                // Long, empty and short text in turn, and NULLs every third row.
                const auto length = static_cast<std::size_t>((i * 37) % 61);
                notes.push_back({i, std::string(length, static_cast<char>('a' + i % 26)),
                                 i % 3 == 0 ? std::nullopt : std::optional<std::string>{"extra " + std::to_string(i)}});
            }
            writer.bulk_insert<stream_note>(notes);
            writer.commit();
        }
        strata::session session{engine};
        std::size_t rows = 0;
        std::size_t wrong = 0;
        for (const auto& item : session.query<stream_note>().order_by(col<&stream_note::id>).yield_per(25)) {
            const auto i = item->id;
            if (item->text != std::string(static_cast<std::size_t>((i * 37) % 61), static_cast<char>('a' + i % 26)))
                ++wrong;
            if (item->extra != (i % 3 == 0 ? std::nullopt : std::optional<std::string>{"extra " + std::to_string(i)}))
                ++wrong;
            if (item->visits != 7) ++wrong;  // the default, not what the loop wrote into an earlier row's object
            item->visits = 99;               // unmapped: not a change the session sees
            ++rows;
        }
        CHECK(rows == 600);
        CHECK(wrong == 0);
        CHECK(session.identity_count() == 0);
    });
}

TEST_CASE("leaving a yield_per loop early, or by an exception, leaves the session usable") {
    for_each_backend([](strata::engine& engine) {
        seed_profiles(engine, 5000);
        strata::session session{engine};
        int seen = 0;
        for (const auto& item : session.query<models::profile>().yield_per(100)) {
            (void)item;
            if (++seen == 10) break;
        }
        CHECK(seen == 10);
        CHECK(session.identity_count() == 0);
        CHECK(session.query<models::profile>().count() == 5000);
        CHECK_THROWS_AS(
            [&] {
                for (const auto& item : session.query<models::profile>().yield_per(100))
                    if (item->id == 250) throw std::runtime_error("stop");
            }(),
            std::runtime_error);
        CHECK(session.query<models::profile>().count() == 5000);
        // A change made while streaming is flushed, not forgotten with its batch.
        for (const auto& item : session.query<models::profile>().order_by(col<&models::profile::id>).yield_per(100))
            if (item->id == 7) item->name = "changed";
        session.commit();
        CHECK(session.query<models::profile>().filter(col<&models::profile::id> == 7).one()->name == "changed");
    });
}

TEST_CASE("yield_per combines with load_only, and selectinload issues one IN statement per batch") {
    for_each_backend([](strata::engine& engine) {
        seed_profiles(engine, 2500);
        {
            strata::session session{engine};
            std::size_t rows = 0;
            for (const auto& item :
                 session.query<models::profile>()
                     .options(strata::load_only(&models::profile::id, &models::profile::email, &models::profile::name))
                     .yield_per(1000)) {
                CHECK_FALSE(item->bio.is_loaded());
                ++rows;
            }
            CHECK(rows == 2500);
        }
        library::seed(engine, 250, 4);
        strata::session session{engine};
        strata::statement_counter counter{engine};
        std::size_t books = 0;
        for (const auto& item : session.query<library::author>()
                                    .order_by(col<&library::author::id>)
                                    .options(strata::selectinload(&library::author::books))
                                    .yield_per(100))
            books += item->books.size();
        CHECK(books == 1000);
        CHECK(counter.count() == 1 + 3);  // the stream, then one IN per batch of 100 authors
    });
}

TEST_CASE("a streamed object another object's loaded collection holds stays the session's one object for its row") {
    for_each_backend([](strata::engine& engine) {
        library::seed(engine, 2, 2);  // 4 books, each tagged twice
        strata::session session{engine};
        // The tags' books, and those books' tags: the books stay in the session and hold tags.
        std::size_t streamed = 0;
        for (const auto& item :
             session.query<library::tag>()
                 .order_by(col<&library::tag::id>)
                 .options(strata::selectinload(&library::tag::books).selectinload(&library::book::tags))
                 .yield_per(1))
            streamed += item->books.size();
        REQUIRE(streamed == 8);
        std::size_t held = 0;
        for (std::int64_t id = 1; id <= 4; ++id)
            for (const auto& other : session.get<library::book>(id)->tags) {
                // The tag a book holds is the session's object for its row, still attached.
                CHECK(other.status() == strata::object_status::persistent);
                CHECK(session.get<library::tag>(other->id).state() == other.state());
                ++held;
            }
        CHECK(held == 8);
        // A change through a book's collection reaches the row.
        const auto first = session.get<library::book>(1);
        first->tags[0]->label = "renamed";
        const auto renamed_id = first->tags[0]->id;
        session.commit();
        strata::session check{engine};
        CHECK(check.get<library::tag>(renamed_id)->label == "renamed");
    });
}

TEST_CASE("Core selects stream row by row, through a cursor in a transaction or single-row mode outside one") {
    for_each_backend([](strata::engine& engine) {
        seed_profiles(engine, 20'000);
        auto connection = engine.connect();
        const auto query = strata::select(col<&models::profile::id>).order_by(col<&models::profile::id>);
        std::int64_t sum = 0;
        for (const auto& [id] : connection.stream(query, 500)) sum += id;
        CHECK(sum == 20'000LL * 20'001 / 2);
        int seen = 0;
        for (const auto& [id] : connection.stream(query, 500)) {
            (void)id;
            if (++seen == 10) break;  // leaves 19,990 rows unread
        }
        CHECK(connection.execute("SELECT count(*) FROM profiles").scalar<int>() == 20'000);
        connection.begin();
        sum = 0;
        for (const auto& [id] : connection.stream(query, 500)) sum += id;
        CHECK(sum == 20'000LL * 20'001 / 2);
        seen = 0;
        for (const auto& [id] : connection.stream(query, 500)) {
            (void)id;
            if (++seen == 10) break;
        }
        CHECK(connection.execute("SELECT count(*) FROM profiles").scalar<int>() == 20'000);
        connection.commit();
    });
}

TEST_CASE("a yield_per loop body runs queries and nested streams while the next batch is on its way") {
    for_each_backend([](strata::engine& engine) {
        seed_profiles(engine, 3000);
        strata::session session{engine};
        std::int64_t sum = 0;
        std::int64_t inner_sum = 0;
        std::size_t looked_up = 0;
        std::size_t fetch_in_flight = 0;
        for (const auto& item : session.query<models::profile>().order_by(col<&models::profile::id>).yield_per(500)) {
            sum += item->id;
            if (auto* postgresql = dynamic_cast<strata::driver::postgresql_connection*>(&session.connection().native()))
                if (item->id % 500 == 1)  // each batch's first row: the next FETCH was sent before it
                    fetch_in_flight += PQtransactionStatus(postgresql->native_handle()) == PQTRANS_ACTIVE;
            // On PostgreSQL the next FETCH is in flight here: each statement below must receive it first.
            if (item->id % 500 == 250) {
                const auto other = 3001 - item->id;
                looked_up +=
                    session.query<models::profile>().filter(col<&models::profile::id> == other).one()->id == other;
            }
            if (item->id == 1000)  // a second cursor interleaved with the first
                for (const auto& inner : session.query<models::profile>()
                                             .filter(col<&models::profile::id> <= 1200)
                                             .order_by(col<&models::profile::id>)
                                             .yield_per(100))
                    inner_sum += inner->id;
        }
        CHECK(sum == 3000LL * 3001 / 2);
        CHECK(looked_up == 6);
        CHECK(fetch_in_flight == (engine.sql_dialect() == strata::dialect::postgresql ? 6 : 0));
        CHECK(inner_sum == 1200LL * 1201 / 2);
        CHECK(session.query<models::profile>().count() == 3000);
    });
}

TEST_CASE("a batch that fails on the server raises its own typed error, and the connection stays usable") {
    for_each_backend([](strata::engine& engine) {
        seed_profiles(engine, 3000);
        auto connection = engine.connect();
        const bool postgresql = connection.sql_dialect() == strata::dialect::postgresql;
        // MariaDB streams the rows as the server produces them: the error arrives after row 1499.
        const bool mariadb = connection.sql_dialect() == strata::dialect::mariadb;
        // abs() of the smallest 64-bit integer overflows on both databases, here at row 1500.
        const std::string failing =
            "SELECT abs(CASE WHEN id = 1500 THEN -9223372036854775807 - 1 ELSE id END) FROM profiles ORDER BY id";
        auto expect_overflow = [&](auto&& run) {
            if (postgresql || mariadb)
                CHECK_THROWS_AS(run(), strata::data_error);  // 22003, not 25P02 "transaction is aborted"
            else
                CHECK_THROWS_AS(run(), strata::programming_error);
        };
        connection.begin();
        std::int64_t rows = 0;
        expect_overflow([&] {
            auto result = connection.execute_streaming(failing, {}, 1000);
            while (result.next()) ++rows;
        });
        CHECK(rows >= 1000);
        CHECK(rows < 1500);
        connection.rollback();
        CHECK(connection.execute("SELECT count(*) FROM profiles").scalar<int>() == 3000);

        // A statement run in the loop body while the failing batch is in flight reports that
        // batch's error on PostgreSQL (the prefetched FETCH aborted the transaction).
        connection.begin();
        rows = 0;
        expect_overflow([&] {
            auto result = connection.execute_streaming(failing, {}, 1000);
            while (result.next())
                if (++rows == 1000 || rows == 1499) (void)connection.execute("SELECT 1").scalar<int>();
        });
        // On MariaDB the statement in the loop has the stream's remaining rows stored first, and
        // storing them meets the error: it is raised there, at row 1000, as on PostgreSQL.
        CHECK(rows == (postgresql || mariadb ? 1000 : 1499));
        connection.rollback();
        CHECK(connection.execute("SELECT count(*) FROM profiles").scalar<int>() == 3000);
    });
}
