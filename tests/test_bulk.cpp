// bulk_insert and bulk_update: every value survives COPY's escaping, and a failure leaves nothing.
#include <catch2/catch.hpp>

#include <set>

#include "strata/orm.hpp"
#include "strata/strata.hpp"
#include "support/backends.hpp"
#include "support/models.hpp"

using strata::col;
using strata::testing::for_each_backend;

namespace {
/// A table written by hand, so its column types are not the ones strata's DDL would choose.
struct gauge {
    std::int64_t id = 0;
    double reading = 0;
    std::string label;
    std::int32_t small = 0;
};
}  // namespace

template <>
struct strata::mapping<gauge> {
    static constexpr auto table = strata::table("gauges",                                               //
                                                strata::column<&gauge::id>("id", strata::primary_key),  //
                                                strata::column<&gauge::reading>("reading"),             //
                                                strata::column<&gauge::label>("label"),                 //
                                                strata::column<&gauge::small>("small"));
};

namespace {
void fresh_gauges(const strata::engine& engine, const std::string& reading_type) {
    auto connection = engine.connect();
    connection.execute_script("DROP TABLE IF EXISTS gauges");
    connection.execute_script("CREATE TABLE gauges (id BIGINT PRIMARY KEY, reading " + reading_type +
                              ", label VARCHAR(40), small SMALLINT)");
}

void fresh_users(const strata::engine& engine) {
    strata::drop_all<models::order, models::user>(engine);
    strata::create_all<models::order, models::user>(engine);
}
const std::vector<std::string> tricky{"plain",
                                      "it's \"quoted\"",
                                      "tab\there",
                                      "new\nline",
                                      "carriage\rreturn",
                                      "back\\slash \\N \\t",
                                      "Ünïcödé ✓ 日本語 🦀",
                                      "",
                                      "comma, semi; -- /* */",
                                      "\\."};
/// Commits one user with email taken@example.com and returns `count` new users, the one at
/// `clash` reusing that email.
std::vector<models::user> users_clashing_at(strata::session& session, int count, std::size_t clash) {
    session.add(models::user{0, "taken@example.com", "first", std::nullopt, 0});
    session.commit();
    std::vector<models::user> rows;
    for (int i = 0; i < count; ++i)
        rows.push_back({0, "bulk" + std::to_string(i) + "@example.com", "n", std::nullopt, 0});
    rows[clash].email = "taken@example.com";
    return rows;
}
}  // namespace

TEST_CASE("bulk_insert writes 10,000 rows with generated keys, every awkward value intact") {
    for_each_backend([](strata::engine& engine) {
        fresh_users(engine);
        std::vector<models::user> rows;
        for (int i = 0; i < 10'000; ++i) {
            const auto& text = tricky[static_cast<std::size_t>(i) % tricky.size()];
            rows.push_back({0, "user" + std::to_string(i) + "@example.com", text,
                            i % 3 == 0 ? std::nullopt : std::optional<std::int32_t>{i}, i * 0.5});
        }
        strata::session session{engine};
        strata::statement_counter counter{engine};
        const auto before = session.connection().native().statistics().statements_prepared;
        CHECK(session.bulk_insert<models::user>(rows) == 10'000);
        if (engine.sql_dialect() == strata::dialect::postgresql) {
            CHECK(counter.count() == 1);  // one binary COPY: every column has an exact encoder
            CHECK(counter.statements()[0] == "COPY users (email, name, age, score) FROM STDIN (FORMAT binary)");
        } else if (engine.sql_dialect() == strata::dialect::mariadb) {
            // one single-row INSERT, executed for 1,000 rows at a time with the values bound as arrays
            REQUIRE(counter.count() == 10);
            CHECK(counter.statements()[0] == "INSERT INTO users (email, name, age, score) VALUES (?, ?, ?, ?)");
            CHECK(session.connection().native().statistics().statements_prepared - before == 1);
        } else {
            REQUIRE(counter.count() == 100);  // multi-row INSERTs of 100 rows, one statement prepared
            CHECK(
                counter.statements()[0].starts_with("INSERT INTO users (email, name, age, score) VALUES (?, ?, ?, ?), "
                                                    "(?, ?, ?, ?), "));
            CHECK(session.connection().native().statistics().statements_prepared - before == 1);
        }
        CHECK(session.identity_count() == 0);
        session.commit();
        for (std::size_t k = 0; k < tricky.size(); ++k) {
            const auto found = session.query<models::user>()
                                   .filter(col<&models::user::email> == "user" + std::to_string(k) + "@example.com")
                                   .one();
            CHECK(found->name == tricky[k]);
            CHECK(found->id > 0);
        }
        CHECK_FALSE(session.query<models::user>().filter(col<&models::user::id> == 1).one()->age.has_value());
        CHECK(session.query<models::user>().filter(col<&models::user::age> == 9'998).one()->score == 4'999.0);
    });
}

TEST_CASE("a constraint violation in a bulk insert raises the typed error naming the row, and leaves no row") {
    for_each_backend([](strata::engine& engine) {
        fresh_users(engine);
        strata::session session{engine};
        const auto rows = users_clashing_at(session, 1000, 500);
        try {
            session.bulk_insert<models::user>(rows);
            FAIL("expected unique_violation");
        } catch (const strata::unique_violation& error) {
            const std::string message = error.what();
            // SQLite retries the failing 100-row statement row by row; COPY's CONTEXT names the line.
            if (engine.sql_dialect() == strata::dialect::postgresql)
                CHECK_THAT(message, Catch::Contains("line 501"));
            else
                CHECK_THAT(message, Catch::Contains("(bulk_insert row 500)"));
        }
        CHECK(session.query<models::user>().count() == 1);  // none of the bulk insert's rows
        session.commit();
        CHECK(session.query<models::user>().count() == 1);
    });
}

TEST_CASE("bulk_update writes every row by primary key, all or nothing") {
    for_each_backend([](strata::engine& engine) {
        fresh_users(engine);
        std::vector<models::user> rows;
        for (int i = 1; i <= 100; ++i) rows.push_back({i, "u" + std::to_string(i) + "@example.com", "old", 1, 0});
        strata::session session{engine};
        session.bulk_insert<models::user>(rows);
        for (auto& row : rows) row.name = "new\t" + std::to_string(row.id);
        strata::statement_counter counter{engine};
        CHECK(session.bulk_update<models::user>(rows) == 100);
        const bool postgresql = engine.sql_dialect() == strata::dialect::postgresql;
        CHECK(counter.statements().at(1) ==  // after the SAVEPOINT: one prepared UPDATE per row
              (postgresql ? "UPDATE users SET email = $1, name = $2, age = $3, score = $4 WHERE id = $5"
                          : "UPDATE users SET email = ?, name = ?, age = ?, score = ? WHERE id = ?"));
        CHECK(session.query<models::user>().filter(col<&models::user::name> == "new\t42").one()->id == 42);
        // PostgreSQL: SAVEPOINT, the 100 UPDATEs in one pipeline, RELEASE; MariaDB: each in turn.
        const auto& driver = session.connection().native();
        const auto before = driver.statistics().round_trips;
        CHECK(session.bulk_update<models::user>(rows) == 100);
        CHECK(driver.statistics().round_trips - before ==
              strata::testing::expected_round_trips(engine, {.postgresql = 3, .mariadb = 102}));
        rows[50].email = rows[10].email;  // a duplicate: the whole update is rolled back
        CHECK_THROWS_AS(session.bulk_update<models::user>(rows), strata::unique_violation);
        CHECK_THROWS_WITH(session.bulk_update<models::user>(rows), Catch::Contains("(bulk_update row 50)"));
        CHECK(session.query<models::user>().filter(col<&models::user::id> == 51).one()->email == "u51@example.com");
        session.commit();
    });
}

TEST_CASE("bulk_insert with return_keys writes each generated key into its object, in order") {
    for_each_backend([](strata::engine& engine) {
        fresh_users(engine);
        std::vector<models::user> rows;
        for (int i = 0; i < 1'200; ++i) rows.push_back({0, "k" + std::to_string(i) + "@example.com", "n", i, 0});
        strata::session session{engine};
        strata::statement_counter counter{engine};
        CHECK(session.bulk_insert<models::user>(rows, strata::return_keys) == 1'200);
        if (engine.sql_dialect() == strata::dialect::postgresql) {
            REQUIRE(counter.count() == 2);  // reserve the keys from the sequence, then one COPY
            CHECK(counter.statements()[0] ==
                  "SELECT nextval(pg_get_serial_sequence($1, $2)) FROM generate_series(1, $3) ORDER BY 1");
            CHECK(counter.statements()[1] == "COPY users (id, email, name, age, score) FROM STDIN (FORMAT binary)");
        } else {
            CHECK(counter.count() == 1'200);
            CHECK(counter.statements()[0] ==
                  "INSERT INTO users (email, name, age, score) VALUES (?, ?, ?, ?) RETURNING id");
        }
        std::set<std::int64_t> keys;
        for (const auto& row : rows) keys.insert(row.id);
        CHECK(keys.size() == 1'200);
        CHECK(*keys.begin() > 0);
        for (const auto index : {0, 599, 1'199}) {
            const auto& row = rows[static_cast<std::size_t>(index)];
            CHECK(session.get<models::user>(row.id)->email == row.email);
        }
        // The next ordinary INSERT gets a key the bulk insert did not take.
        auto added = session.add(models::user{0, "after@example.com", "n", std::nullopt, 0});
        session.flush();
        CHECK(keys.count(added->id) == 0);
    });
}

TEST_CASE("a failed bulk insert with return_keys leaves the objects' keys unset, so a retry works") {
    for_each_backend([](strata::engine& engine) {
        fresh_users(engine);
        strata::session session{engine};
        auto rows = users_clashing_at(session, 10, 7);
        CHECK_THROWS_AS(session.bulk_insert<models::user>(rows, strata::return_keys), strata::unique_violation);
        for (const auto& row : rows) CHECK(row.id == 0);
        rows[7].email = "bulk7@example.com";
        CHECK(session.bulk_insert<models::user>(rows, strata::return_keys) == 10);
        CHECK(session.query<models::user>().count() == 11);
    });
}

TEST_CASE("a bulk insert mixing set and unset generated keys is refused with usage_error before any SQL") {
    for_each_backend([](strata::engine& engine) {
        fresh_users(engine);
        std::vector<models::user> rows{{0, "a@example.com", "a", std::nullopt, 0},
                                       {5, "b@example.com", "b", std::nullopt, 0}};
        strata::session session{engine};
        strata::statement_counter counter{engine};
        try {
            session.bulk_insert<models::user>(rows);
            FAIL("expected usage_error");
        } catch (const strata::usage_error& error) {
            CHECK(
                std::string{error.what()} ==
                "bulk_insert into users: 1 of 2 objects leave the generated key id at 0; set it on every object or on "
                "none, or pass strata::return_keys");
        }
        CHECK(counter.count() == 0);
    });
}

TEST_CASE("bulk_insert falls back to text COPY when a column's type has no binary encoder (NUMERIC)") {
    for_each_backend([](strata::engine& engine) {
        fresh_gauges(engine, "NUMERIC(12, 2)");
        const std::vector<gauge> rows{{1, 12.25, "it's\ta \"gauge\"", -7}, {2, -0.5, "\\N", 32'767}};
        strata::session session{engine};
        strata::statement_counter counter{engine};
        CHECK(session.bulk_insert<gauge>(rows) == 2);
        if (engine.sql_dialect() == strata::dialect::postgresql)
            CHECK(counter.statements().at(0) == "COPY gauges (id, reading, label, small) FROM STDIN");
        const auto read = session.query<gauge>().order_by(col<&gauge::id>).all();
        REQUIRE(read.size() == 2);
        CHECK(read[0]->reading == 12.25);
        CHECK(read[0]->label == rows[0].label);
        CHECK(read[1]->label == "\\N");
        CHECK(read[1]->small == 32'767);
    });
}

TEST_CASE(
    "bulk_insert into a column too narrow for a value raises data_error on PostgreSQL and MariaDB and writes nothing") {
    for_each_backend([](strata::engine& engine) {
        fresh_gauges(engine, "DOUBLE PRECISION");
        const std::vector<gauge> rows{{1, 1.0, "fits", 1}, {2, 2.0, "too big for SMALLINT", 40'000}};
        strata::session session{engine};
        if (engine.sql_dialect() == strata::dialect::postgresql) {
            strata::statement_counter counter{engine};
            try {
                session.bulk_insert<gauge>(rows);
                FAIL("expected data_error");
            } catch (const strata::data_error& error) {
                CHECK(error.code() == "22003");
                CHECK_THAT(error.what(),
                           Catch::Contains("40000") && Catch::Contains("smallint") && Catch::Contains("small"));
            }
            CHECK(counter.statements().at(0) == "COPY gauges (id, reading, label, small) FROM STDIN (FORMAT binary)");
            CHECK(session.query<gauge>().count() == 0);
        } else if (engine.sql_dialect() == strata::dialect::mariadb) {
            try {
                session.bulk_insert<gauge>(rows);
                FAIL("expected data_error");
            } catch (const strata::data_error& error) {
                CHECK(error.code() == "1264");  // ER_WARN_DATA_OUT_OF_RANGE, an error in strict mode
                CHECK_THAT(error.what(), Catch::Contains("small") && Catch::Contains("bulk_insert row 1"));
            }
            CHECK(session.query<gauge>().count() == 0);
        } else {
            CHECK(session.bulk_insert<gauge>(rows) == 2);  // SQLite's SMALLINT is any integer
            CHECK(session.get<gauge>(std::int64_t{2})->small == 40'000);
        }
    });
}

TEST_CASE("a NUL byte in text is refused with data_error on PostgreSQL (both COPY formats) and kept by SQLite") {
    for_each_backend([](strata::engine& engine) {
        for (const std::string reading_type : {"DOUBLE PRECISION", "NUMERIC(12, 2)"}) {
            fresh_gauges(engine, reading_type);
            const std::vector<gauge> rows{{1, 1.0, std::string{"nul\0inside", 10}, 1}};
            strata::session session{engine};
            if (engine.sql_dialect() == strata::dialect::postgresql) {
                CHECK_THROWS_AS(session.bulk_insert<gauge>(rows), strata::data_error);
                CHECK(session.query<gauge>().count() == 0);
            } else {
                CHECK(session.bulk_insert<gauge>(rows) == 1);
                CHECK(session.get<gauge>(std::int64_t{1})->label == rows[0].label);
            }
        }
    });
}
