// Behind a real pgbouncer in transaction pooling mode (started by scripts/test.sh in front of the
// test server, 4 server connections for every client): the session's statements from 16 threads
// at once with the options README recommends, every value checked; and what a user sees without
// those options.
#include <catch2/catch.hpp>

#include <algorithm>
#include <atomic>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "support/backends.hpp"
#include "support/library.hpp"

using namespace library;
using strata::col;

namespace {

/// The options README's pgbouncer section recommends.
strata::engine_options bouncer_options() {
    return {.pooled = false, .server_side_prepare = false, .startup_options = false};
}

/// Failures seen by worker threads (Catch2's assertions are for the main thread).
class failures {
public:
    void expect(bool holds, const std::string& what) {
        if (holds) return;
        std::lock_guard lock{guard_};
        seen_.push_back(what);
    }
    void fail(const std::string& what) { expect(false, what); }
    [[nodiscard]] std::vector<std::string> seen() const {
        std::lock_guard lock{guard_};
        return seen_;
    }

private:
    mutable std::mutex guard_;
    std::vector<std::string> seen_;
};

/// One round of a worker: every statement-level path of the session on rows of its own.
void round_trip_everything(strata::engine& engine, const std::string& prefix, failures& seen,
                           std::atomic<long>& statements) {
    const std::string name = prefix + " author";
    std::int64_t author_id = 0;
    {  // CRUD: INSERT ... RETURNING, then children pointing at the new key
        strata::session session{engine};
        auto added = session.add(author{0, name, {}});
        session.flush();
        author_id = added->id;
        for (int i = 0; i < 3; ++i)
            session.add(book{0, prefix + " book " + std::to_string(i), author_id, std::nullopt, {}, {}, {}, {}});
        session.commit();
        statements += 5;
    }
    {  // every loader
        strata::session session{engine};
        const auto lazy = session.query<author>().filter(col<&author::id> == author_id).one();
        seen.expect(lazy->name == name, prefix + ": the author's name");
        std::vector<std::string> titles;
        for (const auto& written : lazy->books) titles.push_back(written->title);
        std::sort(titles.begin(), titles.end());
        seen.expect(titles == std::vector<std::string>{prefix + " book 0", prefix + " book 1", prefix + " book 2"},
                    prefix + ": lazy books");
        session.clear();
        const auto joined = session.query<author>()
                                .options(strata::joinedload(&author::books))
                                .filter(col<&author::id> == author_id)
                                .one();
        seen.expect(joined->books.size() == 3, prefix + ": joinedload");
        session.clear();
        const auto selected = session.query<author>()
                                  .options(strata::selectinload(&author::books))
                                  .filter(col<&author::id> == author_id)
                                  .one();
        seen.expect(selected->books.size() == 3, prefix + ": selectinload");
        session.clear();
        const auto eager = session.query<book>()
                               .join(&book::writer)
                               .filter(col<&author::name> == name)
                               .options(strata::contains_eager(&book::writer))
                               .all();
        seen.expect(eager.size() == 3 && eager[0]->writer->name == name, prefix + ": contains_eager");
        seen.expect(session.query<book>().filter(col<&book::title> == prefix + " book 1").exists(),
                    prefix + ": exists");
        seen.expect(!session.query<book>().filter(col<&book::title> == prefix + " book 9").exists(),
                    prefix + ": not exists");
        statements += 8;
    }
    {  // FOR UPDATE, then a change committed under the lock
        strata::session session{engine};
        auto locked = session.query<author>().with_for_update().filter(col<&author::id> == author_id).one();
        locked->name = name + " (locked)";
        session.commit();
        strata::session check{engine};
        seen.expect(check.get<author>(author_id)->name == name + " (locked)", prefix + ": FOR UPDATE change");
        statements += 5;
    }
    {  // keyset pages, bulk insert (COPY), yield_per (a cursor inside the transaction)
        strata::session session{engine};
        strata::keyset<&book::title, &book::id> cursor;
        std::vector<std::string> paged;
        for (int page = 0; page < 3; ++page)
            for (const auto& item : session.query<book>().filter(col<&book::author_id> == author_id).page(cursor, 2))
                paged.push_back(item->title);
        seen.expect(paged == std::vector<std::string>{prefix + " book 0", prefix + " book 1", prefix + " book 2"},
                    prefix + ": keyset pages");
        std::vector<book> more;
        for (int i = 0; i < 40; ++i)
            more.push_back(book{0, prefix + " bulk " + std::to_string(i), author_id, std::nullopt, {}, {}, {}, {}});
        session.bulk_insert<book>(more);
        session.commit();
        std::size_t streamed = 0;
        std::size_t bulk = 0;
        for (const auto& item : session.query<book>().filter(col<&book::author_id> == author_id).yield_per(7)) {
            ++streamed;
            if (item->title.starts_with(prefix + " bulk ")) ++bulk;
        }
        session.commit();
        seen.expect(streamed == 43 && bulk == 40, prefix + ": yield_per read " + std::to_string(streamed));
        seen.expect(session.query<book>().filter(col<&book::author_id> == author_id).count() == 43,
                    prefix + ": count after bulk insert");
        statements += 14;
    }
}

}  // namespace

TEST_CASE("behind pgbouncer in transaction pooling, 16 threads run every session path with README's options") {
    const auto url = strata::testing::pgbouncer_url();
    auto engine = strata::create_engine(url, bouncer_options());
    strata::testing::fresh_tables<book_tag, tag, review, book, author, publisher>(engine);
    failures seen;
    std::atomic<long> statements{0};
    std::atomic<int> errors{0};
    constexpr int threads = 16;
    constexpr int rounds = 10;
    std::vector<std::thread> workers;
    for (int thread = 0; thread < threads; ++thread)
        workers.emplace_back([&, thread] {
            for (int round = 0; round < rounds; ++round) {
                try {
                    round_trip_everything(engine, "t" + std::to_string(thread) + "r" + std::to_string(round), seen,
                                          statements);
                } catch (const std::exception& failure) {
                    ++errors;
                    seen.fail(std::string{"t"} + std::to_string(thread) + ": " + failure.what());
                }
            }
        });
    for (auto& worker : workers) worker.join();
    for (const auto& what : seen.seen()) UNSCOPED_INFO(what);
    CHECK(errors == 0);
    CHECK(seen.seen().empty());
    // Every row of every thread is there once: nothing lost, nothing doubled.
    auto connection = engine.connect();
    CHECK(connection.scalar(strata::select(strata::count()).from<author>()) == threads * rounds);
    CHECK(connection.scalar(strata::select(strata::count()).from<book>()) == threads * rounds * 43);
    WARN("pgbouncer run: " << threads << " threads, " << threads * rounds << " rounds, about " << statements.load()
                           << " statements, " << errors.load() << " errors");
}

TEST_CASE(
    "behind pgbouncer, libpq's startup options and named prepared statements fail with a hint naming the option") {
    const auto url = strata::testing::pgbouncer_url();
    // The startup options (TimeZone=UTC) are refused at connect; the message says what to set.
    try {
        auto engine = strata::create_engine(url, {.pooled = false});
        (void)engine.connect();
        FAIL("pgbouncer accepted libpq's startup options");
    } catch (const strata::operational_error& refused) {
        CHECK(std::string{refused.what()}.find("startup_options = false") != std::string::npos);
    }
    // Named prepared statements: 16 clients over 4 server connections run their transactions on
    // each other's connections, where a statement is missing (or was prepared by someone else).
    auto engine = strata::create_engine(url, {.pool_size = 16, .startup_options = false});
    std::atomic<int> refused{0};
    std::atomic<int> other_errors{0};
    std::atomic<int> wrong{0};
    std::vector<std::thread> workers;
    for (int thread = 0; thread < 16; ++thread)
        workers.emplace_back([&, thread] {
            for (int round = 0; round < 40; ++round) {
                try {
                    auto connection = engine.connect();
                    strata::transaction transaction{connection};
                    // Each thread its own statement text, so a statement run on the wrong server
                    // connection would answer with another thread's number.
                    const auto sql = "SELECT " + std::to_string(thread) + " + $1::BIGINT";
                    if (connection.execute(sql, std::int64_t{round}).scalar<std::int64_t>() != thread + round) ++wrong;
                    transaction.commit();
                } catch (const strata::programming_error& failure) {
                    if (std::string{failure.what()}.find("server_side_prepare = false") != std::string::npos)
                        ++refused;
                    else
                        ++other_errors;
                } catch (const std::exception&) {
                    ++other_errors;
                }
            }
        });
    for (auto& worker : workers) worker.join();
    CHECK(wrong == 0);  // statement names are unique per connection: never another client's statement
    CHECK(refused > 0);
    CHECK(other_errors == 0);
    WARN("named prepared statements behind pgbouncer: " << refused.load()
                                                        << " of 640 transactions refused with the hint");
}
