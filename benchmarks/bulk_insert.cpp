// bench=bulk_insert: session.bulk_insert of 100,000 users against the fastest raw C API path,
// side by side in one run (best of 3 alternating rounds, table truncated before each).
// bench=bulk_insert_paths: the raw paths measured to choose strata's: on PostgreSQL COPY text,
// COPY binary, multi-row INSERT (1,000 rows a statement) and pipeline mode (prepared INSERT per
// row, synced every 1,000); on SQLite one reused prepared INSERT and multi-row VALUES.
#include <libpq-fe.h>
#include <sqlite3.h>

#include <bit>
#include <charconv>
#include <cstring>
#include <filesystem>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "strata/detail/timestamp_text.hpp"
#include "strata/driver/mariadb/connection.hpp"
#include "strata/driver/postgresql/binary.hpp"
#include "strata/driver/postgresql/connection.hpp"
#include "strata/driver/postgresql/copy_format.hpp"
#include "strata/mariadb.hpp"
#include "strata/orm.hpp"
#include "strata/postgresql.hpp"
#include "strata/sqlite.hpp"
#include "support/bench.hpp"
#include "support/raw_mariadb.hpp"
#include "support/raw_sqlite.hpp"

namespace {

struct user {
    std::int64_t id = 0;
    std::string email;
    std::string name;
    std::optional<std::int32_t> age;
    double score = 0;
    strata::timestamp created_at{};
};

constexpr std::int64_t row_count = 100'000;
constexpr int rows_per_statement = 1'000;

}  // namespace

template <>
struct strata::mapping<user> {
    static constexpr auto table =
        strata::table("bulk_users",                                                                 //
                      strata::column<&user::id>("id", strata::primary_key, strata::autoincrement),  //
                      strata::column<&user::email>("email"),                                        //
                      strata::column<&user::name>("name"),                                          //
                      strata::column<&user::age>("age"),                                            //
                      strata::column<&user::score>("score"),                                        //
                      strata::column<&user::created_at>("created_at"));
};

namespace {

std::vector<user> make_users() {
    std::vector<user> users;
    users.reserve(row_count);
    const auto start = strata::timestamp{std::chrono::microseconds{1'700'000'000'000'000}};
    for (std::int64_t i = 0; i < row_count; ++i)
        users.push_back({0, "user" + std::to_string(i) + "@example.com", "User Number " + std::to_string(i),
                         i % 5 == 0 ? std::nullopt : std::optional<std::int32_t>{static_cast<std::int32_t>(i % 90)},
                         static_cast<double>(i) * 0.25, start + std::chrono::seconds{i}});
    return users;
}

/// The five columns of one user as text, for the raw text-parameter paths (formatted inside the
/// timed region, as strata formats inside it).
struct text_row {
    char age[16];
    char score[32];
    char created_at[40];
    const char* values[5];

    explicit text_row(const user& item) {
        *std::to_chars(age, age + sizeof age - 1, item.age.value_or(0)).ptr = '\0';
        *std::to_chars(score, score + sizeof score - 1, item.score).ptr = '\0';
        created_at[strata::detail::format_timestamp(item.created_at, created_at)] = '\0';
        values[0] = item.email.c_str();
        values[1] = item.name.c_str();
        values[2] = item.age ? age : nullptr;
        values[3] = score;
        values[4] = created_at;
    }
};

// ---- MariaDB, raw Connector/C ----

/// Multi-row VALUES: one prepared INSERT of `per_statement` rows (5 parameters each), executed
/// chunk by chunk in one transaction.
void mariadb_multi_row(MYSQL* handle, const std::vector<user>& users, std::size_t per_statement) {
    bench::raw_mariadb_query(handle, "START TRANSACTION");
    const auto prepare = [handle](std::size_t rows) {
        std::string sql = "INSERT INTO bulk_users (email, name, age, score, created_at) VALUES ";
        for (std::size_t row = 0; row < rows; ++row) sql += row ? ", (?, ?, ?, ?, ?)" : "(?, ?, ?, ?, ?)";
        MYSQL_STMT* statement = mysql_stmt_init(handle);
        if (mysql_stmt_prepare(statement, sql.data(), static_cast<unsigned long>(sql.size())) != 0)
            bench::raw_mariadb_failed(statement);
        return statement;
    };
    MYSQL_STMT* full = prepare(per_statement);
    std::vector<MYSQL_BIND> binds(per_statement * 5);
    std::vector<unsigned long> lengths(per_statement * 2);
    std::vector<MYSQL_TIME> times(per_statement);
    std::vector<my_bool> nulls(per_statement);
    for (std::size_t first = 0; first < users.size(); first += per_statement) {
        const std::size_t rows = std::min(per_statement, users.size() - first);
        MYSQL_STMT* statement = rows == per_statement ? full : prepare(rows);
        std::fill(binds.begin(), binds.end(), MYSQL_BIND{});
        for (std::size_t row = 0; row < rows; ++row) {
            const auto& item = users[first + row];
            MYSQL_BIND* bind = &binds[row * 5];
            lengths[row * 2] = item.email.size();
            lengths[row * 2 + 1] = item.name.size();
            bind[0].buffer_type = MYSQL_TYPE_STRING;
            bind[0].buffer = const_cast<char*>(item.email.data());
            bind[0].length = &lengths[row * 2];
            bind[1].buffer_type = MYSQL_TYPE_STRING;
            bind[1].buffer = const_cast<char*>(item.name.data());
            bind[1].length = &lengths[row * 2 + 1];
            nulls[row] = item.age ? 0 : 1;
            bind[2].buffer_type = MYSQL_TYPE_LONG;
            bind[2].buffer = item.age ? const_cast<std::int32_t*>(&*item.age) : nullptr;
            bind[2].is_null = &nulls[row];
            bind[3].buffer_type = MYSQL_TYPE_DOUBLE;
            bind[3].buffer = const_cast<double*>(&item.score);
            times[row] = bench::to_mysql_time(item.created_at);
            bind[4].buffer_type = MYSQL_TYPE_DATETIME;
            bind[4].buffer = &times[row];
        }
        if (mysql_stmt_bind_param(statement, binds.data()) != 0 || mysql_stmt_execute(statement) != 0)
            bench::raw_mariadb_failed(statement);
        if (statement != full) mysql_stmt_close(statement);
    }
    mysql_stmt_close(full);
    bench::raw_mariadb_query(handle, "COMMIT");
}

/// Connector/C's array binding: one prepared single-row INSERT executed with `per_execute` rows of
/// values at a time (STMT_ATTR_ARRAY_SIZE, column-wise arrays; the server runs them as one batch).
void mariadb_array_binding(MYSQL* handle, const std::vector<user>& users, std::size_t per_execute) {
    bench::raw_mariadb_query(handle, "START TRANSACTION");
    constexpr std::string_view sql =
        "INSERT INTO bulk_users (email, name, age, score, created_at) VALUES (?, ?, ?, ?, ?)";
    MYSQL_STMT* statement = mysql_stmt_init(handle);
    if (mysql_stmt_prepare(statement, sql.data(), static_cast<unsigned long>(sql.size())) != 0)
        bench::raw_mariadb_failed(statement);
    std::vector<const char*> emails(per_execute), names(per_execute);
    std::vector<unsigned long> email_lengths(per_execute), name_lengths(per_execute);
    std::vector<std::int32_t> ages(per_execute);
    std::vector<char> age_indicators(per_execute);
    std::vector<double> scores(per_execute);
    std::vector<MYSQL_TIME> times(per_execute);
    // Column-wise, a type without a fixed packed length (strings, and DATETIME too) is bound as an
    // array of pointers to the values.
    std::vector<MYSQL_TIME*> time_pointers(per_execute);
    for (std::size_t row = 0; row < per_execute; ++row) time_pointers[row] = &times[row];
    for (std::size_t first = 0; first < users.size(); first += per_execute) {
        const std::size_t rows = std::min(per_execute, users.size() - first);
        for (std::size_t row = 0; row < rows; ++row) {
            const auto& item = users[first + row];
            emails[row] = item.email.data();
            email_lengths[row] = item.email.size();
            names[row] = item.name.data();
            name_lengths[row] = item.name.size();
            ages[row] = item.age.value_or(0);
            age_indicators[row] = item.age ? STMT_INDICATOR_NONE : STMT_INDICATOR_NULL;
            scores[row] = item.score;
            times[row] = bench::to_mysql_time(item.created_at);
        }
        MYSQL_BIND binds[5]{};
        binds[0].buffer_type = MYSQL_TYPE_STRING;
        binds[0].buffer = emails.data();
        binds[0].length = email_lengths.data();
        binds[1].buffer_type = MYSQL_TYPE_STRING;
        binds[1].buffer = names.data();
        binds[1].length = name_lengths.data();
        binds[2].buffer_type = MYSQL_TYPE_LONG;
        binds[2].buffer = ages.data();
        binds[2].u.indicator = age_indicators.data();
        binds[3].buffer_type = MYSQL_TYPE_DOUBLE;
        binds[3].buffer = scores.data();
        binds[4].buffer_type = MYSQL_TYPE_DATETIME;
        binds[4].buffer = time_pointers.data();
        unsigned int size = static_cast<unsigned int>(rows);
        if (mysql_stmt_attr_set(statement, STMT_ATTR_ARRAY_SIZE, &size) != 0 ||
            mysql_stmt_bind_param(statement, binds) != 0 || mysql_stmt_execute(statement) != 0)
            bench::raw_mariadb_failed(statement);
    }
    mysql_stmt_close(statement);
    bench::raw_mariadb_query(handle, "COMMIT");
}

// ---- PostgreSQL, raw libpq ----

void expect(PGresult* result, ExecStatusType status, PGconn* connection) {
    if (PQresultStatus(result) != status) {
        fmt::print(stderr, "libpq: {}\n", PQerrorMessage(connection));
        std::exit(1);
    }
    PQclear(result);
}

void run(PGconn* connection, const char* sql) { expect(PQexec(connection, sql), PGRES_COMMAND_OK, connection); }

void copy_text(PGconn* connection, const std::vector<user>& users) {
    // Formatting the numbers is part of the path: the clock includes it.
    run(connection, "BEGIN");
    expect(PQexec(connection, "COPY bulk_users (email, name, age, score, created_at) FROM STDIN"), PGRES_COPY_IN,
           connection);
    std::string chunk;
    chunk.reserve(1 << 16);
    char buffer[40];
    for (const auto& item : users) {
        chunk += item.email;  // no character here needs COPY escaping
        chunk += '\t';
        chunk += item.name;
        chunk += '\t';
        if (item.age)
            chunk.append(buffer, std::to_chars(buffer, buffer + sizeof buffer, *item.age).ptr);
        else
            chunk += "\\N";
        chunk += '\t';
        chunk.append(buffer, std::to_chars(buffer, buffer + sizeof buffer, item.score).ptr);
        chunk += '\t';
        chunk.append(buffer, strata::detail::format_timestamp(item.created_at, buffer));
        chunk += '\n';
        if (chunk.size() > (1 << 16) - 512) {
            PQputCopyData(connection, chunk.data(), static_cast<int>(chunk.size()));
            chunk.clear();
        }
    }
    PQputCopyData(connection, chunk.data(), static_cast<int>(chunk.size()));
    PQputCopyEnd(connection, nullptr);
    expect(PQgetResult(connection), PGRES_COMMAND_OK, connection);
    run(connection, "COMMIT");
}

void copy_binary(PGconn* connection, const std::vector<user>& users) {
    using strata::driver::postgresql_detail::append_big_endian;
    using strata::driver::postgresql_detail::postgres_epoch_offset_microseconds;
    run(connection, "BEGIN");
    expect(PQexec(connection, "COPY bulk_users (email, name, age, score, created_at) FROM STDIN (FORMAT binary)"),
           PGRES_COPY_IN, connection);
    std::string chunk;
    strata::driver::postgresql_detail::append_binary_copy_header(chunk);
    for (const auto& item : users) {
        append_big_endian<std::int16_t>(chunk, 5);
        append_big_endian<std::int32_t>(chunk, static_cast<std::int32_t>(item.email.size()));
        chunk += item.email;
        append_big_endian<std::int32_t>(chunk, static_cast<std::int32_t>(item.name.size()));
        chunk += item.name;
        if (item.age) {
            append_big_endian<std::int32_t>(chunk, 4);
            append_big_endian<std::int32_t>(chunk, *item.age);
        } else {
            append_big_endian<std::int32_t>(chunk, -1);
        }
        append_big_endian<std::int32_t>(chunk, 8);
        append_big_endian<std::uint64_t>(chunk, std::bit_cast<std::uint64_t>(item.score));
        append_big_endian<std::int32_t>(chunk, 8);
        append_big_endian<std::int64_t>(
            chunk, item.created_at.time_since_epoch().count() - postgres_epoch_offset_microseconds);
        if (chunk.size() > (1 << 16) - 512) {
            PQputCopyData(connection, chunk.data(), static_cast<int>(chunk.size()));
            chunk.clear();
        }
    }
    append_big_endian<std::int16_t>(chunk, -1);
    PQputCopyData(connection, chunk.data(), static_cast<int>(chunk.size()));
    PQputCopyEnd(connection, nullptr);
    expect(PQgetResult(connection), PGRES_COMMAND_OK, connection);
    run(connection, "COMMIT");
}

std::string insert_values_sql(int rows, bool postgresql) {
    std::string sql = "INSERT INTO bulk_users (email, name, age, score, created_at) VALUES ";
    int number = 0;
    for (int row = 0; row < rows; ++row) {
        sql += row ? ", (" : "(";
        for (int column = 0; column < 5; ++column) {
            sql += column ? ", " : "";
            sql += postgresql ? "$" + std::to_string(++number) : std::string{"?"};
        }
        sql += ')';
    }
    return sql;
}

void multi_row_insert(PGconn* connection, const std::vector<user>& users) {
    run(connection, "BEGIN");
    const auto sql = insert_values_sql(rows_per_statement, true);
    expect(PQprepare(connection, "", sql.c_str(), 0, nullptr), PGRES_COMMAND_OK, connection);
    std::vector<const char*> values(5 * rows_per_statement);
    std::vector<text_row> texts;
    texts.reserve(rows_per_statement);
    for (std::size_t first = 0; first < users.size(); first += rows_per_statement) {
        texts.clear();
        for (std::size_t row = 0; row < rows_per_statement; ++row) {
            const auto& text = texts.emplace_back(users[first + row]);
            std::copy(text.values, text.values + 5, values.begin() + static_cast<std::ptrdiff_t>(row * 5));
        }
        expect(PQexecPrepared(connection, "", static_cast<int>(values.size()), values.data(), nullptr, nullptr, 0),
               PGRES_COMMAND_OK, connection);
    }
    run(connection, "COMMIT");
}

void pipeline(PGconn* connection, const std::vector<user>& users) {
    run(connection, "BEGIN");
    expect(PQprepare(connection, "bulk_row",
                     "INSERT INTO bulk_users (email, name, age, score, created_at) VALUES ($1, $2, $3, $4, $5)", 0,
                     nullptr),
           PGRES_COMMAND_OK, connection);
    PQenterPipelineMode(connection);
    for (std::size_t first = 0; first < users.size(); first += rows_per_statement) {
        for (std::size_t row = first; row < first + rows_per_statement; ++row) {
            const text_row text{users[row]};  // libpq copies the values into its output buffer
            PQsendQueryPrepared(connection, "bulk_row", 5, text.values, nullptr, nullptr, 0);
        }
        PQpipelineSync(connection);
        for (int row = 0; row < rows_per_statement; ++row) {
            expect(PQgetResult(connection), PGRES_COMMAND_OK, connection);
            PQclear(PQgetResult(connection));  // the nullptr ending each query's results
        }
        expect(PQgetResult(connection), PGRES_PIPELINE_SYNC, connection);
    }
    PQexitPipelineMode(connection);
    run(connection, "COMMIT");
    run(connection, "DEALLOCATE bulk_row");
}

// ---- SQLite, raw C API ----

void sqlite_insert(sqlite3* database, const std::vector<user>& users, int rows_at_once) {
    sqlite3_exec(database, "BEGIN", nullptr, nullptr, nullptr);
    sqlite3_stmt* statement = nullptr;
    sqlite3_prepare_v2(database, insert_values_sql(rows_at_once, false).c_str(), -1, &statement, nullptr);
    for (std::size_t first = 0; first < users.size(); first += static_cast<std::size_t>(rows_at_once)) {
        for (int row = 0; row < rows_at_once; ++row) {
            const auto& item = users[first + static_cast<std::size_t>(row)];
            const int base = row * 5;
            sqlite3_bind_text(statement, base + 1, item.email.data(), static_cast<int>(item.email.size()),
                              SQLITE_STATIC);
            sqlite3_bind_text(statement, base + 2, item.name.data(), static_cast<int>(item.name.size()), SQLITE_STATIC);
            if (item.age)
                sqlite3_bind_int(statement, base + 3, *item.age);
            else
                sqlite3_bind_null(statement, base + 3);
            sqlite3_bind_double(statement, base + 4, item.score);
            char time[40];  // SQLite keeps times as TEXT
            const auto length = strata::detail::format_timestamp(item.created_at, time);
            sqlite3_bind_text(statement, base + 5, time, static_cast<int>(length), SQLITE_TRANSIENT);
        }
        if (sqlite3_step(statement) != SQLITE_DONE) {
            fmt::print(stderr, "sqlite: {}\n", sqlite3_errmsg(database));
            std::exit(1);
        }
        sqlite3_reset(statement);
    }
    sqlite3_finalize(statement);
    sqlite3_exec(database, "COMMIT", nullptr, nullptr, nullptr);
}

// ---- strata ----

void strata_bulk(const strata::engine& engine, const std::vector<user>& users) {
    strata::session session{engine};
    session.bulk_insert<user>(users);
    session.commit();
}

/// Best time of each named variant over `rounds` alternating rounds, `reset` before each run.
std::map<std::string, double> measure(int rounds, const std::function<void()>& reset,
                                      const std::vector<std::pair<std::string, std::function<void()>>>& variants) {
    std::map<std::string, double> best;
    for (int round = 0; round < rounds; ++round) {
        for (const auto& [name, body] : variants) {
            reset();
            const auto start = std::chrono::steady_clock::now();
            body();
            const double ms =
                std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
            auto [place, inserted] = best.emplace(name, ms);
            if (!inserted) place->second = std::min(place->second, ms);
        }
    }
    return best;
}

std::int64_t count_rows(const strata::engine& engine) {
    auto connection = engine.connect();
    return connection.execute("SELECT count(*) FROM bulk_users").scalar<std::int64_t>();
}

void check_count(const strata::engine& engine, const char* what) {
    if (const auto rows = count_rows(engine); rows != row_count) {
        fmt::print(stderr, "bulk_insert benchmark: {} left {} rows, expected {}\n", what, rows, row_count);
        std::exit(1);
    }
}

}  // namespace

int main() {
    const auto url = bench::require_postgresql_url();
    const auto users = make_users();
    constexpr int rounds = 3;

    {  // SQLite: a file database, as an application would use.
        const auto path = (std::filesystem::temp_directory_path() / "strata_bench_bulk.db").string();
        std::filesystem::remove(path);
        const auto engine = strata::create_engine("sqlite:///" + path);
        strata::create_all<user>(engine);
        sqlite3* database = bench::open_raw_sqlite(path);
        sqlite3_busy_timeout(database, 5000);
        const auto reset = [&] { sqlite3_exec(database, "DELETE FROM bulk_users", nullptr, nullptr, nullptr); };
        const auto best = measure(rounds, reset,
                                  {{"prepared", [&] { sqlite_insert(database, users, 1); }},
                                   {"multi_row_values", [&] { sqlite_insert(database, users, 100); }},

                                   {"strata", [&] { strata_bulk(engine, users); }}});
        check_count(engine, "strata");
        const double raw = std::min(best.at("prepared"), best.at("multi_row_values"));
        fmt::print("bench=bulk_insert_paths backend=sqlite rows={} prepared_ms={:.1f} multi_row_values_ms={:.1f}\n",
                   row_count, best.at("prepared"), best.at("multi_row_values"));
        fmt::print("bench=bulk_insert backend=sqlite rows={} strata_ms={:.1f} raw_ms={:.1f} ratio={:.3f}\n", row_count,
                   best.at("strata"), raw, best.at("strata") / raw);
        sqlite3_close(database);
        std::filesystem::remove(path);
    }
    {
        const auto engine = strata::create_engine(url);
        strata::drop_all<user>(engine);
        strata::create_all<user>(engine);
        auto owner = std::make_unique<strata::driver::postgresql_connection>(strata::parse_url(url),
                                                                             strata::driver::connect_options{});
        PGconn* connection = owner->native_handle();
        const auto reset = [&] { run(connection, "TRUNCATE bulk_users"); };
        const auto best = measure(rounds, reset,
                                  {{"copy_text", [&] { copy_text(connection, users); }},
                                   {"copy_binary", [&] { copy_binary(connection, users); }},
                                   {"multi_row_insert", [&] { multi_row_insert(connection, users); }},
                                   {"pipeline", [&] { pipeline(connection, users); }},
                                   {"strata", [&] { strata_bulk(engine, users); }}});
        check_count(engine, "strata");
        double raw = 1e300;
        for (const auto* name : {"copy_text", "copy_binary", "multi_row_insert", "pipeline"})
            raw = std::min(raw, best.at(name));
        fmt::print(
            "bench=bulk_insert_paths backend=postgresql rows={} copy_text_ms={:.1f} copy_binary_ms={:.1f} "
            "multi_row_insert_ms={:.1f} pipeline_ms={:.1f}\n",
            row_count, best.at("copy_text"), best.at("copy_binary"), best.at("multi_row_insert"), best.at("pipeline"));
        fmt::print("bench=bulk_insert backend=postgresql rows={} strata_ms={:.1f} raw_ms={:.1f} ratio={:.3f}\n",
                   row_count, best.at("strata"), raw, best.at("strata") / raw);
        owner.reset();
        strata::drop_all<user>(engine);
    }
    if (const auto mariadb = bench::mariadb_url()) {
        const auto engine = strata::create_engine(*mariadb);
        strata::drop_all<user>(engine);
        strata::create_all<user>(engine);
        const auto owner = std::make_unique<strata::driver::mariadb_connection>(strata::parse_url(*mariadb),
                                                                                strata::driver::connect_options{});
        MYSQL* handle = owner->native_handle();
        const auto reset = [&] { bench::raw_mariadb_query(handle, "TRUNCATE bulk_users"); };
        const auto best = measure(rounds, reset,
                                  {{"multi_row_values", [&] { mariadb_multi_row(handle, users, 100); }},
                                   {"multi_row_values_1000", [&] { mariadb_multi_row(handle, users, 1000); }},
                                   {"array_binding", [&] { mariadb_array_binding(handle, users, 1000); }},
                                   {"strata", [&] { strata_bulk(engine, users); }}});
        check_count(engine, "strata");
        double raw = 1e300;
        for (const auto* name : {"multi_row_values", "multi_row_values_1000", "array_binding"})
            raw = std::min(raw, best.at(name));
        fmt::print(
            "bench=bulk_insert_paths backend=mariadb rows={} multi_row_values_ms={:.1f} "
            "multi_row_values_1000_ms={:.1f} array_binding_ms={:.1f}\n",
            row_count, best.at("multi_row_values"), best.at("multi_row_values_1000"), best.at("array_binding"));
        fmt::print("bench=bulk_insert backend=mariadb rows={} strata_ms={:.1f} raw_ms={:.1f} ratio={:.3f}\n", row_count,
                   best.at("strata"), raw, best.at("strata") / raw);
        strata::drop_all<user>(engine);
    }
    return 0;
}
