// The session: identity map, unit of work, query<T>, load_only, exists, refresh/expunge/clear.
#include <algorithm>
#include <array>
#include <catch2/catch.hpp>
#include <cmath>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <thread>
#include <type_traits>
#include <unordered_map>
#include <vector>

#include "strata/orm.hpp"
#include "support/backends.hpp"
#include "support/models.hpp"

using namespace models;
using strata::col;
using strata::testing::for_each_backend;
using strata::testing::fresh_tables;
using strata::testing::placeholder_of;

namespace {
user make_user(const std::string& name) { return user{0, name + "@example.com", name, 30, 1.0}; }
/// Commits `count` users named user0, user1, ... in a session of their own.
void add_users(strata::engine& engine, int count) {
    strata::session setup{engine};
    for (int i = 0; i < count; ++i) setup.add(make_user("user" + std::to_string(i)));
    setup.commit();
}
/// A fresh profiles table holding profile 1 with this bio.
void seed_profile(const strata::engine& engine, std::string bio) {
    fresh_tables<profile>(engine);
    strata::session setup{engine};
    setup.add(profile{1, "a@example.com", "A", std::move(bio)});
    setup.commit();
}
/// Profile 1 loaded without its bio (load_only of the other columns).
strata::ref<profile> load_without_bio(strata::session& session) {
    return session.query<profile>().options(strata::load_only(&profile::id, &profile::email, &profile::name)).one();
}
}  // namespace

TEST_CASE("add then commit INSERTs with RETURNING and fills the generated key") {
    for_each_backend([](strata::engine& engine) {
        fresh_tables<order, user>(engine);
        strata::session session{engine};
        strata::statement_counter counter{engine};
        auto ada = session.add(make_user("ada"));
        auto bob = session.add(make_user("bob"));
        CHECK(ada.status() == strata::object_status::pending);
        CHECK(counter.count() == 0);  // nothing runs before the flush
        session.commit();
        CHECK(counter.count() == 2);
        CHECK(counter.statements()[0] == "INSERT INTO users (email, name, age, score) VALUES (" +
                                             placeholder_of(engine, 1) + ", " + placeholder_of(engine, 2) + ", " +
                                             placeholder_of(engine, 3) + ", " + placeholder_of(engine, 4) +
                                             ") RETURNING id");
        CHECK(ada->id == 1);
        CHECK(bob->id == 2);
        CHECK(ada.status() == strata::object_status::persistent);
    });
}

TEST_CASE("the same row is the same object however it was loaded, and get() needs no SQL for it") {
    for_each_backend([](strata::engine& engine) {
        fresh_tables<order, user>(engine);
        strata::session session{engine};
        auto added = session.add(make_user("ada"));
        session.flush();
        strata::statement_counter counter{engine};
        auto by_get = session.get<user>(added->id);
        CHECK(counter.count() == 0);
        CHECK(by_get.get() == added.get());
        auto by_query = session.query<user>().filter(col<&user::name> == "ada").one();
        CHECK(by_query.get() == added.get());
        CHECK(counter.count() == 1);
        CHECK_FALSE(session.get<user>(std::int64_t{999}));
    });
}

TEST_CASE("merge() copies a detached object's columns onto the session's object for its key, or adds it") {
    for_each_backend([](strata::engine& engine) {
        fresh_tables<order, user>(engine);
        add_users(engine, 2);  // users 1 and 2
        strata::session session{engine};
        strata::statement_counter counter{engine};
        // A row not in the identity map: one SELECT by key, then the copy; only what differs is written.
        user edited{1, "user0@example.com", "Renamed", 30, 1.0};
        auto merged = session.merge(edited);
        CHECK(counter.count() == 1);
        CHECK(counter.statements()[0].find("WHERE users.id = " + placeholder_of(engine, 1)) != std::string::npos);
        CHECK(merged.status() == strata::object_status::persistent);
        CHECK(merged->name == "Renamed");
        CHECK(session.get<user>(std::int64_t{1}).get() == merged.get());  // the identity-mapped object
        edited.name = "Changed after merge";                              // the argument stays untracked
        session.commit();
        REQUIRE(counter.count() == 2);
        CHECK(counter.statements()[1] ==
              "UPDATE users SET name = " + placeholder_of(engine, 1) + " WHERE id = " + placeholder_of(engine, 2));
        // Already in the identity map: no SELECT at all.
        auto second = session.get<user>(std::int64_t{2});
        counter.reset();
        auto again = session.merge(user{2, "user1@example.com", "user1", 31, 1.0});
        CHECK(counter.count() == 0);
        CHECK(again.get() == second.get());
        CHECK(again->age == 31);
        // A generated key left unset, or a key no row has: a new pending object, INSERTed at the flush.
        auto fresh = session.merge(make_user("carol"));
        CHECK(fresh.status() == strata::object_status::pending);
        auto keyed = session.merge(user{40, "dan@example.com", "dan", std::nullopt, 2.0});
        CHECK(keyed.status() == strata::object_status::pending);
        session.commit();
        CHECK(fresh->id == 3);
        strata::session check{engine};
        CHECK(check.get<user>(std::int64_t{1})->name == "Renamed");
        CHECK(check.get<user>(std::int64_t{2})->age == 31);
        CHECK(check.get<user>(std::int64_t{40})->name == "dan");
        CHECK(check.query<user>().count() == 4);
        // A key this session removed cannot be merged until the flush.
        check.remove(check.get<user>(std::int64_t{40}));
        CHECK_THROWS_AS(check.merge(user{40, "dan@example.com", "dan", std::nullopt, 2.0}), strata::usage_error);
    });
}

TEST_CASE("flush writes only the changed columns: UPDATE accounts SET balance = $1 WHERE id = $2") {
    for_each_backend([](strata::engine& engine) {
        fresh_tables<account>(engine);
        {
            strata::session setup{engine};
            setup.add(account{1, 100});
            setup.commit();
        }
        strata::session session{engine};
        auto account_row = session.get<account>(std::int64_t{1});
        strata::statement_counter counter{engine};
        session.flush();
        CHECK(counter.count() == 0);  // nothing changed, nothing written
        account_row->balance -= 30;
        session.commit();
        REQUIRE(counter.count() == 1);
        CHECK(counter.statements()[0] == "UPDATE accounts SET balance = " + placeholder_of(engine, 1) +
                                             " WHERE id = " + placeholder_of(engine, 2));
        strata::session check{engine};
        CHECK(check.get<account>(std::int64_t{1})->balance == 70);
    });
}

TEST_CASE("remove() DELETEs at flush, children before parents; inserts go parents first") {
    for_each_backend([](strata::engine& engine) {
        fresh_tables<order, user>(engine);
        strata::session session{engine};
        // The order is added before its user; the foreign key still holds because users go first.
        session.add(order{1, 1, 500, std::nullopt});
        auto owner = session.add(user{1, "o@example.com", "owner", std::nullopt, 0});
        strata::statement_counter counter{engine};
        session.commit();
        REQUIRE(counter.count() == 2);
        CHECK(counter.statements()[0].starts_with("INSERT INTO users"));
        CHECK(counter.statements()[1].starts_with("INSERT INTO orders"));
        counter.reset();
        auto placed = session.get<order>(std::int64_t{1});
        session.remove(owner);
        session.remove(placed);
        session.commit();
        REQUIRE(counter.count() == 3);  // the get (expired after commit) and two deletes
        CHECK(counter.statements()[1].starts_with("DELETE FROM orders"));
        CHECK(counter.statements()[2].starts_with("DELETE FROM users"));
        CHECK(placed.status() == strata::object_status::detached);
        CHECK(session.query<user>().count() == 0);
    });
}

TEST_CASE("a failed flush rolls the whole transaction back and the session refuses work until rollback()") {
    for_each_backend([](strata::engine& engine) {
        fresh_tables<order, user>(engine);
        strata::session session{engine};
        auto ada = session.add(make_user("ada"));
        session.flush();  // written in this transaction, not committed
        auto fine = session.add(make_user("bob"));
        auto clash = session.add(make_user("ada"));  // same email: UNIQUE
        CHECK_THROWS_AS(session.flush(), strata::unique_violation);
        CHECK(session.needs_rollback());
        CHECK(fine.status() == strata::object_status::pending);
        CHECK(fine->id == 0);  // the generated key of the failed flush's INSERT is undone
        // The transaction is gone (PostgreSQL aborted it; on SQLite ada's and bob's INSERTs would
        // otherwise stay): the connection went back to the pool and nothing of it is in the database.
        CHECK(engine.pool_status().checked_out == 0);
        {
            strata::session other{engine};
            CHECK(other.query<user>().count() == 0);
        }
        // Every use that needs the transaction says why it cannot go on, until rollback().
        CHECK_THROWS_AS(session.query<user>().count(), strata::pending_rollback_error);
        CHECK_THROWS_AS(session.connection(), strata::pending_rollback_error);
        CHECK_THROWS_AS(session.flush(), strata::pending_rollback_error);
        CHECK_THROWS_AS(session.commit(), strata::pending_rollback_error);
        CHECK_THROWS_WITH(session.commit(), Catch::Contains("call rollback()") && Catch::Contains("users"));
        session.rollback();
        CHECK_FALSE(session.needs_rollback());
        // rollback() forgets the transaction: its new objects are detached, as SQLAlchemy's are.
        CHECK(ada.status() == strata::object_status::detached);
        CHECK(fine.status() == strata::object_status::detached);
        CHECK(clash.status() == strata::object_status::detached);
        session.add(make_user("ada"));
        session.add(make_user("bob"));
        session.commit();
        strata::session check{engine};
        CHECK(check.query<user>().count() == 2);
    });
}

TEST_CASE("a flush of one row takes one round trip by default, three with flush_savepoint") {
    for_each_backend([](strata::engine& engine) {
        fresh_tables<order, user>(engine);
        for (const bool with_savepoint : {false, true}) {
            strata::session session{engine, {.flush_savepoint = with_savepoint}};
            // The INSERT's statement is prepared by a first flush, so the counted one only runs it.
            session.add(make_user(with_savepoint ? "warm_saved" : "warm_plain"));
            session.flush();
            const auto& driver = session.connection().native();
            const auto before = driver.statistics();
            session.add(make_user(with_savepoint ? "saved" : "plain"));
            session.flush();
            const auto trips = driver.statistics().round_trips - before.round_trips;
            // What the driver ran, SAVEPOINT and RELEASE included (no statement event shows them).
            CHECK(driver.statistics().statements_executed - before.statements_executed == (with_savepoint ? 3U : 1U));
            // SAVEPOINT, INSERT, RELEASE SAVEPOINT, each waited for; SQLite runs in the process
            const std::uint64_t sent = with_savepoint ? 3U : 1U;
            CHECK(trips == strata::testing::expected_round_trips(engine, {.postgresql = sent, .mariadb = sent}));
            session.commit();
        }
        strata::session check{engine};
        CHECK(check.query<user>().count() == 4);
    });
}

TEST_CASE("a flush's UPDATEs and DELETEs reach PostgreSQL in one round trip, checked row by row") {
    for_each_backend([](strata::engine& engine) {
        fresh_tables<order, user>(engine);
        strata::session session{engine};
        for (int i = 0; i < 10; ++i) session.add(make_user("user" + std::to_string(i)));
        session.commit();
        auto everyone = session.query<user>().order_by(col<&user::id>).all();
        // A first flush of the same shapes prepares the statements (two round trips each, once).
        everyone[0]->score = 0.5;
        session.remove(everyone[9]);
        session.flush();
        const auto& driver = session.connection().native();
        const auto before = driver.statistics().round_trips;
        strata::statement_counter counter{engine};
        for (int i = 1; i < 6; ++i) everyone[i]->score = i;
        session.remove(everyone[8]);
        session.remove(everyone[7]);
        session.flush();
        const auto trips = driver.statistics().round_trips - before;
        CHECK(counter.count() == 6);  // five UPDATEs and one DELETE of both rows, each an event as before
        // PostgreSQL pipelines the six statements and checks each row count as its answer arrives
        CHECK(trips == strata::testing::expected_round_trips(engine, {.postgresql = 1, .mariadb = 6}));
        session.commit();
        strata::session check{engine};
        CHECK(check.query<user>().count() == 7);
        CHECK(check.query<user>().filter(col<&user::score> == 3.0).count() == 1);
    });
}

TEST_CASE("a held UPDATE that matches no row fails the flush when its answer arrives, and nothing of it stays") {
    for_each_backend([](strata::engine& engine) {
        fresh_tables<order, user>(engine);
        add_users(engine, 3);
        strata::session session{engine};
        auto everyone = session.query<user>().order_by(col<&user::id>).all();
        session.commit();  // ends the transaction, so another connection can delete
        {
            auto other = engine.connect();
            other.execute("DELETE FROM users WHERE id = " + std::to_string(everyone[1]->id));
        }
        everyone[0]->name = "first";
        everyone[1]->name = "gone";  // its row was deleted behind the session's back
        everyone[2]->name = "third";
        CHECK_THROWS_AS(session.flush(), strata::stale_data_error);
        CHECK(session.needs_rollback());
        session.rollback();
        strata::session check{engine};
        CHECK(check.query<user>().filter(col<&user::name> == "first").count() == 0);
        CHECK(check.query<user>().filter(col<&user::name> == "third").count() == 0);
        CHECK(check.query<user>().count() == 2);
    });
}

TEST_CASE("a held UPDATE that violates a constraint is named with its values, and the statements after it never run") {
    for_each_backend([](strata::engine& engine) {
        fresh_tables<order, user>(engine);
        add_users(engine, 3);
        strata::session session{engine};
        auto everyone = session.query<user>().order_by(col<&user::id>).all();
        everyone[0]->name = "renamed";
        everyone[1]->email = "user0@example.com";  // UNIQUE clash with the first user
        everyone[2]->name = "never";
        try {
            session.flush();
            FAIL("the flush should have failed");
        } catch (const strata::unique_violation& error) {
            CHECK(error.sql().starts_with("UPDATE users SET email = "));
            REQUIRE(error.parameters().size() == 2);
            CHECK(error.parameters()[0] == "'user0@example.com'");
        }
        CHECK(session.needs_rollback());
        session.rollback();
        strata::session check{engine};
        CHECK(check.query<user>().filter(col<&user::name> == "renamed").count() == 0);
        CHECK(check.query<user>().filter(col<&user::name> == "never").count() == 0);
    });
}

TEST_CASE("with flush_savepoint, a failed flush leaves database and session as before") {
    for_each_backend([](strata::engine& engine) {
        fresh_tables<order, user>(engine);
        strata::session session{engine, {.flush_savepoint = true}};
        session.add(make_user("ada"));
        session.flush();
        auto fine = session.add(make_user("bob"));
        auto clash = session.add(make_user("ada"));  // same email: UNIQUE
        CHECK_THROWS_AS(session.flush(), strata::unique_violation);
        CHECK_FALSE(session.needs_rollback());
        CHECK(fine.status() == strata::object_status::pending);
        CHECK(fine->id == 0);  // the generated key of the rolled-back INSERT is undone
        // The database holds what it held before the flush (read without autoflush, which would
        // retry the same failing flush, as SQLAlchemy's would).
        CHECK(session.connection().execute("SELECT count(*) FROM users").scalar<int>() == 1);
        CHECK_THROWS_AS(session.query<user>().count(), strata::unique_violation);
    });
}

TEST_CASE("a rollback brings back an object whose DELETE it undid, so a change through its handle is written") {
    for_each_backend([](strata::engine& engine) {
        fresh_tables<order, user>(engine);
        strata::session session{engine};
        session.add(make_user("ada"));
        session.commit();
        auto ada = session.query<user>().one();
        session.remove(ada);
        session.flush();  // DELETE sent
        CHECK(ada.status() == strata::object_status::detached);
        session.rollback();  // the row is back, and so is the object (SQLAlchemy's rollback does the same)
        CHECK(ada.status() == strata::object_status::persistent);
        CHECK(session.get<user>(ada->id) == ada);
        CHECK(session.query<user>().count() == 1);  // this autoflush compares every object
        ada->name = "changed after the rollback";
        // the next compares the objects touched since: ada must be among them
        CHECK(session.query<user>().filter(col<&user::name> == "changed after the rollback").count() == 1);
        session.commit();
        CHECK(strata::testing::count_rows(engine,
                                          "SELECT count(*) FROM users WHERE name = 'changed after the rollback'") == 1);

        // Removed and flushed again, then committed: gone for good, and a later rollback brings
        // nothing back.
        session.remove(ada);
        session.commit();
        session.rollback();
        CHECK(ada.status() == strata::object_status::detached);
        CHECK(strata::testing::count_rows(engine, "SELECT count(*) FROM users") == 0);

        // Inserted and deleted by the transaction rolled back: it had no row before, so none now.
        auto bob = session.add(make_user("bob"));
        session.flush();
        session.remove(bob);
        session.flush();
        session.rollback();
        CHECK(bob.status() == strata::object_status::detached);
    });
}

TEST_CASE("with flush_savepoint, fixing the object after a failed flush lets the next flush succeed") {
    for_each_backend([](strata::engine& engine) {
        fresh_tables<order, user>(engine);
        strata::session session{engine, {.flush_savepoint = true}};
        session.add(make_user("ada"));
        session.commit();
        auto bob = session.add(make_user("bob"));
        auto clash = session.add(make_user("ada"));
        CHECK_THROWS_AS(session.flush(), strata::unique_violation);
        clash->email = "ada2@example.com";
        session.commit();
        CHECK(bob->id > 0);
        strata::session check{engine};
        CHECK(check.query<user>().count() == 3);
    });
}

TEST_CASE("an autoflush UPDATEs what was changed through a handle since the last flush, and nothing else") {
    for_each_backend([](strata::engine& engine) {
        fresh_tables<order, user>(engine);
        strata::session session{engine};
        for (int i = 0; i < 200; ++i) session.add(make_user("user" + std::to_string(i)));
        session.commit();
        const auto everyone = session.query<user>().order_by(col<&user::id>).all();
        strata::statement_counter counter{engine};
        // Lazy loading's shape: a query after each object is read; nothing changed, nothing written.
        for (const auto& item : everyone) {
            CHECK(item->name.starts_with("user"));
            (void)session.query<user>().filter(col<&user::id> == item->id).one();
        }
        CHECK(counter.count() == 200);
        counter.reset();
        everyone[7]->score = 7.5;
        everyone[9]->name = "nine";
        CHECK(session.query<user>().filter(col<&user::score> == 7.5).count() == 1);
        CHECK(counter.count() == 3);  // two UPDATEs, then the count
        CHECK(counter.statements()[0] ==
              "UPDATE users SET score = " + placeholder_of(engine, 1) + " WHERE id = " + placeholder_of(engine, 2));
    });
}

TEST_CASE("a write through a reference kept across a query is flushed at commit, which compares every object") {
    for_each_backend([](strata::engine& engine) {
        fresh_tables<order, user>(engine);
        strata::session session{engine};
        session.add(make_user("ada"));
        session.commit();
        user& kept = *session.query<user>().one();  // the identity map keeps the object alive
        (void)session.query<user>().count();        // this autoflush compared it, unchanged
        kept.name = "changed without the handle";
        // An autoflush compares only objects used through a handle since the last flush, so this
        // query does not see the write (SQLAlchemy's in-place mutations of a mutable value behave
        // the same way); flush() and commit() compare every object.
        CHECK(session.query<user>().filter(col<&user::name> == "changed without the handle").count() == 0);
        session.commit();
        strata::session check{engine};
        CHECK(check.query<user>().one()->name == "changed without the handle");
    });
}

TEST_CASE("with flush_savepoint, after a failed autoflush a fix made without the handle is found by the next one") {
    for_each_backend([](strata::engine& engine) {
        fresh_tables<order, user>(engine);
        strata::session session{engine, {.flush_savepoint = true}};
        session.add(make_user("ada"));
        session.add(make_user("bob"));
        session.commit();
        auto bob = session.query<user>().filter(col<&user::name> == "bob").one();
        user& kept = *bob;
        kept.email = "ada@example.com";  // UNIQUE clash, written at the next autoflush
        CHECK_THROWS_AS(session.query<user>().count(), strata::unique_violation);
        kept.email = "bob2@example.com";  // fixed without touching the handle again
        CHECK(session.query<user>().filter(col<&user::email> == "bob2@example.com").count() == 1);
        session.commit();
    });
}

TEST_CASE("a session checks out at its first statement and returns the connection at commit, rollback or end") {
    for_each_backend([](strata::engine& engine) {
        fresh_tables<account>(engine);
        {
            strata::session session{engine};
            CHECK(engine.pool_status().checked_out == 0);
            session.add(account{1, 10});
            CHECK(engine.pool_status().checked_out == 0);
            session.flush();
            CHECK(engine.pool_status().checked_out == 1);
            session.commit();
            CHECK(engine.pool_status().checked_out == 0);
            session.get<account>(std::int64_t{1})->balance = 99;
            session.flush();
            CHECK(engine.pool_status().checked_out == 1);
        }  // destroyed without commit: rolled back
        CHECK(engine.pool_status().checked_out == 0);
        {
            strata::session closing{engine};
            auto item = closing.get<account>(std::int64_t{1});
            item->balance = 55;
            closing.flush();
            CHECK(engine.pool_status().checked_out == 1);
            closing.close();  // rolls back, returns the connection, detaches
            CHECK(engine.pool_status().checked_out == 0);
            CHECK(item.status() == strata::object_status::detached);
        }
        strata::session check{engine};
        CHECK(check.get<account>(std::int64_t{1})->balance == 10);
        check.add(account{2, 20});
        check.rollback();
        CHECK(check.query<account>().count() == 1);
    });
}

TEST_CASE("query<T>: filter, order_by, limit, offset, distinct, first, one, one_or_none, count") {
    for_each_backend([](strata::engine& engine) {
        fresh_tables<order, user>(engine);
        strata::session session{engine};
        for (const char* name : {"a", "b", "c", "d", "e"}) session.add(make_user(name));
        session.commit();
        const auto page = session.query<user>().order_by(col<&user::name>.desc()).limit(2).offset(1).all();
        REQUIRE(page.size() == 2);
        CHECK(page[0]->name == "d");
        CHECK(page[1]->name == "c");
        CHECK(session.query<user>().filter(col<&user::name> > "c").count() == 2);
        CHECK(session.query<user>().order_by(col<&user::name>).first()->name == "a");
        CHECK_FALSE(session.query<user>().filter(col<&user::name> == "zz").first());
        CHECK_THROWS_AS(session.query<user>().filter(col<&user::name> == "zz").one(), strata::no_result_found);
        CHECK_THROWS_AS(session.query<user>().one_or_none(), strata::multiple_results_found);
        CHECK(session.query<user>().distinct().filter(col<&user::id> <= 2).all().size() == 2);
        CHECK(session.query<user>().filter(col<&user::id>.in_(std::vector<std::int64_t>{1, 3})).all().size() == 2);
        CHECK(session.query<user>().filter(col<&user::id> == 1).scalar()->name == "a");
        const auto joined = session.query<user>().join<order>(col<&order::user_id> == col<&user::id>).all();
        CHECK(joined.empty());
    });
}

TEST_CASE("exists() issues one SELECT EXISTS (SELECT 1 ...) and loads no object") {
    for_each_backend([](strata::engine& engine) {
        fresh_tables<order, user>(engine);
        strata::session session{engine};
        session.add(make_user("ada"));
        session.commit();
        session.clear();
        strata::statement_counter counter{engine};
        CHECK(session.query<user>().filter(col<&user::email> == "ada@example.com").exists());
        CHECK_FALSE(session.query<user>().filter(col<&user::email> == "nobody@example.com").exists());
        REQUIRE(counter.count() == 2);
        CHECK(counter.statements()[0] ==
              "SELECT EXISTS (SELECT 1 FROM users WHERE users.email = " + placeholder_of(engine, 1) + ")");
        CHECK(session.identity_count() == 0);
    });
}

TEST_CASE("load_only selects only the named columns; unloaded ones are loud, never flushed, and refresh loads them") {
    for_each_backend([](strata::engine& engine) {
        seed_profile(engine, std::string(1000, 'x'));
        strata::session session{engine};
        strata::statement_counter counter{engine};
        auto slim = load_without_bio(session);
        CHECK(counter.statements().at(0) == "SELECT profiles.id, profiles.email, profiles.name FROM profiles");
        CHECK_FALSE(slim->bio.is_loaded());
        CHECK_THROWS_AS(slim->bio.value(), strata::unloaded_column);
        CHECK_THROWS_WITH(slim->bio.value(), Catch::Matchers::StartsWith("column profiles.bio was not loaded"));
        slim->name = "B";
        counter.reset();
        session.flush();
        REQUIRE(counter.count() == 1);
        CHECK(counter.statements()[0] ==
              "UPDATE profiles SET name = " + placeholder_of(engine, 1) + " WHERE id = " + placeholder_of(engine, 2));
        session.refresh(slim);
        CHECK(slim->bio.value() == std::string(1000, 'x'));
        CHECK(slim->name == "B");
        // Leaving out a plain member would make its default value look like data: refused.
        CHECK_THROWS_AS(session.query<profile>().options(strata::load_only(&profile::id)), strata::usage_error);
    });
}

TEST_CASE("a later query fills in the columns load_only left out and keeps the loaded ones as they are") {
    for_each_backend([](strata::engine& engine) {
        seed_profile(engine, std::string(300, 'y'));
        strata::session session{engine};
        auto slim = load_without_bio(session);
        REQUIRE_FALSE(slim->bio.is_loaded());
        slim->name = "changed here";
        auto full = session.query<profile>().no_autoflush().one();
        CHECK(full == slim);
        CHECK(full->bio.value() == std::string(300, 'y'));  // filled in
        CHECK(full->name == "changed here");                // not overwritten by the row
        strata::statement_counter counter{engine};
        session.flush();  // the filled-in column is not a change; the local one is
        REQUIRE(counter.count() == 1);
        CHECK(counter.statements()[0] ==
              "UPDATE profiles SET name = " + placeholder_of(engine, 1) + " WHERE id = " + placeholder_of(engine, 2));
    });
}

TEST_CASE("refresh() overwrites local changes with the row; expunge and clear detach without invalidating handles") {
    for_each_backend([](strata::engine& engine) {
        fresh_tables<account>(engine);
        strata::session session{engine};
        auto item = session.add(account{1, 10});
        session.commit();
        item->balance = 500;
        session.refresh(item);
        CHECK(item->balance == 10);
        session.expunge(item);
        CHECK(item.status() == strata::object_status::detached);
        item->balance = 77;  // a detached object is still valid, but not tracked
        session.commit();
        auto reloaded = session.get<account>(std::int64_t{1});
        CHECK(reloaded->balance == 10);
        CHECK(reloaded.get() != item.get());
        session.clear();
        CHECK(session.identity_count() == 0);
        CHECK(reloaded->balance == 10);  // still readable
        CHECK_THROWS_AS(*strata::ref<account>{}, strata::usage_error);
    });
}

TEST_CASE("a column changed after commit survives the next query that reads the expired object") {
    for_each_backend([](strata::engine& engine) {
        for (const bool autoflush : {false, true}) {
            INFO("autoflush " << autoflush);
            fresh_tables<account>(engine);
            strata::session session{engine, strata::session_options{.autoflush = autoflush}};
            auto item = session.add(account{1, 10});
            auto other = session.add(account{2, 20});
            account& held = *other;  // a plain reference: a change through it marks nothing touched
            session.commit();
            item->balance = 500;
            held.balance = 700;
            const auto all = session.query<account>().order_by(col<&account::id>).all();
            REQUIRE(all.size() == 2);
            CHECK(all[0]->balance == 500);
            CHECK(all[1]->balance == 700);
            session.commit();
            CHECK(strata::testing::count_rows(engine, "SELECT balance FROM accounts WHERE id = 1") == 500);
            CHECK(strata::testing::count_rows(engine, "SELECT balance FROM accounts WHERE id = 2") == 700);
            // A requested overwrite (a locking read, refresh) still discards the change.
            item->balance = 1;
            const auto locked = session.query<account>().with_for_update().filter(col<&account::id> == 1).one();
            CHECK(locked->balance == (autoflush ? 1 : 500));
            session.rollback();
        }
    });
}

TEST_CASE("remove(), refresh() and expunge() refuse another session's object, pending or persistent") {
    for_each_backend([](strata::engine& engine) {
        fresh_tables<account>(engine);
        strata::session first{engine};
        strata::session second{engine};
        auto pending = first.add(account{1, 10});
        using Catch::Matchers::Message;
        const auto expected = Message("this object belongs to another session");
        CHECK_THROWS_MATCHES(second.remove(pending), strata::usage_error, expected);
        CHECK_THROWS_MATCHES(second.expunge(pending), strata::usage_error, expected);
        first.commit();
        auto persistent = first.get<account>(std::int64_t{1});
        REQUIRE(persistent.status() == strata::object_status::persistent);
        CHECK_THROWS_MATCHES(second.remove(persistent), strata::usage_error, expected);
        CHECK_THROWS_MATCHES(second.refresh(persistent), strata::usage_error, expected);
        CHECK_THROWS_MATCHES(second.expunge(persistent), strata::usage_error, expected);
        // Its own session still acts on it; detached, the object belongs to none.
        first.expunge(persistent);
        CHECK(persistent.status() == strata::object_status::detached);
        CHECK_NOTHROW(second.expunge(persistent));
    });
}

TEST_CASE("after commit, objects are expired: the next load picks up changes made elsewhere") {
    for_each_backend([](strata::engine& engine) {
        fresh_tables<account>(engine);
        strata::session session{engine};
        auto item = session.add(account{1, 10});
        session.commit();
        {
            strata::session other{engine};
            other.get<account>(std::int64_t{1})->balance = 20;
            other.commit();
        }
        auto again = session.get<account>(std::int64_t{1});
        CHECK(again.get() == item.get());
        CHECK(item->balance == 20);
    });
}

TEST_CASE("Core statements run in the session's transaction after autoflush") {
    for_each_backend([](strata::engine& engine) {
        fresh_tables<account>(engine);
        strata::session session{engine};
        session.add(account{1, 10});
        session.add(account{2, 32});
        CHECK(session.execute(strata::select(strata::sum(col<&account::balance>))).at(0) ==
              std::tuple{std::optional<std::int64_t>{42}});
        session.rollback();
        CHECK(session.query<account>().count() == 0);
    });
}

TEST_CASE("the identity map's hash table keeps every key findable through interleaved erases") {
    // Dense entries with swap-on-erase and backward-shift slots: erase must re-point the moved
    // entry's slot and keep every probe chain intact (strided keys make long clusters).
    strata::detail::flat_map<std::tuple<std::int64_t>, std::int64_t, strata::orm::key_hash> map;
    for (std::int64_t key = 0; key < 20'000; ++key) *map.try_emplace({key * 1024}).first = key;
    for (std::int64_t key = 0; key < 20'000; key += 3) map.erase({key * 1024});
    std::int64_t found = 0;
    for (std::int64_t key = 0; key < 20'000; ++key) {
        const auto* value = map.find({key * 1024});
        if (key % 3 == 0) {
            CHECK(value == nullptr);
        } else if (value != nullptr && *value == key) {
            ++found;
        }
    }
    CHECK(found == 20'000 - 6'667);
    CHECK(map.size() == 20'000 - 6'667);
    bool only_kept = true;
    std::size_t visited = 0;
    map.for_each([&](const std::tuple<std::int64_t>& key, std::int64_t value) {
        ++visited;
        if (value % 3 == 0 || std::get<0>(key) != value * 1024) only_kept = false;
    });
    CHECK(only_kept);
    CHECK(visited == map.size());
    CHECK(!map.try_emplace({1024}).second);  // present: not inserted again
}

TEST_CASE("the identity map keeps ascending integer ids in key order and leaves it when they collide") {
    using map_type = strata::detail::flat_map<std::tuple<std::int64_t>, std::int64_t, strata::orm::key_hash>;
    SECTION("ids loaded in order stay in key order (no long probe)") {
        map_type map;
        for (std::int64_t key = 1; key <= 100'000; ++key) *map.try_emplace({key}).first = key;
        CHECK_FALSE(map.scrambled());
        CHECK(*map.find({77'777}) == 77'777);
        CHECK(map.find({100'001}) == nullptr);
        CHECK_FALSE(map.scrambled());
    }
    SECTION("ids sharing their low bits switch to the mixed hash and stay findable") {
        map_type map;
        for (std::int64_t key = 0; key < 5'000; ++key) *map.try_emplace({key << 32}).first = key;
        CHECK(map.scrambled());
        std::int64_t found = 0;
        for (std::int64_t key = 0; key < 5'000; ++key)
            if (const auto* value = map.find({key << 32}); value != nullptr && *value == key) ++found;
        CHECK(found == 5'000);
    }
    SECTION("erasing from the front of a long run switches to the mixed hash (streaming's order)") {
        map_type map;
        for (std::int64_t key = 1; key <= 1'000; ++key) *map.try_emplace({key}).first = key;
        for (std::int64_t key = 1; key <= 500; ++key) map.erase({key});
        CHECK(map.scrambled());
        CHECK(map.size() == 500);
        CHECK(map.find({1}) == nullptr);
        CHECK(*map.find({501}) == 501);
        CHECK(*map.find({1'000}) == 1'000);
    }
    SECTION("a missing id that wraps onto a long run is answered, then the table leaves key order") {
        map_type map;
        for (std::int64_t key = 0; key < 1'000; ++key) *map.try_emplace({key}).first = key;
        CHECK_FALSE(map.scrambled());
        CHECK(map.find({2048 + 10}) == nullptr);  // same low bits as id 10 in a 2,048-slot table
        CHECK(map.scrambled());
        CHECK(*map.find({10}) == 10);
    }
}

TEST_CASE("the identity map agrees with std::unordered_map over 200,000 random operations") {
    strata::detail::flat_map<std::tuple<std::int64_t>, std::int64_t, strata::orm::key_hash> map;
    std::unordered_map<std::int64_t, std::int64_t> oracle;
    std::uint64_t state = 42;
    const auto next = [&state] {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        return state;
    };
    bool agreed = true;
    for (int step = 0; step < 200'000; ++step) {
        // ids mostly ascending with gaps and occasional far ones: what a busy session sees
        const auto roll = next();
        const std::int64_t key = roll % 10 == 0 ? static_cast<std::int64_t>(next() % 1'000'000'000)
                                                : static_cast<std::int64_t>(step / 2 + roll % 7);
        switch (roll >> 60 & 3) {
            case 0:
            case 1: {
                const auto [value, inserted] = map.try_emplace({key});
                if (inserted) *value = key * 3;
                if (inserted != oracle.emplace(key, key * 3).second) agreed = false;
                break;
            }
            case 2:
                map.erase({key});
                oracle.erase(key);
                break;
            default: {
                const auto* value = map.find({key});
                const auto found = oracle.find(key);
                if ((value == nullptr) != (found == oracle.end()) || (value != nullptr && *value != found->second))
                    agreed = false;
            }
        }
    }
    CHECK(agreed);
    CHECK(map.size() == oracle.size());
    std::size_t visited = 0;
    map.for_each([&](const std::tuple<std::int64_t>& key, std::int64_t value) {
        ++visited;
        if (oracle.count(std::get<0>(key)) == 0 || oracle.at(std::get<0>(key)) != value) agreed = false;
    });
    CHECK(agreed);
    CHECK(visited == oracle.size());
}

TEST_CASE("text fingerprints change with any one changed byte, at every length and position") {
    // The unit of work finds changed text by fingerprint: a miss would be a lost UPDATE.
    bool all_differ = true;
    std::size_t compared = 0;
    for (std::size_t length = 1; length <= 40; ++length) {
        const std::string original(length, 'a');
        const auto before = strata::orm::detail::fingerprint_value<std::string>(original);
        for (std::size_t position = 0; position < length; ++position) {
            for (const char replacement : {'b', '\0', '\xff'}) {
                std::string changed = original;
                changed[position] = replacement;
                if (strata::orm::detail::fingerprint_value<std::string>(changed) == before) all_differ = false;
                ++compared;
            }
        }
        if (strata::orm::detail::fingerprint_value<std::string>(original + '\0') == before) all_differ = false;
    }
    CHECK(all_differ);
    CHECK(compared == 3 * 820);
    CHECK(strata::orm::detail::fingerprint_value<std::string>("") !=
          strata::orm::detail::fingerprint_value<std::string>(std::string(1, '\0')));
}

TEST_CASE("the smallest change to an integer, real, timestamp or optional column is flushed") {
    // Plain fixed-width members are their own fingerprints; optional ones are mixed, so NULL's
    // fingerprint is not that of a small value.
    for_each_backend([](strata::engine& engine) {
        fresh_tables<order, user, post>(engine);
        strata::session session{engine};
        auto ada = session.add(user{0, "ada@example.com", "ada", std::nullopt, 0.0});
        session.flush();
        auto note = session.add(order{0, ada->id, 0, std::nullopt});
        auto entry = session.add(post{0, "first", strata::timestamp{}});
        session.commit();
        const auto change = [&](auto&& write) {
            strata::statement_counter counter{engine};
            write();
            session.flush();
            return counter.count();
        };
        CHECK(change([&] { ada->score = -0.0; }) == 1);  // other bits, equal as doubles: still written
        CHECK(change([&] { ada->score = std::nextafter(0.0, 1.0); }) == 1);
        CHECK(change([&] { ada->age = 0; }) == 1);  // NULL -> 0
        CHECK(change([&] { ada->age = std::nullopt; }) == 1);
        CHECK(change([&] { note->total = 1; }) == 1);
        CHECK(change([&] { note->note = std::string{}; }) == 1);  // NULL -> empty text
        CHECK(change([&] { entry->created_at += std::chrono::microseconds{1}; }) == 1);
        CHECK(change([&] { ada->score = std::nextafter(0.0, 1.0); }) == 0);  // the same value again
        session.commit();
        strata::session reader{engine};
        const auto read_back = reader.get<post>(entry->id);
        CHECK(read_back->created_at == strata::timestamp{std::chrono::microseconds{1}});
        CHECK(reader.get<user>(ada->id)->score == std::nextafter(0.0, 1.0));
        CHECK_FALSE(reader.get<user>(ada->id)->age.has_value());
        CHECK(reader.get<order>(note->id)->note == std::string{});
    });
}

TEST_CASE("a finished session's objects' memory is reused by the next session on the same thread") {
    for_each_backend([](strata::engine& engine) {
        fresh_tables<order, user>(engine);
        {
            strata::session session{engine};
            for (int i = 0; i < 50; ++i) session.add(make_user("user" + std::to_string(i)));
            session.commit();
        }
        std::vector<const user*> first;
        {
            strata::session session{engine};
            for (const auto& item : session.query<user>().all()) first.push_back(item.get());
        }
        std::vector<const user*> second;
        {
            strata::session session{engine};
            for (const auto& item : session.query<user>().all()) second.push_back(item.get());
        }
        REQUIRE(first.size() == 50);
        REQUIRE(second.size() == 50);
        if constexpr (strata::detail::recycling_enabled) {
            // Every block freed at the first session's end serves one object of the second.
            std::sort(first.begin(), first.end());
            std::sort(second.begin(), second.end());
            CHECK(first == second);
        }
    });
}

namespace {
/// A member whose construction throws while `refuse` is set (an allocation that fails, say).
struct fragile_member {
    static inline bool refuse = false;
    std::int64_t value = 0;
    fragile_member() {
        if (refuse) throw std::runtime_error("refused");
    }
};
struct fragile {
    std::int64_t id = 0;
    fragile_member extra;
};
}  // namespace

template <>
struct strata::mapping<fragile> {
    static constexpr auto table =
        strata::table("fragile_rows", strata::column<&fragile::id>("id", strata::primary_key));
};

TEST_CASE("objects of models of about the same size share one heap block type, as large as allocate_shared's") {
    using strata::orm::object_size_class;
    for (std::size_t bytes = 1; bytes < 1000; ++bytes) {
        // The block fills its heap chunk: a 16-byte control block header, glibc's 8-byte header.
        CHECK(object_size_class(bytes) >= bytes);
        CHECK(object_size_class(bytes) < bytes + 16);
        CHECK((16 + object_size_class(bytes) + 8) % 16 == 0);
    }
    // The bookkeeping stays 24 bytes: an account's state is 24 + 16 (its members) + 16 (its
    // snapshot), and its block holds exactly that.
    STATIC_REQUIRE(sizeof(strata::orm::tracked_object) == 24);
    STATIC_REQUIRE(std::is_same_v<strata::orm::object_block_for<strata::orm::object_state<account>>,
                                  strata::orm::object_block<56, 8>>);
}

TEST_CASE("an object whose construction throws while loading leaves no entry and no block behind") {
    for_each_backend([](strata::engine& engine) {
        fresh_tables<fragile>(engine);
        {
            strata::session session{engine};
            session.add(fragile{1, {}});
            session.add(fragile{2, {}});
            session.commit();
        }
        strata::session session{engine};
        fragile_member::refuse = true;
        CHECK_THROWS_WITH(session.query<fragile>().all(), "refused");
        fragile_member::refuse = false;
        CHECK(session.identity_count() == 0);
        const auto loaded = session.query<fragile>().order_by(col<&fragile::id>).all();
        REQUIRE(loaded.size() == 2);
        CHECK(loaded[1]->id == 2);
    });
}

namespace {
/// A block the size of a small object state.
struct recycled_probe {
    std::array<std::uint64_t, 24> words{};
};
}  // namespace

TEST_CASE("object recycling keeps at most object_recycling_limit() bytes per thread, and 0 turns it off") {
    using allocator = strata::detail::recycling_allocator<recycled_probe>;
    auto& blocks = strata::detail::blocks_of<sizeof(recycled_probe), alignof(recycled_probe)>();
    const auto saved_limit = strata::object_recycling_limit();
    CHECK(saved_limit == std::size_t{16} << 20);
    allocator source;
    strata::set_object_recycling_limit(0);
    while (blocks.count > 0) source.deallocate(source.allocate(1), 1);  // start from an empty list
    std::vector<recycled_probe*> taken;
    for (int i = 0; i < 10; ++i) taken.push_back(source.allocate(1));
    strata::set_object_recycling_limit(4 * sizeof(recycled_probe));
    for (auto* block : taken) source.deallocate(block, 1);
    if constexpr (strata::detail::recycling_enabled) {
        CHECK(blocks.count == 4);  // the other six went back to the heap
        auto* reused = source.allocate(1);
        CHECK(reused == taken[3]);  // last kept, first reused
        CHECK(blocks.count == 3);
        source.deallocate(reused, 1);
    } else {
        CHECK(blocks.count == 0);
    }
    strata::set_object_recycling_limit(0);
    auto* unkept = source.allocate(1);
    const auto kept = blocks.count;
    source.deallocate(unkept, 1);
    CHECK(blocks.count == kept);
    strata::set_object_recycling_limit(saved_limit);
    std::size_t other_thread_count = 1;
    std::thread other{[&other_thread_count] {
        other_thread_count = strata::detail::blocks_of<sizeof(recycled_probe), alignof(recycled_probe)>().count;
    }};
    other.join();
    CHECK(other_thread_count == 0);  // each thread has its own list
}
