// What only the MariaDB driver has, against the server scripts/test.sh starts
// (STRATA_TEST_MARIADB_URL): typed values both ways, errors by their number, transactions, the
// prepared-statement cache and its bound, URL options, a lost connection, the NOT IN
// re-execution fix. (Every other test file runs on MariaDB too, through for_each_backend.)
#include <catch2/catch.hpp>
#include <chrono>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "strata/mariadb.hpp"
#include "strata/orm.hpp"
#include "support/backends.hpp"
#include "support/library.hpp"

namespace {

struct sample {
    std::int64_t id = 0;
    std::int64_t number = 0;
    double real = 0;
    std::string text;
    strata::blob bytes;
    bool flag = false;
    strata::timestamp moment{};
    std::optional<std::string> maybe;
};

}  // namespace

template <>
struct strata::mapping<sample> {
    static constexpr auto table = strata::table(
        "samples", strata::column<&sample::id>("id", strata::primary_key), strata::column<&sample::number>("number"),
        strata::column<&sample::real>("real_value"), strata::column<&sample::text>("text_value", strata::unique),
        strata::column<&sample::bytes>("bytes"), strata::column<&sample::flag>("flag"),
        strata::column<&sample::moment>("moment"), strata::column<&sample::maybe>("maybe"));
};

namespace {

using strata::col;

using strata::testing::mariadb_url;

void create_samples(strata::connection& connection) {
    connection.execute_script(
        "DROP TABLE IF EXISTS children; DROP TABLE IF EXISTS samples; "
        "CREATE TABLE samples (id BIGINT AUTO_INCREMENT PRIMARY KEY, number BIGINT NOT NULL, real_value DOUBLE NOT "
        "NULL, text_value VARCHAR(255) NOT NULL UNIQUE, bytes BLOB NOT NULL, flag BOOLEAN NOT NULL, moment "
        "DATETIME(6) NOT NULL, maybe TEXT) ENGINE=InnoDB; "
        "CREATE TABLE children (id BIGINT PRIMARY KEY, sample_id BIGINT NOT NULL REFERENCES samples (id)) "
        "ENGINE=InnoDB");
}

strata::timestamp at(std::int64_t microseconds) { return strata::timestamp{std::chrono::microseconds{microseconds}}; }

sample make(std::string text, std::int64_t number) {
    return {0,
            number,
            0.25,
            std::move(text),
            strata::blob{std::byte{0}, std::byte{255}, std::byte{39}},
            true,
            at(1'700'000'000'123'456),
            std::nullopt};
}

void insert(strata::connection& connection, const sample& row) {
    connection.execute(strata::insert<sample>()
                           .value(col<&sample::number>, row.number)
                           .value(col<&sample::real>, row.real)
                           .value(col<&sample::text>, row.text)
                           .value(col<&sample::bytes>, row.bytes)
                           .value(col<&sample::flag>, row.flag)
                           .value(col<&sample::moment>, row.moment)
                           .value(col<&sample::maybe>, row.maybe));
}

}  // namespace

TEST_CASE("MariaDB: typed Core statements round-trip every value kind through prepared statements") {
    auto engine = strata::create_engine(mariadb_url());
    CHECK(engine.sql_dialect() == strata::dialect::mariadb);
    auto connection = engine.connect();
    create_samples(connection);
    const std::vector<sample> rows{
        {0, std::numeric_limits<std::int64_t>::max(), -1.5e300,
         "quote ' and \" and \\ and unicode \xc3\xa9\xe2\x82\xac",
         strata::blob{std::byte{0}, std::byte{0}, std::byte{10}}, false, at(0), std::string{"present"}},
        {0, std::numeric_limits<std::int64_t>::min(), 0.1, "", strata::blob{}, true, at(-86'400'000'000), std::nullopt},
        make("third", 42),
    };
    for (const auto& row : rows) insert(connection, row);
    const auto read = connection.execute(strata::select(col<&sample::id>, col<&sample::number>, col<&sample::real>,
                                                        col<&sample::text>, col<&sample::bytes>, col<&sample::flag>,
                                                        col<&sample::moment>, col<&sample::maybe>)
                                             .order_by(col<&sample::id>));
    REQUIRE(read.size() == 3);
    for (std::size_t i = 0; i < rows.size(); ++i) {
        const auto& [id, number, real, text, bytes, flag, moment, maybe] = read[i];
        CHECK(id == static_cast<std::int64_t>(i + 1));  // AUTO_INCREMENT
        CHECK(number == rows[i].number);
        CHECK(real == rows[i].real);
        CHECK(text == rows[i].text);
        CHECK(bytes == rows[i].bytes);
        CHECK(flag == rows[i].flag);
        CHECK(moment == rows[i].moment);
        CHECK(maybe == rows[i].maybe);
    }
    // A filtered, aggregated read: the SUM of integers comes back as DECIMAL text and reads as an integer.
    CHECK(connection.scalar(strata::select(strata::count()).where(col<&sample::flag> == true)) == 2);
    CHECK(connection.execute("SELECT SUM(id) FROM samples").scalar<std::int64_t>() == 6);
    CHECK(connection.execute("SELECT 'a' || 'b'").scalar<std::string>() == "ab");  // PIPES_AS_CONCAT
}

TEST_CASE("MariaDB: errors arrive as strata's exception types, by error number") {
    auto engine = strata::create_engine(mariadb_url());
    auto connection = engine.connect();
    create_samples(connection);
    insert(connection, make("taken", 1));
    try {
        insert(connection, make("taken", 2));
        FAIL("the duplicate should have failed");
    } catch (const strata::unique_violation& error) {
        CHECK(error.code() == "1062");
        CHECK(error.source() == strata::error_source::mariadb);
        CHECK(error.sql().find("INSERT INTO samples") == 0);
        CHECK(error.parameters().size() == 7);  // the values sent with it
    }
    CHECK_THROWS_AS(connection.execute("INSERT INTO children (id, sample_id) VALUES (?, ?)", 1, 999),
                    strata::foreign_key_violation);
    connection.execute("INSERT INTO children (id, sample_id) VALUES (?, ?)", 1, 1);
    CHECK_THROWS_AS(connection.execute("DELETE FROM samples"), strata::foreign_key_violation);
    CHECK_THROWS_AS(connection.execute("INSERT INTO samples (number) VALUES (NULL)"), strata::not_null_violation);
    CHECK_THROWS_AS(connection.execute("SELEC 1"), strata::programming_error);
    CHECK_THROWS_AS(connection.execute("SELECT * FROM no_such_table"), strata::programming_error);
    CHECK_THROWS_AS(connection.execute("SELECT 1", 2), strata::programming_error);  // one value too many
    const std::string too_long(300, 'x');
    CHECK_THROWS_AS(insert(connection, make(too_long, 3)), strata::data_error);  // STRICT_ALL_TABLES
    // The connection is still good after each of them.
    CHECK(connection.execute("SELECT count(*) FROM samples").scalar<std::int64_t>() == 1);
}

TEST_CASE("MariaDB: a prepared INSERT ... RETURNING that failed runs again on the same connection") {
    auto engine = strata::create_engine(mariadb_url(), {.pool_size = 1, .max_overflow = 0});
    auto connection = engine.connect();
    create_samples(connection);
    const std::string insert_returning =
        "INSERT INTO samples (number, real_value, text_value, bytes, flag, moment) VALUES (?, 0, ?, '', 0, "
        "'2020-01-01') RETURNING id";
    CHECK(connection.execute(insert_returning, 1, std::string{"a"}).scalar<std::int64_t>() == 1);
    for (int round = 0; round < 2; ++round) {
        CHECK_THROWS_AS(connection.execute(insert_returning, 2, std::string{"a"}), strata::unique_violation);
        CHECK(connection.execute(insert_returning, 3, "b" + std::to_string(round)).scalar<std::int64_t>() > 1);
    }
}

TEST_CASE("MariaDB: URL options reach the connector, and an unknown or malformed one is a url_error") {
    const std::string base = mariadb_url();
    const auto with = [&base](const std::string& query) { return base + "?" + query; };
    auto engine = strata::create_engine(with("connect_timeout=5&read_timeout=30&write_timeout=30"), {.pooled = false});
    CHECK(engine.connect().execute("SELECT 1").scalar<std::int64_t>() == 1);
    for (const auto* query : {"connect_timout=5", "connect_timeout=soon", "ssl_verify_server_cert=maybe"}) {
        auto refused = strata::create_engine(with(query), {.pooled = false});
        CHECK_THROWS_AS(refused.connect(), strata::url_error);
    }
    try {
        auto misspelt = strata::create_engine(with("unix_sockets=/tmp/x"), {.pooled = false});
        (void)misspelt.connect();
        FAIL("expected url_error");
    } catch (const strata::url_error& error) {
        CHECK_THAT(error.what(), Catch::Contains("unix_sockets") && Catch::Contains("connect_timeout"));
    }
}

TEST_CASE("MariaDB: a connection keeps at most 1,000 prepared statements, closing idle ones when full") {
    auto engine = strata::create_engine(mariadb_url(), {.pool_size = 1, .max_overflow = 0});
    auto connection = engine.connect();
    const auto prepared = [&connection] { return connection.native().statistics().statements_prepared; };
    const auto before = prepared();
    auto outer = connection.execute("SELECT 'kept while read'");  // in use: never closed under a reader
    int wrong = 0;
    for (int i = 0; i < 1'500; ++i)
        if (connection.execute("SELECT " + std::to_string(i)).scalar<std::int64_t>() != i) ++wrong;
    CHECK(wrong == 0);
    CHECK(prepared() - before == 1'501);
    REQUIRE(outer.next());
    CHECK(outer.current().get<std::string>(0) == "kept while read");
    // SELECT 0 was closed when the cache filled up: prepared again; SELECT 1499 is still cached.
    CHECK(connection.execute("SELECT 0").scalar<std::int64_t>() == 0);
    CHECK(prepared() - before == 1'502);
    CHECK(connection.execute("SELECT 1499").scalar<std::int64_t>() == 1'499);
    CHECK(prepared() - before == 1'502);
}

TEST_CASE("MariaDB: a prepared NOT IN (SELECT ...) run again with an empty subquery keeps its NULL rows") {
    // MariaDB 10.11 with its default optimizer_switch: the second execution below returned 225
    // rows, not 300, and a first empty one made a later non-empty one return 270, not 195.
    auto engine = strata::create_engine(mariadb_url(), {.pool_size = 1, .max_overflow = 0});
    auto connection = engine.connect();
    connection.execute_script(
        "DROP TABLE IF EXISTS not_in_rows; DROP TABLE IF EXISTS not_in_keys; "
        "CREATE TABLE not_in_keys (id BIGINT PRIMARY KEY); "
        "CREATE TABLE not_in_rows (id BIGINT AUTO_INCREMENT PRIMARY KEY, key_id BIGINT, INDEX (key_id)); "
        "INSERT INTO not_in_keys VALUES (1), (2), (3), (14), (15), (20); "
        "INSERT INTO not_in_rows (key_id) SELECT CASE WHEN seq % 4 = 0 THEN NULL ELSE seq % 20 + 1 END "
        "FROM seq_1_to_300");
    const std::string not_in =
        "SELECT count(*) FROM not_in_rows WHERE key_id NOT IN (SELECT id FROM not_in_keys WHERE id BETWEEN ? AND ?)";
    for (int round = 0; round < 2; ++round) {  // the same prepared statement, values changing
        CHECK(connection.execute(not_in, 1, 3).scalar<std::int64_t>() == 195);    // NULLs and 1-3 left out
        CHECK(connection.execute(not_in, 15, 14).scalar<std::int64_t>() == 300);  // NOT IN of nothing: every row
    }
    CHECK(connection.execute(not_in, 2, 2).scalar<std::int64_t>() == 210);
}

TEST_CASE("MariaDB: transactions commit and roll back, and an UPDATE counts the rows it matched") {
    auto engine = strata::create_engine(mariadb_url());
    auto connection = engine.connect();
    create_samples(connection);
    {
        strata::transaction transaction{connection};
        insert(connection, make("kept", 1));
        transaction.commit();
    }
    {
        strata::transaction transaction{connection};
        insert(connection, make("dropped", 2));
        CHECK(connection.in_transaction());
    }  // rolled back
    CHECK_FALSE(connection.in_transaction());
    CHECK(connection.execute("SELECT count(*) FROM samples").scalar<std::int64_t>() == 1);
    // The same value again: MySQL counts changed rows, strata asks for matched ones (CLIENT_FOUND_ROWS),
    // which is what a flush's row-count check means.
    const auto update = strata::update<sample>().set(col<&sample::number>, 1).where(col<&sample::text> == "kept");
    CHECK(connection.execute(update) == 1);
    CHECK(connection.execute(update) == 1);
    CHECK(connection.execute(
              strata::update<sample>().set(col<&sample::number>, 1).where(col<&sample::text> == "none")) == 0);
}

TEST_CASE("MariaDB: a connection prepares each statement once and reuses it") {
    auto engine = strata::create_engine(mariadb_url(), {.pool_size = 1, .max_overflow = 0});
    auto connection = engine.connect();
    create_samples(connection);
    const auto before = connection.native().statistics();
    for (int i = 0; i < 5; ++i) insert(connection, make("row" + std::to_string(i), i));
    const auto after = connection.native().statistics();
    CHECK(after.statements_prepared - before.statements_prepared == 1);
    CHECK(after.statements_executed - before.statements_executed == 5);
    // A statement read while the same one runs again (nested) gets a copy of its own.
    auto outer = connection.execute("SELECT number FROM samples WHERE number < ? ORDER BY number", 3);
    std::vector<std::int64_t> seen;
    while (outer.next()) {
        seen.push_back(outer.current().get<std::int64_t>(0));
        CHECK(connection.execute("SELECT number FROM samples WHERE number < ? ORDER BY number", 1)
                  .scalar<std::int64_t>() == 0);
    }
    CHECK(seen == std::vector<std::int64_t>{0, 1, 2});
}

TEST_CASE("MariaDB: a killed connection fails with operational_error and the pool replaces it") {
    auto engine = strata::create_engine(mariadb_url(), {.pool_size = 1, .max_overflow = 0, .pool_pre_ping = true});
    std::int64_t first_id = 0;
    {
        auto connection = engine.connect();
        CHECK(connection.native().ping());
        first_id = connection.execute("SELECT CONNECTION_ID()").scalar<std::int64_t>();
        auto admin = strata::create_engine(mariadb_url(), {.pooled = false}).connect();
        admin.execute_script("KILL CONNECTION " + std::to_string(first_id));
        CHECK_THROWS_AS(connection.execute("SELECT 1"), strata::operational_error);
        CHECK(connection.native().is_broken());
    }
    auto replaced = engine.connect();
    CHECK(replaced.execute("SELECT CONNECTION_ID()").scalar<std::int64_t>() != first_id);
}

TEST_CASE("MariaDB: raw SQL takes PostgreSQL's numbered placeholders too, in any order and repeated") {
    auto engine = strata::create_engine(mariadb_url());
    auto connection = engine.connect();
    auto rows = connection.execute("SELECT $2 - $1, '$1 stays', $1 /* $3 */", 1, 10);
    REQUIRE(rows.next());
    CHECK(rows.current().get<std::int64_t>(0) == 9);
    CHECK(rows.current().get<std::string>(1) == "$1 stays");
    CHECK(rows.current().get<std::int64_t>(2) == 1);
    CHECK_THROWS_AS(connection.execute("SELECT $1, $2", 1), strata::programming_error);
    // A recursive CTE goes as deep as its data, as on the other two (MariaDB stops at 1,000 by default).
    CHECK(connection
              .execute("WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $1) "
                       "SELECT count(*) FROM n",
                       5000)
              .scalar<std::int64_t>() == 5000);
}

TEST_CASE("MariaDB: an empty blob is not NULL, and a UNIQUE text column is an indexed VARCHAR(255)") {
    auto engine = strata::create_engine(mariadb_url());
    auto connection = engine.connect();
    connection.execute_script("DROP TABLE IF EXISTS blobs; CREATE TABLE blobs (id BIGINT PRIMARY KEY, data LONGBLOB)");
    connection.execute("INSERT INTO blobs (id, data) VALUES ($1, $2)", 1, strata::blob{});
    const auto read = connection.execute("SELECT data FROM blobs WHERE id = 1").scalar<std::optional<strata::blob>>();
    REQUIRE(read.has_value());
    CHECK(read->empty());
    // create_all: a UNIQUE std::string is VARCHAR(255) with a B-tree index that lookups use (a
    // UNIQUE TEXT's hash is not); a longer value fails loudly.
    connection.execute_script("DROP TABLE IF EXISTS children");
    strata::drop_all<sample>(engine);
    strata::create_all<sample>(engine);
    insert(connection, make(std::string(255, 'y'), 1));
    CHECK_THROWS_AS(insert(connection, make(std::string(255, 'y'), 2)), strata::unique_violation);
    CHECK_THROWS_AS(insert(connection, make(std::string(256, 'z'), 3)), strata::data_error);
    auto plan = connection.execute("EXPLAIN SELECT id FROM samples WHERE text_value = REPEAT('y', 255)");
    REQUIRE(plan.next());
    CHECK(plan.current().get<std::string>(3) == "const");  // the unique index, not a scan
}

TEST_CASE("MariaDB: mysql:// URLs reach the same driver") {
    std::string url = mariadb_url();
    url.replace(0, url.find(':'), "mysql");
    auto engine = strata::create_engine(url);
    CHECK(engine.sql_dialect() == strata::dialect::mariadb);
    CHECK(engine.connect().execute("SELECT 1 + 1").scalar<std::int64_t>() == 2);
}

TEST_CASE("MariaDB: create_all, the session's unit of work, loader strategies and row locks") {
    using namespace library;
    auto engine = strata::create_engine(mariadb_url());
    strata::drop_all<book_tag, tag, review, book, author, publisher>(engine);
    strata::create_all<book_tag, tag, review, book, author, publisher>(engine);
    {
        strata::session session{engine};
        publisher press_row;
        press_row.name = "press";
        auto press = session.add(std::move(press_row));
        std::vector<strata::ref<tag>> labels;
        for (const char* label : {"red", "green"}) {
            tag made;
            made.label = label;
            labels.push_back(session.add(std::move(made)));
        }
        for (int a = 0; a < 2; ++a) {
            author writer_row;
            writer_row.name = "Author " + std::to_string(a);
            auto writer = session.add(std::move(writer_row));
            for (int b = 0; b < 3; ++b) {
                book row;
                row.title = "book " + std::to_string(a) + "." + std::to_string(b);
                auto novel = session.add(std::move(row));
                novel->writer = writer;
                if (b != 0) novel->publisher_ref = press;  // the first book of each has none
                novel->reviews.add(session.add(review{0, 0, b + 1}));
                novel->tags.add(labels[static_cast<std::size_t>(b % 2)]);
            }
        }
        session.commit();
        CHECK(labels[1]->id == 2);  // AUTO_INCREMENT keys, read back by INSERT ... RETURNING
    }
    strata::session session{engine};
    strata::statement_counter counter{engine};
    auto writers =
        session.query<author>().options(strata::selectinload(&author::books)).order_by(col<&author::id>).all();
    REQUIRE(writers.size() == 2);
    CHECK(writers[1]->books.size() == 3);
    CHECK(counter.count() == 2);  // the authors, then all their books in one IN (...)
    CHECK(counter.statements()[1].find("WHERE books.author_id IN (?, ?)") != std::string::npos);
    counter.reset();
    auto novels = session.query<book>().options(strata::joinedload(&book::writer)).order_by(col<&book::id>).all();
    CHECK(novels.size() == 6);
    CHECK(novels[4]->writer->name == "Author 1");
    CHECK(novels[4]->tags.size() == 1);  // lazy: one more statement
    CHECK(counter.count() == 2);
    // Changed, removed (an orphan review is deleted), read again.
    auto first_review = novels[0]->reviews[0];  // loaded before the changes (a lazy load autoflushes)
    novels[0]->title = "renamed";
    novels[0]->reviews.remove(first_review);
    counter.reset();
    session.commit();
    CHECK(counter.statements().at(0) == "UPDATE books SET title = ? WHERE id = ?");
    CHECK(counter.statements().at(1) == "DELETE FROM reviews WHERE id = ?");
    CHECK(session.query<review>().count() == 5);
    CHECK(session.query<book>().filter(col<&book::title>.ilike("RENAMED")).count() == 1);
    CHECK(session.query<book>().filter(col<&book::id>.in_(std::vector<std::int64_t>{1, 2, 3})).count() == 3);
    CHECK(session.query<book>().order_by(col<&book::id>).offset(4).all().size() == 2);  // OFFSET without LIMIT
    // NULLs last although MariaDB sorts them first ascending: emulated with IS NULL.
    const auto by_publisher =
        session.query<book>().order_by(col<&book::publisher_id>.asc().nulls_last(), col<&book::id>).all();
    REQUIRE(by_publisher.size() == 6);
    CHECK(by_publisher.front()->publisher_id.has_value());
    CHECK_FALSE(by_publisher[4]->publisher_id.has_value());
    CHECK_FALSE(by_publisher[5]->publisher_id.has_value());
    // Row locks.
    counter.reset();
    auto locked = session.query<author>().with_for_update().filter(col<&author::id> == 1).one();
    CHECK(counter.statements().at(0).ends_with(" FOR UPDATE"));
    locked->name = "locked";
    session.commit();
    strata::lock_options of_authors;
    of_authors.of = {strata::table_of<author>()};
    CHECK_THROWS_AS(session.query<book>().with_for_update(of_authors).all(), strata::not_supported_error);
}
