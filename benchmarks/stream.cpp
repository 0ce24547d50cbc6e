// bench=stream: 1,000,000 rows streamed as session objects with yield_per(1000), against the raw
// C API reading the same rows in batches into structs (on PostgreSQL a cursor whose next FETCH
// is sent before the current batch is read, the fastest raw path found; sqlite3_step on SQLite);
// each side in its own process, so each peak RSS is its own.
// bench=pg_stream_mode: yield_per through a server-side cursor against libpq's single-row mode,
// and the raw cursor with its FETCHes pipelined against one FETCH at a time.
// Each side runs 3 times, alternately, each time in a fresh child process (best time, highest peak RSS).
#include <libpq-fe.h>
#include <sqlite3.h>

#include <algorithm>
#include <bit>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "strata/detail/timestamp_text.hpp"
#include "strata/driver/mariadb/connection.hpp"
#include "strata/driver/postgresql/binary.hpp"
#include "strata/driver/postgresql/connection.hpp"
#include "strata/mariadb.hpp"
#include "strata/orm.hpp"
#include "strata/postgresql.hpp"
#include "strata/sqlite.hpp"
#include "support/bench.hpp"
#include "support/child.hpp"  // examples/support: shared with 03_yield_per
#include "support/raw_mariadb.hpp"
#include "support/raw_sqlite.hpp"

namespace {

struct user {
    std::int64_t id = 0;
    std::string email;
    std::string name;
    double score = 0;
    strata::timestamp created_at{};
};

constexpr const char* select_sql = "SELECT id, email, name, score, created_at FROM stream_users";

}  // namespace

template <>
struct strata::mapping<user> {
    static constexpr auto table = strata::table("stream_users",                                        //
                                                strata::column<&user::id>("id", strata::primary_key),  //
                                                strata::column<&user::email>("email"),                 //
                                                strata::column<&user::name>("name"),                   //
                                                strata::column<&user::score>("score"),                 //
                                                strata::column<&user::created_at>("created_at"));
};

namespace {

void fill(const strata::engine& engine, std::int64_t rows) {
    strata::drop_all<user>(engine);
    strata::create_all<user>(engine);
    auto connection = engine.connect();
    const auto dialect = connection.sql_dialect();
    const std::string time = dialect == strata::dialect::postgresql ? "TIMESTAMP '2024-01-01' + n * INTERVAL '1 second'"
                             : dialect == strata::dialect::mariadb
                                 ? "TIMESTAMP '2024-01-01 00:00:00' + INTERVAL n SECOND"
                                 : "strftime('%Y-%m-%d %H:%M:%S.000000', '2024-01-01', '+' || n || ' seconds')";
    // INSERT ... WITH ... SELECT: the form all three take
    connection.execute(
        "INSERT INTO stream_users (id, email, name, score, created_at) "
        "WITH RECURSIVE c(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM c WHERE n < $1) "
        "SELECT n, 'user' || n || '@example.com', 'User Number ' || n, n * 0.25, " +
            time + " FROM c",
        rows);
    // The first scan after the INSERT would set every row's hint bits and write the pages back:
    // a cost of the fill, not of reading, that would fall on whichever side ran first.
    if (connection.sql_dialect() == strata::dialect::postgresql)
        connection.execute_script("VACUUM ANALYZE stream_users");
}

std::int64_t stream_strata(const strata::engine& engine) {
    strata::session session{engine};
    std::int64_t sum = 0;
    for (const auto& item : session.query<user>().yield_per(1000))
        sum += item->id + static_cast<std::int64_t>(item->email.size());
    return sum;
}

std::int64_t stream_raw_sqlite(const std::string& path) {
    sqlite3* database = bench::open_raw_sqlite(path);
    sqlite3_stmt* statement = nullptr;
    sqlite3_prepare_v2(database, select_sql, -1, &statement, nullptr);
    std::vector<user> batch;
    std::int64_t sum = 0;
    while (sqlite3_step(statement) == SQLITE_ROW) {
        auto text = [&](int column) {
            return std::string{reinterpret_cast<const char*>(sqlite3_column_text(statement, column)),
                               static_cast<std::size_t>(sqlite3_column_bytes(statement, column))};
        };
        const auto created = std::string_view{reinterpret_cast<const char*>(sqlite3_column_text(statement, 4)),
                                              static_cast<std::size_t>(sqlite3_column_bytes(statement, 4))};
        batch.push_back({sqlite3_column_int64(statement, 0), text(1), text(2), sqlite3_column_double(statement, 3),
                         *strata::detail::parse_timestamp(created)});
        if (batch.size() == 1000) {
            for (const auto& item : batch) sum += item.id + static_cast<std::int64_t>(item.email.size());
            batch.clear();
        }
    }
    for (const auto& item : batch) sum += item.id + static_cast<std::int64_t>(item.email.size());
    sqlite3_finalize(statement);
    sqlite3_close(database);
    return sum;
}

/// `pipelined`: the next FETCH is sent as soon as a batch has arrived, so the server produces it
/// while the client reads this one (what strata's cursor does); otherwise one FETCH at a time.
std::int64_t stream_raw_postgresql(const std::string& url, bool pipelined) {
    using namespace strata::driver::postgresql_detail;
    auto owner = std::make_unique<strata::driver::postgresql_connection>(strata::parse_url(url),
                                                                         strata::driver::connect_options{});
    PGconn* connection = owner->native_handle();
    PQclear(PQexec(connection, "BEGIN"));
    PQclear(PQexec(connection, (std::string{"DECLARE raw_cursor NO SCROLL CURSOR FOR "} + select_sql).c_str()));
    constexpr const char* fetch = "FETCH FORWARD 1000 FROM raw_cursor";
    constexpr int batch_rows = 1000;
    auto send = [&] { PQsendQueryParams(connection, fetch, 0, nullptr, nullptr, nullptr, nullptr, 1); };
    auto receive = [&] {
        PGresult* result = PQgetResult(connection);
        while (PGresult* rest = PQgetResult(connection)) PQclear(rest);
        return result;
    };
    std::int64_t sum = 0;
    std::vector<user> batch;
    if (pipelined) send();
    while (true) {
        PGresult* result = nullptr;
        if (pipelined) {
            result = receive();
            if (PQntuples(result) == batch_rows) send();
        } else {
            result = PQexecParams(connection, fetch, 0, nullptr, nullptr, nullptr, nullptr, 1);
        }
        const int rows = PQntuples(result);
        batch.clear();
        for (int row = 0; row < rows; ++row) {
            auto text = [&](int column) {
                return std::string{PQgetvalue(result, row, column),
                                   static_cast<std::size_t>(PQgetlength(result, row, column))};
            };
            batch.push_back(
                {read_big_endian<std::int64_t>(PQgetvalue(result, row, 0)), text(1), text(2),
                 std::bit_cast<double>(read_big_endian<std::uint64_t>(PQgetvalue(result, row, 3))),
                 strata::timestamp{std::chrono::microseconds{read_big_endian<std::int64_t>(PQgetvalue(result, row, 4)) +
                                                             postgres_epoch_offset_microseconds}}});
        }
        PQclear(result);
        for (const auto& item : batch) sum += item.id + static_cast<std::int64_t>(item.email.size());
        if (rows < batch_rows) break;
    }
    PQclear(PQexec(connection, "COMMIT"));
    return sum;
}

/// Connector/C's fastest flat-memory read: the prepared statement's rows fetched from the
/// connection one at a time as they arrive (no mysql_stmt_store_result), into batches of structs.
std::int64_t stream_raw_mariadb(const std::string& url) {
    const auto owner =
        std::make_unique<strata::driver::mariadb_connection>(strata::parse_url(url), strata::driver::connect_options{});
    std::vector<user> batch;
    std::int64_t sum = 0;
    bench::raw_mariadb_rows(
        owner->native_handle(), select_sql,
        [&](std::int64_t id, std::string_view email, std::string_view name, double score, strata::timestamp at) {
            batch.push_back({id, std::string{email}, std::string{name}, score, at});
            if (batch.size() == 1000) {
                for (const auto& item : batch) sum += item.id + static_cast<std::int64_t>(item.email.size());
                batch.clear();
            }
        },
        false);
    for (const auto& item : batch) sum += item.id + static_cast<std::int64_t>(item.email.size());
    return sum;
}

void report(const char* backend, std::int64_t rows, const bench::child_measurement& strata_side,
            const bench::child_measurement& raw_side) {
    fmt::print(
        "bench=stream backend={} rows={} strata_ms={:.1f} raw_ms={:.1f} ratio={:.3f} strata_peak_rss_mb={:.1f} "
        "raw_peak_rss_mb={:.1f}\n",
        backend, rows, strata_side.ms, raw_side.ms, strata_side.ms / raw_side.ms, strata_side.peak_rss_mb,
        raw_side.peak_rss_mb);
}

}  // namespace

/// Runs the two sides alternately in fresh child processes, `rounds` times each: the fastest
/// time of each side, and the highest peak RSS any of its runs reached (memory is the claim).
std::pair<bench::child_measurement, bench::child_measurement> alternate(const std::function<void()>& strata_body,
                                                                        const std::function<void()>& raw_body,
                                                                        int rounds = 3) {
    bench::child_measurement best_strata{1e300, 0}, best_raw{1e300, 0};
    for (int round = 0; round < rounds; ++round) {
        for (auto* side : {&best_strata, &best_raw}) {
            const auto measured = bench::in_child(side == &best_strata ? strata_body : raw_body);
            side->ms = std::min(side->ms, measured.ms);
            side->peak_rss_mb = std::max(side->peak_rss_mb, measured.peak_rss_mb);
        }
    }
    return {best_strata, best_raw};
}

int main() {
    const auto url = bench::require_postgresql_url();
    for (const std::int64_t rows : {std::int64_t{100'000}, std::int64_t{1'000'000}}) {
        const auto path = (std::filesystem::temp_directory_path() / "strata_bench_stream.db").string();
        std::filesystem::remove(path);
        fill(strata::create_engine("sqlite:///" + path), rows);
        const auto [strata_side, raw_side] =
            alternate([&] { (void)stream_strata(strata::create_engine("sqlite:///" + path)); },
                      [&] { (void)stream_raw_sqlite(path); });
        report("sqlite", rows, strata_side, raw_side);
        std::filesystem::remove(path);

        fill(strata::create_engine(url), rows);
        const auto [strata_pg, raw_pg] = alternate([&] { (void)stream_strata(strata::create_engine(url)); },
                                                   [&] { (void)stream_raw_postgresql(url, true); });
        report("postgresql", rows, strata_pg, raw_pg);
        if (rows == 1'000'000) {
            const auto [single, one_at_a_time] =
                alternate([&] { (void)stream_strata(strata::create_engine(url, {.cursor_streaming = false})); },
                          [&] { (void)stream_raw_postgresql(url, false); });
            fmt::print(
                "bench=pg_stream_mode backend=postgresql rows={} cursor_ms={:.1f} single_row_ms={:.1f} "
                "cursor_peak_rss_mb={:.1f} single_row_peak_rss_mb={:.1f} raw_pipelined_fetch_ms={:.1f} "
                "raw_one_fetch_at_a_time_ms={:.1f}\n",
                rows, strata_pg.ms, single.ms, strata_pg.peak_rss_mb, single.peak_rss_mb, raw_pg.ms, one_at_a_time.ms);
        }
        strata::drop_all<user>(strata::create_engine(url));
        if (const auto mariadb = bench::mariadb_url()) {
            fill(strata::create_engine(*mariadb), rows);
            const auto [strata_maria, raw_maria] =
                alternate([&] { (void)stream_strata(strata::create_engine(*mariadb)); },
                          [&] { (void)stream_raw_mariadb(*mariadb); });
            report("mariadb", rows, strata_maria, raw_maria);
            strata::drop_all<user>(strata::create_engine(*mariadb));
        }
    }
    return 0;
}
