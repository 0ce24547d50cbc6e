// Golden SQL: the exact text each dialect gets for every construct of the expression language.
#include <catch2/catch.hpp>

#include <vector>

#include "strata/sql.hpp"
#include "support/models.hpp"

using namespace models;
using strata::col;
using strata::dialect;

namespace {
template <class Statement>
std::string pg(const Statement& statement) {
    return statement.compile(dialect::postgresql).sql;
}
template <class Statement>
std::string lite(const Statement& statement) {
    return statement.compile(dialect::sqlite).sql;
}
template <class Statement>
std::string maria(const Statement& statement) {
    return statement.compile(dialect::mariadb).sql;
}
}  // namespace

TEST_CASE("a filtered, ordered, limited select compiles with each dialect's placeholders") {
    const auto query = strata::select(col<&user::id>, col<&user::email>)
                           .where(col<&user::age> >= 18 && col<&user::name> != "root")
                           .order_by(col<&user::id>.desc())
                           .limit(20)
                           .offset(40);
    CHECK(pg(query) ==
          "SELECT users.id, users.email FROM users WHERE users.age >= $1 AND users.name != $2 "
          "ORDER BY users.id DESC LIMIT $3 OFFSET $4");
    CHECK(lite(query) ==
          "SELECT users.id, users.email FROM users WHERE users.age >= ? AND users.name != ? "
          "ORDER BY users.id DESC LIMIT ? OFFSET ?");
    const auto compiled = query.compile(dialect::postgresql);
    REQUIRE(compiled.parameters.size() == 4);
    CHECK(compiled.parameters[0].as_integer() == 18);
    CHECK(compiled.parameters[1].as_text() == "root");
    CHECK(compiled.parameters[2].as_integer() == 20);
    CHECK(compiled.parameters[3].as_integer() == 40);
}

TEST_CASE("OFFSET without LIMIT gets SQLite's LIMIT -1 and MariaDB's largest LIMIT") {
    const auto query = strata::select(col<&user::id>).offset(10);
    CHECK(pg(query) == "SELECT users.id FROM users OFFSET $1");
    CHECK(lite(query) == "SELECT users.id FROM users LIMIT -1 OFFSET ?");
    CHECK(maria(query) == "SELECT users.id FROM users LIMIT 18446744073709551615 OFFSET ?");
}

TEST_CASE("boolean operators parenthesize by precedence") {
    const auto query = strata::select(col<&user::id>)
                           .where((col<&user::age> < 10 || col<&user::age> > 60) && !(col<&user::score> == 0.0));
    CHECK(pg(query) == "SELECT users.id FROM users WHERE (users.age < $1 OR users.age > $2) AND NOT users.score = $3");
    const auto arithmetic = strata::select(col<&user::score> * 2 - (col<&user::score> - 1) / 3);
    CHECK(pg(arithmetic) == "SELECT users.score * $1 - (users.score - $2) / $3 FROM users");
}

TEST_CASE("IN with a range, an empty range, a subquery; NOT IN; BETWEEN; IS NULL") {
    const std::vector<std::int64_t> ids{1, 2, 3};
    CHECK(pg(strata::select(col<&user::id>).where(col<&user::id>.in_(ids))) ==
          "SELECT users.id FROM users WHERE users.id = ANY($1::BIGINT[])");
    CHECK(pg(strata::select(col<&user::id>).where(col<&user::id>.not_in(ids))) ==
          "SELECT users.id FROM users WHERE users.id <> ALL($1::BIGINT[])");
    CHECK(lite(strata::select(col<&user::id>).where(col<&user::id>.in_(ids))) ==
          "SELECT users.id FROM users WHERE users.id IN (?, ?, ?)");
    CHECK(lite(strata::select(col<&user::id>).where(col<&user::id>.not_in(ids))) ==
          "SELECT users.id FROM users WHERE users.id NOT IN (?, ?, ?)");
    // A long list travels as one JSON text: SQLite reads it with json_each, MariaDB with JSON_TABLE.
    const auto long_list = strata::select(col<&user::id>).where(col<&user::id>.in_(std::vector<std::int64_t>(2000, 7)));
    CHECK(lite(long_list).find("json_each") != std::string::npos);
    CHECK(maria(long_list) ==
          "SELECT users.id FROM users WHERE users.id IN (SELECT value FROM JSON_TABLE(?, '$[*]' COLUMNS (value "
          "BIGINT PATH '$')) AS strata_list)");
    CHECK(long_list.compile(dialect::mariadb).parameters.size() == 1);
    CHECK(maria(strata::select(col<&user::id>).where(col<&user::id>.in_(ids))) ==
          "SELECT users.id FROM users WHERE users.id IN (?, ?, ?)");
    CHECK(maria(strata::select(strata::func::now())) == "SELECT UTC_TIMESTAMP(6)");
    CHECK(pg(strata::select(col<&user::id>).where(col<&user::id>.in_(std::vector<std::int64_t>{}))) ==
          "SELECT users.id FROM users WHERE 1 != 1");
    CHECK(pg(strata::select(col<&user::id>).where(col<&user::id>.not_in(std::vector<std::int64_t>{}))) ==
          "SELECT users.id FROM users WHERE 1 = 1");
    const auto buyers = strata::select(col<&order::user_id>).where(col<&order::total> > 100);
    CHECK(
        pg(strata::select(col<&user::email>).where(col<&user::id>.in_(buyers))) ==
        "SELECT users.email FROM users WHERE users.id IN (SELECT orders.user_id FROM orders WHERE orders.total > $1)");
    CHECK(pg(strata::select(col<&user::id>).where(col<&user::age>.between(18, 65))) ==
          "SELECT users.id FROM users WHERE users.age BETWEEN $1 AND $2");
    CHECK(pg(strata::select(col<&user::id>).where(col<&user::age>.is_null() || col<&order::note>.is_not_null())) ==
          "SELECT users.id FROM users, orders WHERE users.age IS NULL OR orders.note IS NOT NULL");
}

TEST_CASE("LIKE names its escape character on both; ILIKE becomes lower() LIKE lower() on SQLite") {
    const auto like = strata::select(col<&user::id>).where(col<&user::email>.like("%@example.com"));
    CHECK(pg(like) == "SELECT users.id FROM users WHERE users.email LIKE $1 ESCAPE '\\'");
    CHECK(lite(like) == "SELECT users.id FROM users WHERE users.email LIKE ? ESCAPE '\\'");
    const auto ilike = strata::select(col<&user::id>).where(col<&user::email>.ilike("%@EXAMPLE.com"));
    CHECK(pg(ilike) == "SELECT users.id FROM users WHERE users.email ILIKE $1 ESCAPE '\\'");
    CHECK(lite(ilike) == "SELECT users.id FROM users WHERE lower(users.email) LIKE lower(?) ESCAPE '\\'");
    CHECK(maria(ilike) == lite(ilike));  // ILIKE is PostgreSQL's alone
}

TEST_CASE("aggregates, functions, labels, GROUP BY and HAVING") {
    const auto report =
        strata::select(col<&order::user_id>, strata::sum(col<&order::total>).label("total"), strata::count(),
                       strata::count_distinct(col<&order::note>), strata::avg(col<&order::total>),
                       strata::min(col<&order::total>), strata::max(col<&order::total>))
            .group_by(col<&order::user_id>)
            .having(strata::count() > 1)
            .order_by(col<&order::user_id>);
    CHECK(pg(report) ==
          "SELECT orders.user_id, sum(orders.total) AS total, count(*), count(DISTINCT orders.note), "
          "avg(orders.total), min(orders.total), max(orders.total) FROM orders GROUP BY orders.user_id "
          "HAVING count(*) > $1 ORDER BY orders.user_id");
    const auto functions = strata::select(strata::coalesce(col<&order::note>, "none"), strata::lower(col<&user::name>),
                                          strata::upper(col<&user::name>), strata::length(col<&user::email>),
                                          strata::count(col<&user::age>))
                               .where(col<&order::user_id> == col<&user::id>);
    CHECK(pg(functions) ==
          "SELECT coalesce(orders.note, $1), lower(users.name), upper(users.name), length(users.email), "
          "count(users.age) FROM orders, users WHERE orders.user_id = users.id");
}

TEST_CASE("aggregate result types follow SQL: sum is optional, count is not") {
    const auto statement =
        strata::select(strata::sum(col<&order::total>), strata::count(), strata::avg(col<&order::total>),
                       strata::max(col<&user::name>), strata::coalesce(col<&order::note>, std::string{"-"}));
    using row = decltype(statement)::row_type;
    STATIC_REQUIRE(std::is_same_v<row, std::tuple<std::optional<std::int64_t>, std::int64_t, std::optional<double>,
                                                  std::optional<std::string>, std::string>>);
    using scores = decltype(strata::select(strata::sum(col<&user::score>)))::row_type;
    STATIC_REQUIRE(std::is_same_v<scores, std::tuple<std::optional<double>>>);
}

TEST_CASE("CASE WHEN with and without ELSE") {
    const auto bucket =
        strata::case_when(col<&user::age> < 18, "minor").when(col<&user::age> < 65, "adult").else_("senior");
    CHECK(pg(strata::select(col<&user::id>, bucket.label("bucket"))) ==
          "SELECT users.id, CASE WHEN users.age < $1 THEN $2 WHEN users.age < $3 THEN $4 ELSE $5 END AS bucket FROM "
          "users");
    const auto maybe = strata::case_when(col<&user::score> > 1.0, col<&user::name>).end();
    STATIC_REQUIRE(std::is_same_v<decltype(maybe)::value_type, std::optional<std::string>>);
    CHECK(lite(strata::select(maybe)) == "SELECT CASE WHEN users.score > ? THEN users.name END FROM users");
}

TEST_CASE("row values compare column tuples for keyset pagination") {
    const strata::timestamp last{std::chrono::seconds{1000}};
    const auto page = strata::select(col<&post::id>, col<&post::title>)
                          .where(strata::tuple(col<&post::created_at>, col<&post::id>) > strata::tuple(last, 42))
                          .order_by(col<&post::created_at>, col<&post::id>)
                          .limit(37);
    CHECK(pg(page) ==
          "SELECT posts.id, posts.title FROM posts WHERE (posts.created_at, posts.id) > ($1, $2) "
          "ORDER BY posts.created_at, posts.id LIMIT $3");
    CHECK(lite(page) ==
          "SELECT posts.id, posts.title FROM posts WHERE (posts.created_at, posts.id) > (?, ?) "
          "ORDER BY posts.created_at, posts.id LIMIT ?");
}

TEST_CASE("joins with explicit ON clauses, DISTINCT, NULLS FIRST/LAST") {
    const auto query = strata::select(col<&user::name>, col<&order::total>)
                           .join<order>(col<&order::user_id> == col<&user::id>)
                           .distinct()
                           .order_by(col<&order::total>.desc().nulls_last(), col<&user::name>.asc().nulls_first());
    CHECK(pg(query) ==
          "SELECT DISTINCT users.name, orders.total FROM users JOIN orders ON orders.user_id = users.id "
          "ORDER BY orders.total DESC NULLS LAST, users.name ASC NULLS FIRST");
    // MariaDB has no NULLS FIRST / LAST: "is NULL" sorts first (false before true)
    CHECK(maria(query) ==
          "SELECT DISTINCT users.name, orders.total FROM users JOIN orders ON orders.user_id = users.id "
          "ORDER BY orders.total IS NULL, orders.total DESC, users.name IS NULL DESC, users.name ASC");
    const auto outer = strata::select(col<&user::name>, strata::count(col<&order::id>))
                           .left_join<order>(col<&order::user_id> == col<&user::id>)
                           .group_by(col<&user::name>);
    CHECK(lite(outer) ==
          "SELECT users.name, count(orders.id) FROM users LEFT OUTER JOIN orders ON orders.user_id = users.id "
          "GROUP BY users.name");
}

TEST_CASE("EXISTS, scalar and correlated subqueries") {
    const auto has_orders =
        strata::exists(strata::select(col<&order::id>).where(col<&order::user_id> == col<&user::id>));
    CHECK(pg(strata::select(col<&user::name>).where(has_orders)) ==
          "SELECT users.name FROM users WHERE EXISTS (SELECT orders.id FROM orders WHERE orders.user_id = users.id)");
    CHECK(pg(strata::select(strata::exists(strata::select(col<&user::id>).where(col<&user::email> == "a@b")))) ==
          "SELECT EXISTS (SELECT users.id FROM users WHERE users.email = $1)");
    const auto order_count =
        strata::select(strata::count()).from<order>().where(col<&order::user_id> == col<&user::id>).scalar_subquery();
    CHECK(pg(strata::select(col<&user::name>, order_count.label("orders"))) ==
          "SELECT users.name, (SELECT count(*) FROM orders WHERE orders.user_id = users.id) AS orders FROM users");
    const auto top = strata::select(strata::max(col<&order::total>)).scalar_subquery();
    CHECK(lite(strata::select(col<&order::id>).where(col<&order::total> == top)) ==
          "SELECT orders.id FROM orders WHERE orders.total = (SELECT max(orders.total) FROM orders)");
}

TEST_CASE("FOR UPDATE variants on PostgreSQL are left out on SQLite") {
    const auto base = strata::select(col<&account::id>, col<&account::balance>).where(col<&account::id> == 1);
    CHECK(pg(base.for_update()) ==
          "SELECT accounts.id, accounts.balance FROM accounts WHERE accounts.id = $1 FOR UPDATE");
    CHECK(pg(base.for_update({.nowait = true})) ==
          "SELECT accounts.id, accounts.balance FROM accounts WHERE accounts.id = $1 FOR UPDATE NOWAIT");
    CHECK(
        pg(base.for_update({.skip_locked = true, .of = {strata::table_of<account>()}})) ==
        "SELECT accounts.id, accounts.balance FROM accounts WHERE accounts.id = $1 FOR UPDATE OF accounts SKIP LOCKED");
    CHECK(pg(base.for_share()) ==
          "SELECT accounts.id, accounts.balance FROM accounts WHERE accounts.id = $1 FOR SHARE");
    CHECK(pg(base.for_no_key_update()).ends_with("FOR NO KEY UPDATE"));
    CHECK(pg(base.for_key_share()).ends_with("FOR KEY SHARE"));
    CHECK(lite(base.for_update({.nowait = true})) ==
          "SELECT accounts.id, accounts.balance FROM accounts WHERE accounts.id = ?");
    // MariaDB: FOR UPDATE and LOCK IN SHARE MODE, with NOWAIT / SKIP LOCKED; no OF.
    CHECK(maria(base.for_update({.nowait = true})) ==
          "SELECT accounts.id, accounts.balance FROM accounts WHERE accounts.id = ? FOR UPDATE NOWAIT");
    CHECK(maria(base.for_update({.skip_locked = true})).ends_with(" FOR UPDATE SKIP LOCKED"));
    CHECK(maria(base.for_share()).ends_with(" LOCK IN SHARE MODE"));
    CHECK(maria(base.for_key_share()).ends_with(" LOCK IN SHARE MODE"));
    CHECK(maria(base.for_no_key_update()).ends_with(" FOR UPDATE"));
    // MariaDB locks the rows of every table read: OF naming all of them says nothing more, fewer is refused.
    CHECK(maria(base.for_update({.of = {strata::table_of<account>()}})).ends_with("accounts.id = ? FOR UPDATE"));
    const auto two_tables =
        strata::select(col<&account::id>, col<&user::id>).where(col<&account::id> == col<&user::id>);
    CHECK_THROWS_AS(maria(two_tables.for_update({.of = {strata::table_of<account>()}})), strata::not_supported_error);
    CHECK_THROWS_AS(base.for_update({.nowait = true, .skip_locked = true}), strata::usage_error);
}

TEST_CASE("INSERT, UPDATE and DELETE with RETURNING; UPDATE and DELETE columns are unqualified") {
    const auto insert = strata::insert<user>()
                            .value(col<&user::email>, "a@example.com")
                            .value(col<&user::name>, "A")
                            .value(col<&user::score>, 1.5)
                            .returning(col<&user::id>);
    CHECK(pg(insert) == "INSERT INTO users (email, name, score) VALUES ($1, $2, $3) RETURNING id");
    CHECK(lite(insert) == "INSERT INTO users (email, name, score) VALUES (?, ?, ?) RETURNING id");
    const auto update = strata::update<account>()
                            .set(col<&account::balance>, col<&account::balance> - 10)
                            .where(col<&account::id> == 7);
    CHECK(pg(update) == "UPDATE accounts SET balance = balance - $1 WHERE id = $2");
    CHECK(pg(strata::update<account>()
                 .set(col<&account::balance>, 5)
                 .where(col<&account::id> == 1)
                 .returning(col<&account::balance>)) ==
          "UPDATE accounts SET balance = $1 WHERE id = $2 RETURNING balance");
    CHECK(lite(strata::delete_from<order>().where(col<&order::total> < 0)) == "DELETE FROM orders WHERE total < ?");
    CHECK(pg(strata::delete_from<order>().returning(col<&order::id>)) == "DELETE FROM orders RETURNING id");
    CHECK_THROWS_AS(strata::update<account>().compile(dialect::sqlite), strata::usage_error);
    CHECK_THROWS_AS(strata::insert<user>().value(col<&user::score> + 1, 2.0), strata::usage_error);
}

TEST_CASE("an upsert emits ON CONFLICT DO NOTHING or DO UPDATE with excluded values, the same on both dialects") {
    const auto base = strata::insert<user>()
                          .value(col<&user::email>, "a@example.com")
                          .value(col<&user::name>, "A")
                          .value(col<&user::score>, 1.5);
    CHECK(pg(base.on_conflict_do_nothing()) ==
          "INSERT INTO users (email, name, score) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING");
    CHECK(lite(base.on_conflict_do_nothing(col<&user::email>)) ==
          "INSERT INTO users (email, name, score) VALUES (?, ?, ?) ON CONFLICT (email) DO NOTHING");
    const auto upsert = base.on_conflict_do_update(col<&user::email>)
                            .set(col<&user::name>, strata::excluded(col<&user::name>))
                            .set(col<&user::score>, col<&user::score> + strata::excluded(col<&user::score>))
                            .where(col<&user::score> < 100.0)
                            .returning(col<&user::id>, col<&user::score>);
    CHECK(pg(upsert) ==
          "INSERT INTO users (email, name, score) VALUES ($1, $2, $3) ON CONFLICT (email) DO UPDATE SET name = "
          "excluded.name, score = users.score + excluded.score WHERE users.score < $4 RETURNING id, score");
    CHECK(lite(upsert) ==
          "INSERT INTO users (email, name, score) VALUES (?, ?, ?) ON CONFLICT (email) DO UPDATE SET name = "
          "excluded.name, score = users.score + excluded.score WHERE users.score < ? RETURNING id, score");
    CHECK(pg(strata::insert<keyword_table>()
                 .value(col<&keyword_table::user>, "u")
                 .on_conflict_do_update(col<&keyword_table::user>)
                 .set(col<&keyword_table::group>, strata::excluded(col<&keyword_table::group>))) ==
          "INSERT INTO \"order\" (\"user\") VALUES ($1) ON CONFLICT (\"user\") DO UPDATE SET \"group\" = "
          "excluded.\"group\"");
    CHECK_THROWS_AS(base.set(col<&user::name>, "x"), strata::usage_error);
    CHECK_THROWS_AS(base.on_conflict_do_nothing().where(col<&user::score> > 1.0), strata::usage_error);
    CHECK_THROWS_AS(base.on_conflict_do_update(col<&user::email>).compile(dialect::postgresql), strata::usage_error);
}

TEST_CASE("reserved words as table and column names are quoted") {
    const auto query = strata::select(col<&keyword_table::user>, col<&keyword_table::group>)
                           .where(col<&keyword_table::group> > 1)
                           .order_by(col<&keyword_table::user>);
    CHECK(pg(query) ==
          "SELECT \"order\".\"user\", \"order\".\"group\" FROM \"order\" WHERE \"order\".\"group\" > $1 "
          "ORDER BY \"order\".\"user\"");
    CHECK(pg(strata::update<keyword_table>().set(col<&keyword_table::user>, "x")) ==
          "UPDATE \"order\" SET \"user\" = $1");
}

TEST_CASE("values are always parameters, never SQL text") {
    const std::string hostile = "x'; DROP TABLE users; -- /* $1 ? */";
    const auto compiled =
        strata::select(col<&user::id>).where(col<&user::name> == hostile).compile(dialect::postgresql);
    CHECK(compiled.sql == "SELECT users.id FROM users WHERE users.name = $1");
    CHECK(compiled.parameters.at(0).as_text() == hostile);
}

TEST_CASE("select statements are generative: building on one leaves it unchanged") {
    const auto base = strata::select(col<&user::id>);
    const auto adults = base.where(col<&user::age> >= 18);
    const auto named = base.where(col<&user::name> == "x");
    CHECK(pg(base) == "SELECT users.id FROM users");
    CHECK(pg(adults) == "SELECT users.id FROM users WHERE users.age >= $1");
    CHECK(pg(named) == "SELECT users.id FROM users WHERE users.name = $1");
}

TEST_CASE("the same statement shape with new values reuses the compiled text") {
    for (int value = 0; value < 3; ++value) {
        const auto compiled =
            strata::select(col<&user::id>).where(col<&user::age> == value).limit(value + 1).compile(dialect::sqlite);
        CHECK(compiled.sql == "SELECT users.id FROM users WHERE users.age = ? LIMIT ?");
        CHECK(compiled.parameters.at(0).as_integer() == value);
        CHECK(compiled.parameters.at(1).as_integer() == value + 1);
    }
    // A different shape is a different text, not a cache hit.
    CHECK(lite(strata::select(col<&user::id>).where(col<&user::age> != 1)) ==
          "SELECT users.id FROM users WHERE users.age != ?");
}

TEST_CASE("DDL: types per dialect, keys, identity, foreign keys, indexes, defaults, in foreign-key order") {
    const auto postgresql = strata::create_all_sql<order, user>(dialect::postgresql, {.if_not_exists = false});
    REQUIRE(postgresql.size() == 4);
    CHECK(postgresql[0] ==
          "CREATE TABLE users (id BIGINT GENERATED BY DEFAULT AS IDENTITY NOT NULL, email TEXT NOT NULL UNIQUE, "
          "name TEXT NOT NULL, age INTEGER, score DOUBLE PRECISION NOT NULL, PRIMARY KEY (id))");
    CHECK(postgresql[1] == "CREATE INDEX ix_users_name ON users (name)");
    CHECK(postgresql[2] ==
          "CREATE TABLE orders (id BIGINT GENERATED BY DEFAULT AS IDENTITY NOT NULL, user_id BIGINT NOT NULL, "
          "total BIGINT NOT NULL, note TEXT, PRIMARY KEY (id), "
          "FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE)");
    CHECK(postgresql[3] == "CREATE INDEX ix_orders_user_id ON orders (user_id)");
    const auto sqlite = strata::create_all_sql<user>(dialect::sqlite);  // IF NOT EXISTS by default
    CHECK(sqlite[0] ==
          "CREATE TABLE IF NOT EXISTS users (id INTEGER NOT NULL, email TEXT NOT NULL UNIQUE, name TEXT NOT NULL, "
          "age INTEGER, score REAL NOT NULL, PRIMARY KEY (id))");
    CHECK(sqlite[1] == "CREATE INDEX IF NOT EXISTS ix_users_name ON users (name)");
    CHECK(strata::create_all_sql<membership>(dialect::postgresql, {.if_not_exists = false})[0] ==
          "CREATE TABLE memberships (user_id BIGINT NOT NULL, group_id BIGINT NOT NULL, role TEXT NOT NULL DEFAULT "
          "'member', joined_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP, PRIMARY KEY (user_id, group_id), "
          "UNIQUE (group_id, role), FOREIGN KEY (user_id) REFERENCES users (id))");
    CHECK(strata::create_all_sql<post>(dialect::sqlite, {.if_not_exists = false})[1] ==
          "CREATE INDEX ix_posts_created_at_id ON posts (created_at, id)");
    CHECK(strata::create_all_sql<keyword_table>(dialect::postgresql, {.if_not_exists = false})[0] ==
          "CREATE TABLE \"order\" (id BIGINT GENERATED BY DEFAULT AS IDENTITY NOT NULL, \"user\" TEXT NOT NULL, "
          "\"group\" INTEGER NOT NULL, PRIMARY KEY (id))");
    CHECK(strata::create_all_sql<account>(dialect::postgresql, {.if_not_exists = false})[0] ==
          "CREATE TABLE accounts (id BIGINT NOT NULL, balance BIGINT NOT NULL, PRIMARY KEY (id))");
    CHECK(strata::drop_all_sql<user, order>() ==
          std::vector<std::string>{"DROP TABLE IF EXISTS orders", "DROP TABLE IF EXISTS users"});
}

TEST_CASE("a minus before a minus never reads as the start of a comment") {
    const auto query = strata::select(-(-col<&user::age>));
    CHECK(pg(query) == "SELECT - -users.age FROM users");
    CHECK(lite(query) == "SELECT - -users.age FROM users");
    CHECK(pg(strata::select(-(-(-col<&user::age>)))) == "SELECT - - -users.age FROM users");
}

TEST_CASE("an IN list is one array parameter on PostgreSQL and, past 1,000 values, one JSON text on SQLite") {
    const std::vector<std::int64_t> few{1, 2, 3};
    const auto pg_few = strata::select(col<&user::id>).where(col<&user::id>.in_(few)).compile(dialect::postgresql);
    REQUIRE(pg_few.parameters.size() == 1);
    CHECK(pg_few.parameters[0].as_text() == "{1,2,3}");
    std::vector<std::int64_t> many(70'000);
    for (std::size_t i = 0; i < many.size(); ++i) many[i] = static_cast<std::int64_t>(i);
    const auto pg_many = strata::select(col<&user::id>).where(col<&user::id>.in_(many)).compile(dialect::postgresql);
    CHECK(pg_many.sql == pg_few.sql);  // one prepared statement for every length
    CHECK(pg_many.parameters.size() == 1);
    const auto lite_many = strata::select(col<&user::id>).where(col<&user::id>.not_in(many)).compile(dialect::sqlite);
    CHECK(lite_many.sql == "SELECT users.id FROM users WHERE users.id NOT IN (SELECT value FROM json_each(?))");
    REQUIRE(lite_many.parameters.size() == 1);
    CHECK(lite_many.parameters[0].as_text().substr(0, 8) == "[0,1,2,3");
    const std::vector<std::optional<std::string>> names{"a\"b", std::nullopt, "c\\d"};
    const auto pg_text = strata::select(col<&user::id>).where(col<&user::name>.in_(names)).compile(dialect::postgresql);
    CHECK(pg_text.sql == "SELECT users.id FROM users WHERE users.name = ANY($1::TEXT[])");
    CHECK(pg_text.parameters.at(0).as_text() == R"({"a\"b",NULL,"c\\d"})");
    // A list holding an expression stays a list of placeholders.
    const std::vector<strata::expression<std::optional<std::int64_t>>> expressions{col<&user::age> + 1,
                                                                                   col<&user::age> + 2};
    CHECK(pg(strata::select(col<&user::id>).where(col<&user::id>.in_(expressions))) ==
          "SELECT users.id FROM users WHERE users.id IN (users.age + $1, users.age + $2)");
}

TEST_CASE("one bound value used in the select list and GROUP BY keeps one placeholder number") {
    const auto bucket = col<&user::age> / 10;
    const auto query = strata::select(bucket, strata::count()).group_by(bucket).order_by(bucket);
    CHECK(pg(query) == "SELECT users.age / $1, count(*) FROM users GROUP BY users.age / $1 ORDER BY users.age / $1");
    CHECK(lite(query) == "SELECT users.age / ?, count(*) FROM users GROUP BY users.age / ?1 ORDER BY users.age / ?1");
    CHECK(query.compile(dialect::postgresql).parameters.size() == 1);
    // The same shape with two separate values keeps two numbers: the cache tells the two apart.
    const auto other = strata::select(col<&user::age> / 10, strata::count())
                           .group_by(col<&user::age> / 10)
                           .order_by(col<&user::age> / 10);
    CHECK(pg(other) == "SELECT users.age / $1, count(*) FROM users GROUP BY users.age / $2 ORDER BY users.age / $3");
    CHECK(pg(query) == "SELECT users.age / $1, count(*) FROM users GROUP BY users.age / $1 ORDER BY users.age / $1");
}

TEST_CASE("SELECT DISTINCT ordered by an expression it does not select is refused on both dialects") {
    const auto query = strata::select(col<&user::name>).distinct().order_by(col<&user::age>);
    CHECK_THROWS_AS(query.compile(dialect::postgresql), strata::usage_error);
    CHECK_THROWS_AS(query.compile(dialect::sqlite), strata::usage_error);
    CHECK(pg(strata::select(col<&user::name>, col<&user::age>).distinct().order_by(col<&user::age>.desc())) ==
          "SELECT DISTINCT users.name, users.age FROM users ORDER BY users.age DESC");
}
