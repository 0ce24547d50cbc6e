// benchmarks/support/raw_mariadb.hpp - the benchmarks' raw MariaDB side: Connector/C's binary
// protocol as a careful user writes it (a prepared statement, its rows stored client-side with
// exact lengths, fixed-width values fetched into fixed fields, one buffer per text column).
#pragma once

#include <mysql.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "strata/core/value.hpp"
#include "strata/driver/mariadb/connection.hpp"

namespace bench {

// DATETIME <-> timestamp as strata's driver converts them (as the PostgreSQL raw side uses
// strata's binary readers): the raw side's cost is the connector's, not a conversion of its own.
using strata::driver::mariadb_detail::to_mysql_time;
using strata::driver::mariadb_detail::to_timestamp;

/// Runs a statement without parameters, exiting with the server's message when it fails.
inline void raw_mariadb_query(MYSQL* handle, const char* sql) {
    if (mysql_query(handle, sql) != 0) {
        std::fprintf(stderr, "raw MariaDB: %s\n", mysql_error(handle));
        std::exit(1);
    }
}

[[noreturn]] inline void raw_mariadb_failed(MYSQL_STMT* statement) {
    std::fprintf(stderr, "raw MariaDB: %s\n", mysql_stmt_error(statement));
    std::exit(1);
}

/// `sql`'s rows of (BIGINT, text, text, DOUBLE, DATETIME), each handed to
/// `row(id, text, text, real, timestamp)`. `stored`: the result is stored client-side first, its
/// text buffers sized by the longest values; otherwise the rows are read as they arrive
/// (unbuffered, flat memory), into `text_capacity`-byte buffers every value here fits.
template <class Row>
void raw_mariadb_rows(MYSQL* handle, std::string_view sql, Row&& row, bool stored = true,
                      unsigned long text_capacity = 256) {
    MYSQL_STMT* statement = mysql_stmt_init(handle);
    if (mysql_stmt_prepare(statement, sql.data(), static_cast<unsigned long>(sql.size())) != 0)
        raw_mariadb_failed(statement);
    const my_bool update_max_length = 1;
    mysql_stmt_attr_set(statement, STMT_ATTR_UPDATE_MAX_LENGTH, &update_max_length);
    if (mysql_stmt_execute(statement) != 0 || (stored && mysql_stmt_store_result(statement) != 0))
        raw_mariadb_failed(statement);
    unsigned long first_capacity = text_capacity;
    unsigned long second_capacity = text_capacity;
    if (stored) {
        MYSQL_RES* metadata = mysql_stmt_result_metadata(statement);
        const MYSQL_FIELD* fields = mysql_fetch_fields(metadata);
        first_capacity = std::max<unsigned long>(fields[1].max_length, 1);
        second_capacity = std::max<unsigned long>(fields[2].max_length, 1);
        mysql_free_result(metadata);
    }
    std::int64_t id = 0;
    double real = 0;
    MYSQL_TIME time{};
    std::vector<char> first(first_capacity);
    std::vector<char> second(second_capacity);
    unsigned long first_length = 0;
    unsigned long second_length = 0;
    MYSQL_BIND binds[5]{};
    binds[0].buffer_type = MYSQL_TYPE_LONGLONG;
    binds[0].buffer = &id;
    binds[1].buffer_type = MYSQL_TYPE_STRING;
    binds[1].buffer = first.data();
    binds[1].buffer_length = first.size();
    binds[1].length = &first_length;
    binds[2].buffer_type = MYSQL_TYPE_STRING;
    binds[2].buffer = second.data();
    binds[2].buffer_length = second.size();
    binds[2].length = &second_length;
    binds[3].buffer_type = MYSQL_TYPE_DOUBLE;
    binds[3].buffer = &real;
    binds[4].buffer_type = MYSQL_TYPE_DATETIME;
    binds[4].buffer = &time;
    if (mysql_stmt_bind_result(statement, binds) != 0) raw_mariadb_failed(statement);
    while (mysql_stmt_fetch(statement) == 0)
        row(id, std::string_view{first.data(), first_length}, std::string_view{second.data(), second_length}, real,
            to_timestamp(time));
    mysql_stmt_close(statement);
}

/// `sql`'s rows of (BIGINT, text, text, DOUBLE, DATETIME) as `User{id, text, text, real, timestamp}`
/// structs, the rows stored first: the hydrate benchmarks' raw side.
template <class User>
std::vector<User> raw_mariadb_structs(MYSQL* handle, std::string_view sql, std::size_t expected_rows) {
    std::vector<User> users;
    users.reserve(expected_rows);
    raw_mariadb_rows(
        handle, sql,
        [&users](std::int64_t id, std::string_view first, std::string_view second, double real, strata::timestamp at) {
            users.push_back({id, std::string{first}, std::string{second}, real, at});
        });
    return users;
}

/// A prepared statement of integer and text columns, run with integer parameters, its rows stored
/// client-side and read through fixed binds: what the eager-load benchmark's raw side needs.
class raw_mariadb_statement {
public:
    raw_mariadb_statement(MYSQL* handle, std::string_view sql) : statement_(mysql_stmt_init(handle)) {
        if (mysql_stmt_prepare(statement_, sql.data(), static_cast<unsigned long>(sql.size())) != 0)
            raw_mariadb_failed(statement_);
        const my_bool update_max_length = 1;
        mysql_stmt_attr_set(statement_, STMT_ATTR_UPDATE_MAX_LENGTH, &update_max_length);
    }
    ~raw_mariadb_statement() { mysql_stmt_close(statement_); }
    raw_mariadb_statement(const raw_mariadb_statement&) = delete;
    raw_mariadb_statement& operator=(const raw_mariadb_statement&) = delete;

    /// How many ? the statement takes.
    [[nodiscard]] std::size_t parameter_count() const { return mysql_stmt_param_count(statement_); }

    /// Runs the statement with `keys` and calls `row(*this)` for each row (read with integer/text/is_null).
    template <class Row>
    void run(std::span<const std::int64_t> keys, Row&& row) {
        std::vector<MYSQL_BIND> parameters(keys.size());
        for (std::size_t i = 0; i < keys.size(); ++i) {
            parameters[i].buffer_type = MYSQL_TYPE_LONGLONG;
            parameters[i].buffer = const_cast<std::int64_t*>(&keys[i]);
        }
        if ((!keys.empty() && mysql_stmt_bind_param(statement_, parameters.data()) != 0) ||
            mysql_stmt_execute(statement_) != 0 || mysql_stmt_store_result(statement_) != 0)
            raw_mariadb_failed(statement_);
        MYSQL_RES* metadata = mysql_stmt_result_metadata(statement_);
        const unsigned count = mysql_num_fields(metadata);
        const MYSQL_FIELD* fields = mysql_fetch_fields(metadata);
        binds_.assign(count, MYSQL_BIND{});
        integers_.assign(count, 0);
        lengths_.assign(count, 0);
        nulls_.assign(count, 0);
        texts_.resize(count);
        for (unsigned i = 0; i < count; ++i) {
            binds_[i].is_null = &nulls_[i];
            binds_[i].length = &lengths_[i];
            if (fields[i].type == MYSQL_TYPE_LONGLONG || fields[i].type == MYSQL_TYPE_LONG) {
                binds_[i].buffer_type = MYSQL_TYPE_LONGLONG;
                binds_[i].buffer = &integers_[i];
            } else {
                texts_[i].resize(std::max<unsigned long>(fields[i].max_length, 1));
                binds_[i].buffer_type = MYSQL_TYPE_STRING;
                binds_[i].buffer = texts_[i].data();
                binds_[i].buffer_length = texts_[i].size();
            }
        }
        mysql_free_result(metadata);
        if (mysql_stmt_bind_result(statement_, binds_.data()) != 0) raw_mariadb_failed(statement_);
        while (mysql_stmt_fetch(statement_) == 0) row(*this);
        mysql_stmt_free_result(statement_);
    }
    [[nodiscard]] std::int64_t integer(std::size_t column) const { return integers_[column]; }
    [[nodiscard]] std::string text(std::size_t column) const { return {texts_[column].data(), lengths_[column]}; }
    [[nodiscard]] bool is_null(std::size_t column) const { return nulls_[column] != 0; }

private:
    MYSQL_STMT* statement_;
    std::vector<MYSQL_BIND> binds_;
    std::vector<std::int64_t> integers_;
    std::vector<unsigned long> lengths_;
    std::vector<my_bool> nulls_;
    std::vector<std::vector<char>> texts_;
};

}  // namespace bench
