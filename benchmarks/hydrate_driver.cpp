// bench=hydrate_driver: 100,000 rows of (id, email, name, score, created_at) into a vector of
// structs, through strata's driver layer and through the raw C API, side by side in one run.
// Also compares PostgreSQL's text and binary result formats through strata (bench=pg_result_format).
#include <libpq-fe.h>
#include <sqlite3.h>

#include <bit>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include "strata/detail/timestamp_text.hpp"
#include "strata/driver/mariadb/connection.hpp"
#include "strata/driver/postgresql/binary.hpp"
#include "strata/driver/postgresql/connection.hpp"
#include "strata/mariadb.hpp"
#include "strata/postgresql.hpp"
#include "strata/sqlite.hpp"
#include "support/bench.hpp"
#include "support/raw_mariadb.hpp"
#include "support/raw_sqlite.hpp"

namespace {

constexpr int row_count = 100'000;
constexpr int rounds = 11;
constexpr const char* select_sql = "SELECT id, email, name, score, created_at FROM bench_users";

struct user {
    std::int64_t id;
    std::string email;
    std::string name;
    double score;
    strata::timestamp created_at;
};

void fill(strata::engine& engine) {
    auto connection = engine.connect();
    const auto dialect = engine.sql_dialect();
    connection.execute_script("DROP TABLE IF EXISTS bench_users");
    connection.execute_script(std::string{"CREATE TABLE bench_users (id BIGINT PRIMARY KEY, email TEXT NOT NULL, "
                                          "name TEXT NOT NULL, score "} +
                              (dialect == strata::dialect::postgresql ? "DOUBLE PRECISION"
                               : dialect == strata::dialect::mariadb  ? "DOUBLE"
                                                                      : "REAL") +
                              " NOT NULL, created_at " +
                              (dialect == strata::dialect::mariadb ? "DATETIME(6)" : "TIMESTAMP") + " NOT NULL)");
    strata::transaction transaction{connection};
    const strata::timestamp base{std::chrono::seconds{1'700'000'000}};
    for (std::int64_t id = 1; id <= row_count; ++id) {
        connection.execute("INSERT INTO bench_users (id, email, name, score, created_at) VALUES ($1, $2, $3, $4, $5)",
                           id, "user" + std::to_string(id) + "@example.com", "User Number " + std::to_string(id),
                           static_cast<double>(id) * 0.25, base + std::chrono::microseconds{id * 1'000'003});
    }
    transaction.commit();
}

std::vector<user> hydrate_strata(strata::connection& connection) {
    std::vector<user> users;
    users.reserve(row_count);
    auto result = connection.execute(select_sql);
    while (result.next()) {
        const strata::row row = result.current();
        users.push_back({row.get<std::int64_t>(0), row.get<std::string>(1), row.get<std::string>(2), row.get<double>(3),
                         row.get<strata::timestamp>(4)});
    }
    return users;
}

std::vector<user> hydrate_raw_sqlite(sqlite3* database) {
    std::vector<user> users;
    users.reserve(row_count);
    sqlite3_stmt* statement = nullptr;
    sqlite3_prepare_v2(database, select_sql, -1, &statement, nullptr);
    while (sqlite3_step(statement) == SQLITE_ROW) {
        auto text = [&](int column) {
            return std::string{reinterpret_cast<const char*>(sqlite3_column_text(statement, column)),
                               static_cast<std::size_t>(sqlite3_column_bytes(statement, column))};
        };
        const auto created = std::string_view{reinterpret_cast<const char*>(sqlite3_column_text(statement, 4)),
                                              static_cast<std::size_t>(sqlite3_column_bytes(statement, 4))};
        users.push_back({sqlite3_column_int64(statement, 0), text(1), text(2), sqlite3_column_double(statement, 3),
                         *strata::detail::parse_timestamp(created)});
    }
    sqlite3_finalize(statement);
    return users;
}

std::vector<user> hydrate_raw_postgresql(PGconn* connection) {
    using namespace strata::driver::postgresql_detail;
    std::vector<user> users;
    users.reserve(row_count);
    PGresult* result = PQexecParams(connection, select_sql, 0, nullptr, nullptr, nullptr, nullptr, 1);
    const int rows = PQntuples(result);
    for (int row = 0; row < rows; ++row) {
        auto text = [&](int column) {
            return std::string{PQgetvalue(result, row, column),
                               static_cast<std::size_t>(PQgetlength(result, row, column))};
        };
        users.push_back(
            {read_big_endian<std::int64_t>(PQgetvalue(result, row, 0)), text(1), text(2),
             std::bit_cast<double>(read_big_endian<std::uint64_t>(PQgetvalue(result, row, 3))),
             strata::timestamp{std::chrono::microseconds{read_big_endian<std::int64_t>(PQgetvalue(result, row, 4)) +
                                                         postgres_epoch_offset_microseconds}}});
    }
    PQclear(result);
    return users;
}

void check_same(const std::vector<user>& left, const std::vector<user>& right) {
    if (left.size() != right.size() || left.back().email != right.back().email ||
        left.back().created_at != right.back().created_at || left.back().score != right.back().score) {
        fmt::print(stderr, "strata and raw results differ\n");
        std::exit(1);
    }
}

void report(const char* backend, double strata_ms, double raw_ms) {
    fmt::print("bench=hydrate_driver backend={} rows={} strata_ms={:.2f} raw_ms={:.2f} ratio={:.3f}\n", backend,
               row_count, strata_ms, raw_ms, strata_ms / raw_ms);
}

}  // namespace

int main() {
    {
        const auto path = std::filesystem::temp_directory_path() / "strata_bench_hydrate.db";
        std::filesystem::remove(path);
        auto engine = strata::create_engine("sqlite:///" + path.string());
        fill(engine);
        auto connection = engine.connect();
        sqlite3* raw = bench::open_raw_sqlite(path.string());
        std::vector<user> a, b;
        const auto [strata_ms, raw_ms] = bench::best_of_alternating(
            rounds, [&] { a = hydrate_strata(connection); }, [&] { b = hydrate_raw_sqlite(raw); });
        check_same(a, b);
        sqlite3_close(raw);
        report("sqlite", strata_ms, raw_ms);
        std::filesystem::remove(path);
    }
    const auto url = bench::require_postgresql_url();
    auto engine = strata::create_engine(url);
    fill(engine);
    auto connection = engine.connect();
    auto text_engine = strata::create_engine(url, {.binary_results = false});
    auto text_connection = text_engine.connect();
    // The raw side uses a plain libpq connection (opened by strata's driver, then used through PQ* only).
    auto raw_owner = std::make_unique<strata::driver::postgresql_connection>(strata::parse_url(url),
                                                                             strata::driver::connect_options{});
    std::vector<user> a, b;
    const auto [strata_ms, raw_ms] = bench::best_of_alternating(
        rounds, [&] { a = hydrate_strata(connection); },
        [&] { b = hydrate_raw_postgresql(raw_owner->native_handle()); });
    check_same(a, b);
    report("postgresql", strata_ms, raw_ms);
    const auto [binary_ms, text_ms] = bench::best_of_alternating(
        rounds, [&] { a = hydrate_strata(connection); }, [&] { b = hydrate_strata(text_connection); });
    check_same(a, b);
    fmt::print(
        "bench=pg_result_format backend=postgresql rows={} binary_ms={:.2f} text_ms={:.2f} text_over_binary={:.3f}\n",
        row_count, binary_ms, text_ms, text_ms / binary_ms);
    connection.execute_script("DROP TABLE bench_users");
    if (const auto mariadb = bench::mariadb_url()) {
        auto mariadb_engine = strata::create_engine(*mariadb);
        fill(mariadb_engine);
        auto mariadb_connection = mariadb_engine.connect();
        // The raw side: a connection opened by strata's driver, then used through mysql_* only.
        const auto raw = std::make_unique<strata::driver::mariadb_connection>(strata::parse_url(*mariadb),
                                                                              strata::driver::connect_options{});
        const auto [maria_ms, raw_maria_ms] = bench::best_of_alternating(
            rounds, [&] { a = hydrate_strata(mariadb_connection); },
            [&] { b = bench::raw_mariadb_structs<user>(raw->native_handle(), select_sql, row_count); });
        check_same(a, b);
        report("mariadb", maria_ms, raw_maria_ms);
        mariadb_connection.execute_script("DROP TABLE bench_users");
    }
    return 0;
}
