// Transactions: commit keeps, rollback discards, savepoints roll back part of a transaction.
#include <array>
#include <catch2/catch.hpp>
#include <cstdint>
#include <string>

#include "support/backends.hpp"

using strata::testing::expected_round_trips;
using strata::testing::for_each_backend;

namespace {
void create_accounts(strata::connection& connection) {
    connection.execute_script("DROP TABLE IF EXISTS accounts");
    connection.execute_script("CREATE TABLE accounts (id INTEGER PRIMARY KEY, balance BIGINT NOT NULL)");
}
std::int64_t count(strata::connection& connection) {
    return connection.execute("SELECT count(*) FROM accounts").scalar<std::int64_t>();
}
}  // namespace

TEST_CASE("commit keeps the work of a transaction and rollback discards it") {
    for_each_backend([](strata::engine& engine) {
        auto connection = engine.connect();
        create_accounts(connection);
        connection.begin();
        CHECK(connection.in_transaction());
        connection.execute("INSERT INTO accounts (id, balance) VALUES (1, 100)");
        connection.commit();
        CHECK_FALSE(connection.in_transaction());
        connection.begin();
        connection.execute("INSERT INTO accounts (id, balance) VALUES (2, 200)");
        CHECK(count(connection) == 2);
        connection.rollback();
        CHECK(count(connection) == 1);
    });
}

TEST_CASE("a savepoint rolls back part of a transaction") {
    for_each_backend([](strata::engine& engine) {
        auto connection = engine.connect();
        create_accounts(connection);
        connection.begin();
        connection.execute("INSERT INTO accounts (id, balance) VALUES (1, 100)");
        connection.savepoint("before_second");
        connection.execute("INSERT INTO accounts (id, balance) VALUES (2, 200)");
        CHECK_THROWS_AS(connection.execute("INSERT INTO accounts (id, balance) VALUES (2, 300)"),
                        strata::unique_violation);
        connection.rollback_to_savepoint("before_second");  // also clears PostgreSQL's failed state
        connection.savepoint("third");
        connection.execute("INSERT INTO accounts (id, balance) VALUES (3, 300)");
        connection.release_savepoint("third");
        connection.commit();
        CHECK(connection.execute("SELECT id FROM accounts ORDER BY id").all<int>() ==
              std::vector<std::tuple<int>>{{1}, {3}});
    });
}

TEST_CASE("a transaction guard rolls back unless committed") {
    for_each_backend([](strata::engine& engine) {
        auto connection = engine.connect();
        create_accounts(connection);
        {
            strata::transaction transaction{connection};
            connection.execute("INSERT INTO accounts (id, balance) VALUES (1, 100)");
        }
        CHECK(count(connection) == 0);
        {
            strata::transaction transaction{connection};
            connection.execute("INSERT INTO accounts (id, balance) VALUES (1, 100)");
            transaction.commit();
        }
        CHECK(count(connection) == 1);
    });
}

TEST_CASE("a connection returned to the pool mid-transaction is rolled back") {
    for_each_backend([](strata::engine& engine) {
        {
            auto connection = engine.connect();
            create_accounts(connection);
            connection.begin();
            connection.execute("INSERT INTO accounts (id, balance) VALUES (1, 100)");
        }  // returned without commit
        auto connection = engine.connect();
        CHECK_FALSE(connection.in_transaction());
        CHECK(count(connection) == 0);
    });
}

TEST_CASE("committing a failed PostgreSQL transaction raises instead of pretending") {
    auto engine = strata::create_engine(strata::testing::postgresql_url());
    auto connection = engine.connect();
    create_accounts(connection);
    connection.begin();
    connection.execute("INSERT INTO accounts (id, balance) VALUES (1, 100)");
    CHECK_THROWS_AS(connection.execute("INSERT INTO accounts (id, balance) VALUES (1, 100)"), strata::unique_violation);
    CHECK_THROWS_AS(connection.commit(), strata::operational_error);
    CHECK_FALSE(connection.in_transaction());
    CHECK(count(connection) == 0);
}

TEST_CASE("a transaction's BEGIN goes with its first statement, and an empty one sends nothing") {
    for_each_backend([](strata::engine& engine) {
        auto connection = engine.connect();
        create_accounts(connection);
        const auto trips = [&connection] { return connection.native().statistics().round_trips; };
        const std::string insert =
            "INSERT INTO accounts (id, balance) VALUES (" + strata::testing::placeholder_of(engine, 1) + ", 100)";
        {  // the INSERT and the BEGIN prepared now: the counted round trips only run statements
            strata::transaction warm_up{connection};
            connection.execute(insert, 1);
            warm_up.commit();
        }
        connection.execute("DELETE FROM accounts");
        auto before = trips();
        connection.begin();
        CHECK(connection.in_transaction());
        CHECK(trips() - before == 0);  // held until there is something to send with it
        connection.execute(insert, 1);
        // PostgreSQL: BEGIN and the INSERT in one round trip; MariaDB: START TRANSACTION, then the INSERT
        CHECK(trips() - before == expected_round_trips(engine, {.postgresql = 1, .mariadb = 2}));
        connection.commit();
        CHECK(trips() - before == expected_round_trips(engine, {.postgresql = 2, .mariadb = 3}));
        CHECK_FALSE(connection.in_transaction());
        before = trips();
        connection.begin();
        connection.commit();  // nothing ran: nothing to commit
        connection.begin();
        connection.rollback();
        CHECK_FALSE(connection.in_transaction());
        CHECK(trips() - before == 0);
        // A failing first statement fails as it would alone, and the transaction rolls back.
        connection.begin();
        CHECK_THROWS_AS(connection.execute(insert, 1), strata::unique_violation);
        connection.rollback();
        CHECK(count(connection) == 1);
        CHECK(connection.execute("SELECT balance FROM accounts WHERE id = 1").scalar<std::int64_t>() == 100);
    });
}

TEST_CASE("a transaction whose first statement fails keeps the statements after it inside the transaction") {
    for_each_backend([](strata::engine& engine) {
        auto connection = engine.connect();
        create_accounts(connection);
        const std::string insert =
            "INSERT INTO accounts (id, balance) VALUES (" + strata::testing::placeholder_of(engine, 1) + ", 100)";
        for (const bool prepared_before : {false, true}) {
            if (prepared_before) {  // the INSERT is prepared: later it goes in a pipeline, not alone
                connection.execute(insert, 1);
                connection.execute("DELETE FROM accounts");
            }
            connection.begin();
            CHECK_THROWS_AS(connection.execute("SELEC 1"), strata::programming_error);  // never prepared
            CHECK(connection.in_transaction());
            try {
                connection.execute(insert, 2);  // PostgreSQL: the transaction is failed; SQLite goes on
            } catch (const strata::database_error&) {
            }
            connection.rollback();
            CHECK(count(connection) == 0);  // nothing ran outside the transaction
        }
    });
}

TEST_CASE("a held statement's error names it and its values, also when the next statement sends it") {
    for_each_backend([](strata::engine& engine) {
        auto connection = engine.connect();
        create_accounts(connection);
        connection.execute("INSERT INTO accounts (id, balance) VALUES (1, 10), (2, 20)");
        const auto placeholder = [&engine](int index) { return strata::testing::placeholder_of(engine, index); };
        const std::string update = "UPDATE accounts SET id = " + placeholder(1) + " WHERE id = " + placeholder(2);
        const std::string select = "SELECT count(*) FROM accounts WHERE id = " + placeholder(1);
        const std::array<strata::parameter, 2> clash{strata::parameter::from_integer(1),
                                                     strata::parameter::from_integer(2)};
        // Twice: new to the connection (sent alone), then prepared (in the SELECT's pipeline).
        for (int round = 0; round < 2; ++round) {
            connection.begin();
            bool checked = false;
            try {
                connection.execute_held(update, clash, [&checked](strata::result&) { checked = true; });
                (void)connection.execute(select, 7);  // PostgreSQL sends the held UPDATE with it
                FAIL("the UPDATE should have failed");
            } catch (const strata::unique_violation& error) {
                CHECK(error.sql() == update);
                REQUIRE(error.parameters().size() == 2);  // the UPDATE's values, not the SELECT's
                CHECK(error.parameters()[0] == "1");
                CHECK(error.parameters()[1] == "2");
            }
            CHECK_FALSE(checked);  // a failed statement's row count is never checked
            connection.rollback();
            CHECK(count(connection) == 2);
        }
    });
}
