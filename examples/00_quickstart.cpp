// 00_quickstart: connect by URL, create a table, write in a transaction, read typed rows back.
//
//   STRATA_URL=postgresql://user@localhost/db ./00_quickstart     (default: an SQLite file)
#include <fmt/core.h>

#include <cstdint>
#include <string>

#include "support/example.hpp"

int main() try {
    auto engine = strata::create_engine(examples::database_url());
    auto connection = engine.connect();
    connection.execute_script("DROP TABLE IF EXISTS quickstart_users");
    connection.execute_script(
        "CREATE TABLE quickstart_users (id BIGINT PRIMARY KEY, email TEXT NOT NULL UNIQUE, "
        "name TEXT NOT NULL, score DOUBLE PRECISION)");

    examples::variant_run run{engine, "quickstart", "insert_and_read"};
    {
        strata::transaction transaction{connection};
        for (std::int64_t id = 1; id <= 100; ++id) {
            connection.execute("INSERT INTO quickstart_users (id, email, name, score) VALUES ($1, $2, $3, $4)", id,
                               fmt::format("user{}@example.com", id), fmt::format("User {}", id), id * 1.5);
        }
        transaction.commit();
    }
    std::size_t rows = 0;
    double total = 0;
    for (const strata::row& row :
         connection.execute("SELECT id, email, score FROM quickstart_users WHERE score > $1 ORDER BY id", 75.0)) {
        total += row.get<double>(2);
        ++rows;
    }
    run.finish(rows);
    // 50 users have a score above 75 (ids 51..100).
    if (rows != 50 || total != 1.5 * (51 + 100) * 50 / 2) {
        fmt::print(stderr, "unexpected result: rows={} total={}\n", rows, total);
        return 1;
    }
    try {
        connection.execute("INSERT INTO quickstart_users (id, email, name) VALUES ($1, $2, $3)", 1, "x", "y");
        return 1;
    } catch (const strata::unique_violation& error) {
        fmt::print("duplicate id rejected as strata::unique_violation (code {})\n", error.code());
    }
    return 0;
} catch (const std::exception& error) {
    fmt::print(stderr, "error: {}\n", error.what());
    return 1;
}
