// bench=hydrate_orm: 100,000 rows as identity-mapped session objects (session.query<User>().all())
// against the raw C API filling a vector of structs, side by side in one run.
#include <libpq-fe.h>
#include <sqlite3.h>

#include <bit>
#include <filesystem>
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
#include "support/raw_mariadb.hpp"
#include "support/raw_sqlite.hpp"

namespace {

constexpr int row_count = 100'000;
constexpr int rounds = 7;
constexpr const char* select_sql = "SELECT id, email, name, score, created_at FROM orm_users";

struct user {
    std::int64_t id = 0;
    std::string email;
    std::string name;
    double score = 0;
    strata::timestamp created_at{};
};

}  // namespace

template <>
struct strata::mapping<user> {
    static constexpr auto table = strata::table("orm_users",                                           //
                                                strata::column<&user::id>("id", strata::primary_key),  //
                                                strata::column<&user::email>("email"),                 //
                                                strata::column<&user::name>("name"),                   //
                                                strata::column<&user::score>("score"),                 //
                                                strata::column<&user::created_at>("created_at"));
};

namespace {

void fill(const strata::engine& engine) {
    strata::drop_all<user>(engine);
    strata::create_all<user>(engine);
    auto connection = engine.connect();
    strata::transaction transaction{connection};
    const strata::timestamp base{std::chrono::seconds{1'700'000'000}};
    for (std::int64_t id = 1; id <= row_count; ++id)
        connection.execute("INSERT INTO orm_users (id, email, name, score, created_at) VALUES ($1, $2, $3, $4, $5)", id,
                           "user" + std::to_string(id) + "@example.com", "User Number " + std::to_string(id),
                           static_cast<double>(id) * 0.25, base + std::chrono::microseconds{id * 1'000'003});
    transaction.commit();
}

std::size_t hydrate_strata(const strata::engine& engine) {
    strata::session session{engine};  // a fresh identity map each round, as a request would have
    const auto users = session.query<user>().all();
    return users.size() + users.back()->email.size();
}

std::size_t hydrate_raw_sqlite(sqlite3* database) {
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
    return users.size() + users.back().email.size();
}

std::size_t hydrate_raw_postgresql(PGconn* connection) {
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
    return users.size() + users.back().email.size();
}

void report(const char* backend, double strata_ms, double raw_ms) {
    fmt::print("bench=hydrate_orm backend={} rows={} strata_ms={:.2f} raw_ms={:.2f} ratio={:.3f}\n", backend, row_count,
               strata_ms, raw_ms, strata_ms / raw_ms);
}

}  // namespace

int main() {
    std::size_t a = 0, b = 0;
    {
        const auto path = std::filesystem::temp_directory_path() / "strata_bench_hydrate_orm.db";
        std::filesystem::remove(path);
        auto engine = strata::create_engine("sqlite:///" + path.string());
        fill(engine);
        sqlite3* raw = bench::open_raw_sqlite(path.string());
        const auto [strata_ms, raw_ms] = bench::best_of_alternating(
            rounds, [&] { a = hydrate_strata(engine); }, [&] { b = hydrate_raw_sqlite(raw); });
        sqlite3_close(raw);
        if (a != b) return 1;
        report("sqlite", strata_ms, raw_ms);
        std::filesystem::remove(path);
    }
    const auto url = bench::require_postgresql_url();
    auto engine = strata::create_engine(url);
    fill(engine);
    auto raw_owner = std::make_unique<strata::driver::postgresql_connection>(strata::parse_url(url),
                                                                             strata::driver::connect_options{});
    const auto [strata_ms, raw_ms] = bench::best_of_alternating(
        rounds, [&] { a = hydrate_strata(engine); }, [&] { b = hydrate_raw_postgresql(raw_owner->native_handle()); });
    if (a != b) return 1;
    report("postgresql", strata_ms, raw_ms);
    strata::drop_all<user>(engine);
    if (const auto mariadb = bench::mariadb_url()) {
        auto mariadb_engine = strata::create_engine(*mariadb);
        fill(mariadb_engine);
        const auto raw = std::make_unique<strata::driver::mariadb_connection>(strata::parse_url(*mariadb),
                                                                              strata::driver::connect_options{});
        const auto [maria_ms, raw_maria_ms] = bench::best_of_alternating(
            rounds, [&] { a = hydrate_strata(mariadb_engine); },
            [&] {
                const auto users = bench::raw_mariadb_structs<user>(raw->native_handle(), select_sql, row_count);
                b = users.size() + users.back().email.size();
            });
        if (a != b) return 1;
        report("mariadb", maria_ms, raw_maria_ms);
        strata::drop_all<user>(mariadb_engine);
    }
    return 0;
}
