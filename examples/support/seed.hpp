// examples/support/seed.hpp - fills example tables fast on every database.
//
// One INSERT ... WITH RECURSIVE ... SELECT over a counter (a form SQLite, PostgreSQL and MariaDB
// all take) writes N rows in one statement, so examples spend their time on the pattern they show.
#pragma once

#include <cstdint>
#include <string>

#include "strata/engine/connection.hpp"

namespace examples {

/// SQL that repeats 'x' to `length` characters, per dialect.
inline std::string repeated_x(const strata::connection& connection, int length) {
    if (connection.sql_dialect() != strata::dialect::sqlite) return "repeat('x', " + std::to_string(length) + ")";
    return "substr(replace(hex(zeroblob(" + std::to_string((length + 1) / 2) + ")), '0', 'x'), 1, " +
           std::to_string(length) + ")";
}

/// SQL for a timestamp `seconds_expression` seconds after 2024-01-01, per dialect.
inline std::string timestamp_after(const strata::connection& connection, const std::string& seconds_expression) {
    if (connection.sql_dialect() == strata::dialect::postgresql)
        return "TIMESTAMP '2024-01-01 00:00:00' + (" + seconds_expression + ") * INTERVAL '1 second'";
    if (connection.sql_dialect() == strata::dialect::mariadb)
        return "TIMESTAMP '2024-01-01 00:00:00' + INTERVAL (" + seconds_expression + ") SECOND";
    return "strftime('%Y-%m-%d %H:%M:%S.000000', '2024-01-01', '+' || (" + seconds_expression + ") || ' seconds')";
}

/// INSERT INTO table (columns) SELECT values FROM n = 1..count, in one statement; `values` uses n.
inline void insert_generated(strata::connection& connection, const std::string& table, const std::string& columns,
                             const std::string& values, std::int64_t count) {
    connection.execute("INSERT INTO " + table + " (" + columns +
                           ") WITH RECURSIVE counter(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM counter WHERE n < $1) "
                           "SELECT " +
                           values + " FROM counter",
                       count);
}

}  // namespace examples
