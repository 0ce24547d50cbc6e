// Writes in few round trips: Core statements pipelined with the COMMIT, a session's INSERTs held
// for the flush's round trip, and what a failure in either leaves behind (nothing).
#include <algorithm>
#include <catch2/catch.hpp>
#include <cstdint>
#include <string>
#include <tuple>
#include <vector>

#include "strata/orm.hpp"
#include "support/backends.hpp"
#include "support/library.hpp"
#include "support/models.hpp"
#include "support/tree.hpp"

using strata::col;
using strata::testing::expected_round_trips;
using strata::testing::for_each_backend;
using strata::testing::fresh_tables;

namespace {
/// Round trips the connection's driver has waited on the server for so far.
std::uint64_t round_trips(const strata::connection& connection) { return connection.native().statistics().round_trips; }
/// Whether held statements wait for a pipeline (PostgreSQL) instead of running at once.
bool pipelines(const strata::engine& engine) { return engine.sql_dialect() == strata::dialect::postgresql; }

/// Fresh users, orders and accounts tables, the accounts holding `rows` ("(1, 100), (2, 0)": id, balance).
void fresh_accounts(strata::engine& engine, const std::string& rows) {
    fresh_tables<models::order, models::user, models::account>(engine);
    engine.connect().execute("INSERT INTO accounts (id, balance) VALUES " + rows);
}

/// TPC-B's five statements on accounts 1 and 2 and a new user, pipelined in one transaction.
struct pipelined_transfer {
    strata::pending<std::int64_t> debited;
    strata::pending<std::vector<std::tuple<std::int64_t>>> balance;
    strata::pending<std::int64_t> credited;
    strata::pending<std::int64_t> inserted;
};
pipelined_transfer transfer(strata::connection& connection, std::int64_t amount, const std::string& email) {
    using models::account;
    using models::user;
    pipelined_transfer sent{
        connection.execute_pipelined(strata::update<account>()
                                         .set(col<&account::balance>, col<&account::balance> - amount)
                                         .where(col<&account::id> == 1)),
        connection.execute_pipelined(strata::select(col<&account::balance>).where(col<&account::id> == 1)),
        connection.execute_pipelined(strata::update<account>()
                                         .set(col<&account::balance>, col<&account::balance> + amount)
                                         .where(col<&account::id> == 2)),
        connection.execute_pipelined(strata::insert<user>()
                                         .value(col<&user::email>, email)
                                         .value(col<&user::name>, std::string{"payee"})
                                         .value(col<&user::score>, 0.0)),
    };
    return sent;
}
}  // namespace

TEST_CASE("a pipelined Core transaction reaches PostgreSQL in one round trip, its COMMIT included") {
    for_each_backend([](strata::engine& engine) {
        fresh_tables<models::order, models::user, models::account>(engine);
        auto connection = engine.connect();
        connection.execute("INSERT INTO accounts (id, balance) VALUES (1, 100), (2, 0)");
        for (int round = 0; round < 2; ++round) {  // the first round prepares the statements
            strata::statement_counter counter{engine};
            const auto before = round_trips(connection);
            strata::transaction transaction{connection};
            auto sent = transfer(connection, 10, "payee" + std::to_string(round) + "@example.com");
            CHECK(counter.count() == 4);  // each statement's events fire when it is pipelined
            // PostgreSQL holds them (nothing answered yet); SQLite has run them already.
            CHECK(sent.balance.ready() == !pipelines(engine));
            transaction.commit();
            REQUIRE(sent.balance.ready());
            CHECK(sent.debited.get() == 1);
            CHECK(std::get<0>(sent.balance.get().at(0)) == 90 - 10 * round);
            CHECK(sent.credited.get() == 1);
            CHECK(sent.inserted.get() == 1);
            if (round == 1)
                CHECK(round_trips(connection) - before ==
                      expected_round_trips(engine, {.postgresql = 1, .mariadb = 6}));
            CHECK_FALSE(connection.in_transaction());
        }
        CHECK(connection.execute("SELECT balance FROM accounts WHERE id = 2").scalar<std::int64_t>() == 20);
        CHECK(connection.execute("SELECT count(*) FROM users").scalar<std::int64_t>() == 2);
    });
}

TEST_CASE("a pipelined statement that fails rolls the whole transaction back, and the ones after it have no answer") {
    for_each_backend([](strata::engine& engine) {
        fresh_tables<models::order, models::user, models::account>(engine);
        auto connection = engine.connect();
        connection.execute("INSERT INTO accounts (id, balance) VALUES (1, 100), (2, 0)");
        connection.execute("INSERT INTO users (email, name, score) VALUES ('taken@example.com', 'x', 0)");
        for (int round = 0; round < 2; ++round) {  // new statements (sent one by one), then prepared ones
            strata::transaction transaction{connection};
            std::optional<pipelined_transfer> sent;
            strata::pending<std::int64_t> after;
            try {
                sent.emplace(transfer(connection, 10, "taken@example.com"));  // the INSERT clashes
                after = connection.execute_pipelined(strata::update<models::account>()
                                                         .set(col<&models::account::balance>, 0)
                                                         .where(col<&models::account::id> == 2));
                transaction.commit();
                FAIL("the INSERT should have failed");
            } catch (const strata::unique_violation& error) {
                CHECK(error.sql().find("INSERT INTO users") == 0);  // names the statement that failed
                REQUIRE(error.parameters().size() == 3);            // with its own values
                CHECK(error.parameters()[0] == "'taken@example.com'");
            }
            if (sent) CHECK(sent->inserted.ready() == false);
            if (pipelines(engine)) CHECK_THROWS_AS(after.get(), strata::usage_error);  // never ran
            connection.rollback();
            CHECK(connection.execute("SELECT balance FROM accounts WHERE id = 1").scalar<std::int64_t>() == 100);
            CHECK(connection.execute("SELECT balance FROM accounts WHERE id = 2").scalar<std::int64_t>() == 0);
            CHECK(connection.execute("SELECT count(*) FROM users").scalar<std::int64_t>() == 1);
        }
    });
}

TEST_CASE("a statement pipelined outside a transaction runs at once, so none is dropped with the connection") {
    for_each_backend([](strata::engine& engine) {
        fresh_tables<models::order, models::user, models::account>(engine);
        {
            auto connection = engine.connect();
            auto inserted = connection.execute_pipelined(strata::insert<models::account>()
                                                             .value(col<&models::account::id>, 1)
                                                             .value(col<&models::account::balance>, 5));
            CHECK(inserted.ready());
            CHECK(inserted.get() == 1);
        }  // back to the pool: a statement still held here would be gone
        auto check = engine.connect();
        CHECK(check.execute("SELECT count(*) FROM accounts").scalar<std::int64_t>() == 1);
    });
}

TEST_CASE("a session's add and commit take one round trip on PostgreSQL: BEGIN, the INSERTs and COMMIT together") {
    for_each_backend([](strata::engine& engine) {
        fresh_tables<models::order, models::user>(engine);
        for (int round = 0; round < 2; ++round) {
            strata::session session{engine};
            auto ada = session.add(models::user{0, "ada" + std::to_string(round) + "@example.com", "ada", 36, 1.0});
            auto bob = session.add(models::user{0, "bob" + std::to_string(round) + "@example.com", "bob", {}, 2.0});
            const auto& driver = session.connection().native();  // checked out now: BEGIN is held
            const auto before = driver.statistics().round_trips;
            strata::statement_counter counter{engine};
            session.commit();
            CHECK(counter.count() == 2);
            if (round == 1)
                CHECK(driver.statistics().round_trips - before ==
                      expected_round_trips(engine, {.postgresql = 1, .mariadb = 4}));
            // The generated keys were read back from the pipeline's answers.
            CHECK(ada->id == 1 + 2 * round);
            CHECK(bob->id == 2 + 2 * round);
            CHECK(ada.status() == strata::object_status::persistent);
            ada->score = 5;  // a change after the commit is an UPDATE of the right row
            session.commit();
        }
        strata::session check{engine};
        CHECK(check.query<models::user>().filter(col<&models::user::score> == 5.0).count() == 2);
        CHECK(check.query<models::user>().count() == 4);
    });
}

TEST_CASE("statements new to a connection are prepared once each, then pipelined: 50 INSERTs in 4 round trips") {
    for_each_backend([](strata::engine& engine) {
        fresh_tables<models::order, models::user>(engine);
        strata::session session{engine};
        for (int i = 0; i < 50; ++i)
            session.add(models::user{0, "new" + std::to_string(i) + "@example.com", "new", {}, 0});
        const auto& driver = session.connection().native();
        const auto before = driver.statistics();
        session.commit();
        // BEGIN alone (the PREPARE runs inside its transaction), the INSERT's PREPARE and its
        // describe, the COMMIT's PREPARE (once per connection), then the 50 INSERTs and COMMIT in
        // one pipeline (51 round trips before).
        CHECK(driver.statistics().round_trips - before.round_trips ==
              expected_round_trips(engine, {.postgresql = 5, .mariadb = 53}));
        CHECK(driver.statistics().statements_prepared - before.statements_prepared ==
              (engine.sql_dialect() == strata::dialect::postgresql ? 2U : 1U));
        strata::session check{engine};
        CHECK(check.query<models::user>().count() == 50);
    });
}

TEST_CASE("a flush of UPDATEs and a new row commits in one round trip: the server checks the UPDATEs' row counts") {
    for_each_backend([](strata::engine& engine) {
        fresh_accounts(engine, "(1, 100), (2, 0)");
        for (int round = 0; round < 2; ++round) {
            strata::session session{engine};
            auto from = session.get<models::account>(1);
            auto to = session.get<models::account>(2);
            const auto& driver = session.connection().native();
            const auto before = driver.statistics().round_trips;
            from->balance -= 10;
            to->balance += 10;
            session.add(models::user{0, "note" + std::to_string(round) + "@example.com", "note", {}, 0});
            strata::statement_counter counter{engine};
            session.commit();
            // The COMMIT rides with the UPDATEs: each asks the server to check that it matched its row.
            if (round == 1)
                CHECK(driver.statistics().round_trips - before ==
                      expected_round_trips(engine, {.postgresql = 1, .mariadb = 4}));
            // What the statement events report is each UPDATE as written, on every backend.
            const auto statements = counter.statements();
            CHECK(std::count_if(statements.begin(), statements.end(), [](const std::string& sql) {
                      return sql.rfind("UPDATE ", 0) == 0 && sql.find("WITH") == std::string::npos;
                  }) == 2);
        }
        strata::session check{engine};
        CHECK(check.get<models::account>(1)->balance == 80);
        CHECK(check.get<models::account>(2)->balance == 20);
        CHECK(check.query<models::user>().count() == 2);
    });
}

TEST_CASE("new parents and children flush in one round trip per level, not per row") {
    for_each_backend([](strata::engine& engine) {
        using namespace library;
        fresh_tables<review, book_tag, tag, book, publisher, author>(engine);
        for (int round = 0; round < 2; ++round) {
            strata::session session{engine};
            std::vector<strata::ref<book>> novels;
            for (int writer_index = 0; writer_index < 3; ++writer_index) {
                author new_author;
                new_author.name = "writer" + std::to_string(round) + std::to_string(writer_index);
                auto writer = session.add(std::move(new_author));
                for (int book_index = 0; book_index < 2; ++book_index) {
                    book new_book;
                    new_book.title = "novel";
                    auto novel = session.add(std::move(new_book));
                    novel->writer = writer;
                    novel->reviews.add(session.add(review{0, 0, 4}));
                    novel->reviews.add(session.add(review{0, 0, 5}));
                    novels.push_back(novel);
                }
            }
            const auto& driver = session.connection().native();
            const auto before = driver.statistics().round_trips;
            strata::statement_counter counter{engine};
            session.commit();
            CHECK(counter.count() == 3 + 6 + 12);
            // The authors, then the books (which need their keys), then the reviews (which need
            // the books'), then the COMMIT: 21 INSERTs in 4 round trips, whatever the row counts.
            if (round == 1)
                CHECK(driver.statistics().round_trips - before ==
                      expected_round_trips(engine, {.postgresql = 4, .mariadb = 22}));
            for (const auto& novel : novels) {
                CHECK(novel->id != 0);
                CHECK(novel->author_id == novel->writer->id);
                for (const auto& each : novel->reviews) CHECK(each->book_id == novel->id);
            }
        }
        strata::session check{engine};
        CHECK(check.query<review>().count() == 24);
        CHECK(check.query<review>().filter(col<&review::book_id> == 2).count() == 2);
        CHECK(check.query<book>().filter(col<&book::author_id> == 3).count() == 2);
    });
}

TEST_CASE("a many-to-many change writes its association rows in the flush's round trip") {
    for_each_backend([](strata::engine& engine) {
        using namespace library;
        fresh_tables<review, book_tag, tag, book, publisher, author>(engine);
        {
            strata::session setup{engine};
            author writer_row;
            writer_row.name = "writer";
            auto writer = setup.add(std::move(writer_row));
            book novel_row;
            novel_row.title = "novel";
            auto novel = setup.add(std::move(novel_row));
            novel->writer = writer;
            for (const char* label : {"a", "b", "c", "d"}) {
                tag made;
                made.label = label;
                setup.add(std::move(made));
            }
            setup.commit();
        }
        strata::session session{engine};
        auto novel = session.get<book>(1);
        auto labels = session.query<tag>().order_by(col<&tag::id>).all();
        (void)novel->tags.size();  // loaded now, so the flushes below only write
        novel->tags.add(labels[0]);
        session.flush();  // prepares the association's INSERT on this connection
        const auto& driver = session.connection().native();
        const auto before = driver.statistics().round_trips;
        strata::statement_counter counter{engine};
        for (std::size_t i = 1; i < labels.size(); ++i) novel->tags.add(labels[i]);
        session.flush();
        CHECK(counter.count() == 3);  // one association row per tag
        CHECK(driver.statistics().round_trips - before ==
              expected_round_trips(engine, {.postgresql = 1, .mariadb = 3}));
        novel->tags.remove(labels[1]);
        novel->tags.remove(labels[2]);
        session.commit();
        strata::session check{engine};
        std::vector<std::int64_t> linked;
        for (const auto& label : check.get<book>(1)->tags) linked.push_back(label->id);
        std::sort(linked.begin(), linked.end());
        CHECK(linked == std::vector<std::int64_t>{1, 4});
    });
}

TEST_CASE("a commit whose held INSERT fails leaves none of the flush's rows, and the session says so until rollback") {
    for_each_backend([](strata::engine& engine) {
        fresh_tables<models::order, models::user>(engine);
        {
            strata::session setup{engine};
            setup.add(models::user{0, "taken@example.com", "first", {}, 0});
            setup.commit();
        }
        strata::session session{engine};
        auto fine = session.add(models::user{0, "fine@example.com", "fine", {}, 0});
        auto clash = session.add(models::user{0, "taken@example.com", "clash", {}, 0});
        CHECK_THROWS_AS(session.commit(), strata::unique_violation);
        CHECK(session.needs_rollback());
        CHECK(fine.status() == strata::object_status::pending);
        CHECK(fine->id == 0);  // no key from a transaction that did not commit
        CHECK(engine.pool_status().checked_out == 0);
        {
            strata::session other{engine};
            CHECK(other.query<models::user>().count() == 1);
        }
        CHECK_THROWS_AS(session.commit(), strata::pending_rollback_error);
        session.rollback();
        CHECK(clash.status() == strata::object_status::detached);
    });
}

TEST_CASE("three rows read with_for_update().pipelined() reach PostgreSQL with the BEGIN in one round trip") {
    for_each_backend([](strata::engine& engine) {
        using models::account;
        fresh_accounts(engine, "(1, 100), (2, 200), (3, 300)");
        for (int round = 0; round < 2; ++round) {  // the first round prepares the statements
            strata::session session{engine};
            const auto& driver = session.connection().native();  // checked out now: BEGIN is held
            const auto before = driver.statistics().round_trips;
            strata::statement_counter counter{engine};
            const auto locked = [&](std::int64_t id) {
                return session.query<account>().with_for_update().filter(col<&account::id> == id).pipelined();
            };
            auto first = locked(1);
            auto second = locked(2);
            auto third = locked(3);
            CHECK(counter.count() == 3);  // each statement's events fire when it is pipelined
            // PostgreSQL holds them (nothing answered yet); SQLite and MariaDB have run them already.
            CHECK(first.ready() == !pipelines(engine));
            CHECK(third.ready() == !pipelines(engine));
            auto one = first.one();  // sends all three
            CHECK(third.ready());
            auto two = second.one();
            auto three = third.one();
            CHECK(one->balance == 100 + 10 * round);
            CHECK(two->balance == 200);
            CHECK(three->balance == 300 - 10 * round);
            if (round == 1)
                CHECK(driver.statistics().round_trips - before ==
                      expected_round_trips(engine, {.postgresql = 1, .mariadb = 4}));  // MariaDB: START TRANSACTION too
            const bool locks = engine.sql_dialect() != strata::dialect::sqlite;        // SQLite locks the whole file
            for (const auto& sql : counter.statements()) CHECK((sql.find(" FOR UPDATE") != std::string::npos) == locks);
            // In the identity map like any query's objects: get() finds them without a statement.
            CHECK(session.get<account>(2).get() == two.get());
            CHECK(first.one().get() == one.get());  // asking again loads nothing again
            CHECK(counter.count() == 3);
            one->balance += 10;
            three->balance -= 10;
            session.commit();
        }
        strata::session check{engine};
        CHECK(check.get<account>(1)->balance == 120);
        CHECK(check.get<account>(2)->balance == 200);
        CHECK(check.get<account>(3)->balance == 280);
    });
}

TEST_CASE("a pipelined query's selectinload runs when its objects are asked for, and one() counts its rows") {
    for_each_backend([](strata::engine& engine) {
        library::seed(engine, 3, 2);
        strata::session session{engine};
        strata::statement_counter counter{engine};
        auto authors =
            session.query<library::author>().options(strata::selectinload(&library::author::books)).pipelined();
        // PostgreSQL holds the authors' SELECT; SQLite and MariaDB loaded them, and their books, at once.
        CHECK(counter.count() == (pipelines(engine) ? 1 : 2));
        const auto loaded = authors.all();
        REQUIRE(loaded.size() == 3);
        CHECK(counter.count() == 2);  // on PostgreSQL the books' SELECT ... IN ran in all()
        CHECK(counter.statements().back().find("books") != std::string::npos);
        auto missing = session.query<library::author>().filter(col<&library::author::id> == 99).pipelined();
        auto several = session.query<library::book>().pipelined();
        counter.reset();
        for (const auto& item : loaded) CHECK(item->books.size() == 2);
        CHECK(counter.count() == 0);
        CHECK_FALSE(missing.one_or_none());
        CHECK_THROWS_AS(missing.one(), strata::no_result_found);
        CHECK_THROWS_AS(several.one(), strata::multiple_results_found);
        CHECK(several.all().size() == 6);
    });
}

TEST_CASE("a pipelined query after a statement that fails throws that error, then says it never ran") {
    for_each_backend([](strata::engine& engine) {
        using models::account;
        fresh_accounts(engine, "(1, 100)");
        strata::session session{engine};
        auto& connection = session.connection();
        const auto clash = [&] {
            return connection.execute_pipelined(
                strata::insert<account>().value(col<&account::id>, 1).value(col<&account::balance>, 5));
        };
        if (!pipelines(engine)) {  // run at once: the INSERT fails where it is made
            CHECK_THROWS_AS(clash(), strata::unique_violation);
            return;
        }
        (void)clash();
        auto after = session.query<account>().pipelined();
        CHECK_THROWS_AS(after.all(), strata::unique_violation);  // sent by all(): the INSERT's error
        CHECK_FALSE(after.ready());
        CHECK_THROWS_AS(after.all(), strata::usage_error);  // skipped by the server: no answer
        session.rollback();
        CHECK(session.query<account>().count() == 1);
    });
}

TEST_CASE("a pipelined query whose transaction is rolled back before it is sent never runs") {
    for_each_backend([](strata::engine& engine) {
        using models::account;
        fresh_tables<models::order, models::user, models::account>(engine);
        strata::session session{engine};
        (void)session.connection();
        auto dropped = session.query<account>().pipelined();
        session.rollback();
        if (pipelines(engine))
            CHECK_THROWS_AS(dropped.all(), strata::usage_error);
        else
            CHECK(dropped.all().empty());  // SQLite and MariaDB ran it at once
    });
}

TEST_CASE("a commit whose UPDATE or DELETE matches no row commits nothing of its flush and names the object") {
    for_each_backend([](strata::engine& engine) {
        using models::account;
        fresh_tables<models::order, models::user, models::account>(engine);
        for (const bool deleting : {false, true}) {
            {
                auto setup = engine.connect();
                setup.execute("DELETE FROM accounts");
                setup.execute("DELETE FROM users");
                setup.execute("INSERT INTO accounts (id, balance) VALUES (1, 100), (2, 200), (3, 300)");
            }
            strata::session session{engine};
            auto accounts = session.query<account>().order_by(col<&account::id>).all();
            session.commit();  // ends the transaction, so another connection can delete
            engine.connect().execute("DELETE FROM accounts WHERE id = 2");
            accounts[0]->balance = 1;
            if (deleting)
                session.remove(accounts[1]);  // its row was deleted behind the session's back
            else
                accounts[1]->balance = 2;
            accounts[2]->balance = 3;
            session.add(models::user{0, "new@example.com", "new", {}, 0});
            try {
                session.commit();  // PostgreSQL: the COMMIT rides with the flush, checked by the server
                FAIL("the commit should have failed");
            } catch (const strata::stale_data_error& error) {
                CHECK(std::string{error.what()} ==
                      std::string{deleting ? "DELETE" : "UPDATE"} +
                          " of accounts (id = 2) matched no row: it was deleted, or its key changed, outside this "
                          "session");
            }
            CHECK(session.needs_rollback());
            session.rollback();
            auto check = engine.connect();
            CHECK(check.execute("SELECT sum(balance) FROM accounts").scalar<std::int64_t>() == 400);
            CHECK(check.execute("SELECT count(*) FROM users").scalar<std::int64_t>() == 0);
        }
    });
}

TEST_CASE("a commit deleting rows of a cycle together fails whole when one of them is gone") {
    for_each_backend([](strata::engine& engine) {
        using tree::category;
        fresh_tables<category>(engine);
        engine.connect().execute(
            "INSERT INTO categories (id, name, parent_id) VALUES (1, 'root', NULL), (2, 'a', 1), (3, 'b', 1), (4, "
            "'other', NULL)");
        strata::session session{engine};
        auto all = session.query<category>().order_by(col<&category::id>).all();
        session.commit();
        engine.connect().execute("DELETE FROM categories WHERE id = 3");
        session.remove(all[1]);  // two rows of one self-referential table: one DELETE ... IN for both
        session.remove(all[2]);
        all[3]->name = "renamed";
        try {
            session.commit();
            FAIL("the commit should have failed");
        } catch (const strata::stale_data_error& error) {
            // MariaDB first clears the rows' references to each other, and that UPDATE finds the gap.
            const std::string statement = engine.sql_dialect() == strata::dialect::mariadb
                                              ? "UPDATE of 2 rows of categories before their DELETE"
                                              : "DELETE of 2 rows of categories";
            CHECK(std::string{error.what()} ==
                  statement + " matched 1: some were deleted, or their keys changed, outside this session");
        }
        session.rollback();
        auto check = engine.connect();
        CHECK(check.execute("SELECT count(*) FROM categories").scalar<std::int64_t>() == 3);
        CHECK(check.execute("SELECT count(*) FROM categories WHERE name = 'renamed'").scalar<std::int64_t>() == 0);
    });
}
