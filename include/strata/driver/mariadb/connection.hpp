// strata/driver/mariadb/connection.hpp - the MariaDB / MySQL driver over MariaDB Connector/C:
// one MYSQL* and its server-side prepared statements, read in the binary protocol.
//
// The session it opens speaks the SQL the other two databases speak where MariaDB can: double
// quotes for identifiers (ANSI_QUOTES), || for concatenation (PIPES_AS_CONCAT), a backslash that
// is only a character in a string literal (NO_BACKSLASH_ESCAPES), strict values,
// UTC timestamps, recursive CTEs as deep as the data (MariaDB stops at 1,000 by default);
// and UPDATE reports the rows it matched, not only the ones it changed
// (CLIENT_FOUND_ROWS), which is what a unit of work's row-count check means.
#pragma once

#include <mysql.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "strata/core/error.hpp"
#include "strata/core/url.hpp"
#include "strata/core/value.hpp"
#include "strata/detail/string_hash.hpp"
#include "strata/detail/timestamp_text.hpp"
#include "strata/driver/connection.hpp"
#include "strata/driver/mariadb/errors.hpp"

namespace strata::driver::mariadb_detail {

/// Microseconds since the epoch of a MYSQL_TIME read from a DATETIME column (UTC by convention).
[[nodiscard]] inline timestamp to_timestamp(const MYSQL_TIME& time) {
    using namespace std::chrono;
    const sys_days day{year{static_cast<int>(time.year)} / month{time.month} / std::chrono::day{time.day}};
    return time_point_cast<microseconds>(day) + hours{time.hour} + minutes{time.minute} + seconds{time.second} +
           microseconds{time.second_part};
}

/// A MYSQL_TIME holding `value` (a DATETIME(6)); data_error outside 0000-9999, which DATETIME
/// does not hold (MariaDB's own refusal would name a zero date instead).
[[nodiscard]] inline MYSQL_TIME to_mysql_time(timestamp value, std::string_view sql = {}) {
    using namespace std::chrono;
    if (!strata::detail::in_four_digit_years(value))
        throw data_error(strata::detail::outside_four_digit_years(value, "MariaDB"), "1292", std::string{sql},
                         error_source::mariadb);
    const auto day = floor<days>(value);
    const year_month_day date{day};
    const hh_mm_ss<microseconds> clock{value - day};
    MYSQL_TIME time{};
    time.year = static_cast<unsigned>(static_cast<int>(date.year()));
    time.month = static_cast<unsigned>(date.month());
    time.day = static_cast<unsigned>(date.day());
    time.hour = static_cast<unsigned>(clock.hours().count());
    time.minute = static_cast<unsigned>(clock.minutes().count());
    time.second = static_cast<unsigned>(clock.seconds().count());
    time.second_part = static_cast<unsigned long>(clock.subseconds().count());
    time.time_type = MYSQL_TIMESTAMP_DATETIME;
    return time;
}

/// SQL written with PostgreSQL's numbered placeholders ($1, $2 ...), as strata's raw-SQL calls take
/// on every database, in the ? form MariaDB prepares, and which value each ? takes.
struct numbered_placeholders {
    std::string sql;                  ///< the text with each $n replaced by ?
    std::vector<std::size_t> values;  ///< for each ?, the 0-based index of the value it binds
};

/// Rewrites the $n placeholders of `sql` outside string literals, quoted names and comments;
/// `values` stays empty when there are none (the text is prepared as written).
[[nodiscard]] inline numbered_placeholders rewrite_numbered_placeholders(std::string_view sql) {
    numbered_placeholders rewritten;
    rewritten.sql.reserve(sql.size());
    for (std::size_t i = 0; i < sql.size();) {
        const char c = sql[i];
        if (c == '\'' || c == '"' || c == '`') {  // a literal or a quoted name: copied to its closing quote
            const auto end = sql.find(c, i + 1);
            const auto stop = end == std::string_view::npos ? sql.size() : end + 1;
            rewritten.sql.append(sql.substr(i, stop - i));
            i = stop;
        } else if (c == '-' && i + 1 < sql.size() && sql[i + 1] == '-') {
            const auto end = sql.find('\n', i);
            const auto stop = end == std::string_view::npos ? sql.size() : end;
            rewritten.sql.append(sql.substr(i, stop - i));
            i = stop;
        } else if (c == '/' && i + 1 < sql.size() && sql[i + 1] == '*') {
            const auto end = sql.find("*/", i + 2);
            const auto stop = end == std::string_view::npos ? sql.size() : end + 2;
            rewritten.sql.append(sql.substr(i, stop - i));
            i = stop;
        } else if (c == '$' && i + 1 < sql.size() && sql[i + 1] >= '1' && sql[i + 1] <= '9') {
            std::size_t number = 0;
            std::size_t end = i + 1;
            while (end < sql.size() && sql[end] >= '0' && sql[end] <= '9') number = number * 10 + (sql[end++] - '0');
            rewritten.values.push_back(number - 1);
            rewritten.sql += '?';
            i = end;
        } else {
            rewritten.sql += c;
            ++i;
        }
    }
    return rewritten;
}

/// A server-side prepared statement kept for the life of the connection.
struct cached_statement {
    MYSQL_STMT* statement = nullptr;
    bool in_use = false;  ///< a live result reads it; a nested use prepares a transient copy
    /// The text as prepared: the SQL with its $n rewritten to ? (empty when it had none).
    std::string rewritten;
    /// Written with $n: for each ?, the value it binds (empty: the values in order).
    std::vector<std::size_t> value_of_placeholder;
    std::size_t value_count = 0;  ///< how many values an execution takes
};

/// How a result column is fetched: into an integer, a double, a MYSQL_TIME or bytes.
enum class column_storage : std::uint8_t { integer, real, time, bytes };

/// One column's fetch buffer.
struct fetched_column {
    column_storage storage = column_storage::bytes;
    bool is_unsigned = false;
    std::int64_t integer = 0;
    double real = 0;
    MYSQL_TIME time{};
    std::vector<char> bytes;
    unsigned long length = 0;
    my_bool null = 0;
    my_bool error = 0;
    mutable std::string text;  ///< a number read as text
};

/// The rows of one statement, fetched from the client-side buffer the server's answer went into.
class mariadb_result final : public result {
public:
    /// Takes `statement` (executed, its rows stored) until destroyed, then gives it back to
    /// `cached` (or closes it, a transient copy); `sql` (the connection's cached text) names it in errors.
    /// `unbuffered`: the connection's slot naming a statement whose rows are still on the wire
    /// (cleared when this result ends), when this result reads its rows as they arrive.
    /// `rows_sent`: false when the server answered a statement with result columns by an OK packet
    /// alone (see found_statement::rows_sent): the result has its columns and no row.
    mariadb_result(MYSQL_STMT* statement, cached_statement* cached, std::string_view sql, bool rows_sent,
                   MYSQL_STMT** unbuffered = nullptr, MYSQL* connection = nullptr)
        : statement_(statement),
          cached_(cached),
          rows_sent_(rows_sent),
          unbuffered_(unbuffered),
          connection_(connection),
          owned_sql_(cached == nullptr ? std::string{sql} : std::string{}),
          sql_(cached == nullptr ? std::string_view{owned_sql_} : sql) {
        affected_ = static_cast<std::int64_t>(mysql_stmt_affected_rows(statement));
        MYSQL_RES* metadata = mysql_stmt_result_metadata(statement);
        if (metadata == nullptr) {
            finish();
            return;
        }
        const unsigned count = mysql_num_fields(metadata);
        const MYSQL_FIELD* fields = mysql_fetch_fields(metadata);
        columns_.resize(count);
        binds_.assign(count, MYSQL_BIND{});
        names_.reserve(count);
        for (unsigned i = 0; i < count; ++i) {
            const MYSQL_FIELD& field = fields[i];
            names_.emplace_back(field.name, field.name_length);
            auto& column = columns_[i];
            auto& bind = binds_[i];
            bind.is_null = &column.null;
            bind.error = &column.error;
            bind.length = &column.length;
            switch (field.type) {
                case MYSQL_TYPE_TINY:
                case MYSQL_TYPE_SHORT:
                case MYSQL_TYPE_INT24:
                case MYSQL_TYPE_LONG:
                case MYSQL_TYPE_LONGLONG:
                case MYSQL_TYPE_YEAR:
                    column.storage = column_storage::integer;
                    column.is_unsigned = (field.flags & UNSIGNED_FLAG) != 0;
                    bind.buffer_type = MYSQL_TYPE_LONGLONG;
                    bind.buffer = &column.integer;
                    bind.is_unsigned = column.is_unsigned ? 1 : 0;
                    break;
                case MYSQL_TYPE_FLOAT:
                case MYSQL_TYPE_DOUBLE:
                    column.storage = column_storage::real;
                    bind.buffer_type = MYSQL_TYPE_DOUBLE;
                    bind.buffer = &column.real;
                    break;
                case MYSQL_TYPE_DATE:
                case MYSQL_TYPE_DATETIME:
                case MYSQL_TYPE_TIMESTAMP:
                    column.storage = column_storage::time;
                    bind.buffer_type = MYSQL_TYPE_DATETIME;
                    bind.buffer = &column.time;
                    break;
                default:  // strings, blobs, DECIMAL, JSON, BIT: the bytes as sent
                    column.storage = column_storage::bytes;
                    column.bytes.resize(std::max<unsigned long>(field.max_length, 1) + 1);
                    bind.buffer_type = MYSQL_TYPE_BLOB;
                    bind.buffer = column.bytes.data();
                    bind.buffer_length = column.bytes.size();
                    break;
            }
        }
        mysql_free_result(metadata);
        if (mysql_stmt_bind_result(statement_, binds_.data()) != 0) fail();
    }
    ~mariadb_result() override { finish(); }
    mariadb_result(const mariadb_result&) = delete;
    mariadb_result& operator=(const mariadb_result&) = delete;

    bool next() override {
        if (statement_ == nullptr || columns_.empty()) return false;
        if (!rows_sent_) {
            finish();
            return false;
        }
        const int status = mysql_stmt_fetch(statement_);
        if (status == MYSQL_NO_DATA) {
            finish();
            return false;
        }
        if (status == MYSQL_DATA_TRUNCATED)
            refetch_truncated();
        else if (status != 0)
            fail();
        return true;
    }
    [[nodiscard]] std::int64_t affected_rows() const override { return affected_; }
    [[nodiscard]] std::size_t known_row_count() const noexcept override { return row_count_; }
    [[nodiscard]] std::size_t column_count() const noexcept override { return columns_.size(); }
    [[nodiscard]] std::string_view column_name(std::size_t column) const override { return names_.at(column); }
    [[nodiscard]] bool is_null(std::size_t column) const override { return at(column).null != 0; }
    [[nodiscard]] bool read_bool(std::size_t column) const override { return read_integer(column) != 0; }
    [[nodiscard]] std::int64_t read_integer(std::size_t column) const override {
        const auto& field = present(column);
        switch (field.storage) {
            case column_storage::integer:
                if (field.is_unsigned && static_cast<std::uint64_t>(field.integer) > INT64_MAX)
                    conversion("an unsigned integer above INT64_MAX", column);
                return field.integer;
            case column_storage::real:
                return static_cast<std::int64_t>(field.real);
            case column_storage::bytes: {
                std::int64_t value = 0;
                const char* first = field.bytes.data();
                const char* last = first + field.length;
                const auto [end, status] = std::from_chars(first, last, value);
                // DECIMAL results (SUM of integers) arrive as text: "12" or "12.000"
                const bool whole =
                    end == last || (*end == '.' && std::all_of(end + 1, last, [](char c) { return c == '0'; }));
                if (status != std::errc{} || !whole) conversion("text that is not an integer", column);
                return value;
            }
            case column_storage::time:
                break;
        }
        conversion("a date and time", column);
    }
    [[nodiscard]] double read_real(std::size_t column) const override {
        const auto& field = present(column);
        switch (field.storage) {
            case column_storage::real:
                return field.real;
            case column_storage::integer:
                return field.is_unsigned ? static_cast<double>(static_cast<std::uint64_t>(field.integer))
                                         : static_cast<double>(field.integer);
            case column_storage::bytes: {  // DECIMAL as text
                double value = 0;
                const char* first = field.bytes.data();
                const char* last = first + field.length;
                const auto [end, status] = std::from_chars(first, last, value);
                if (status != std::errc{} || end != last) conversion("text that is not a number", column);
                return value;
            }
            case column_storage::time:
                break;
        }
        conversion("a date and time", column);
    }
    [[nodiscard]] std::string_view read_text(std::size_t column) const override {
        const auto& field = present(column);
        switch (field.storage) {
            case column_storage::bytes:
                return {field.bytes.data(), field.length};
            case column_storage::integer:
                field.text = field.is_unsigned ? std::to_string(static_cast<std::uint64_t>(field.integer))
                                               : std::to_string(field.integer);
                return field.text;
            case column_storage::real: {
                char buffer[32];
                const auto [end, status] = std::to_chars(buffer, buffer + sizeof buffer, field.real);
                field.text.assign(buffer, status == std::errc{} ? end : buffer);
                return field.text;
            }
            case column_storage::time:
                break;
        }
        conversion("a date and time", column);
    }
    [[nodiscard]] blob_view read_blob(std::size_t column) const override {
        const auto text = read_text(column);
        return {reinterpret_cast<const std::byte*>(text.data()), text.size()};
    }
    [[nodiscard]] timestamp read_timestamp(std::size_t column) const override {
        const auto& field = present(column);
        if (field.storage != column_storage::time) conversion("a value that is not a date and time", column);
        return to_timestamp(field.time);
    }

    /// Sets how many rows the stored result holds (known once they are in the client's buffer).
    void set_row_count(std::size_t rows) noexcept { row_count_ = rows; }

private:
    const fetched_column& at(std::size_t column) const {
        if (statement_ == nullptr) throw usage_error("a row was read after the result ended (call next() first)");
        if (column >= columns_.size())
            throw usage_error("column " + std::to_string(column) + " is out of range: the row has " +
                              std::to_string(columns_.size()) + " columns");
        return columns_[column];
    }
    const fetched_column& present(std::size_t column) const {
        const auto& field = at(column);
        if (field.null != 0)  // worded as the other drivers word it
            throw conversion_error("column " + std::to_string(column) + " (" + names_[column] +
                                   ") is NULL; read it as std::optional<T>");
        return field;
    }
    [[noreturn]] void conversion(const char* what, std::size_t column) const {
        throw conversion_error("column " + names_.at(column) + " holds " + what + ", which cannot be read as asked");
    }
    /// A value longer than its buffer (a stored result's max_length is exact, so only when the
    /// length was unknown): grows the buffer and fetches that column again.
    void refetch_truncated() {
        for (std::size_t i = 0; i < columns_.size(); ++i) {
            auto& column = columns_[i];
            if (column.error == 0 || column.storage != column_storage::bytes) continue;
            column.bytes.resize(column.length + 1);
            binds_[i].buffer = column.bytes.data();
            binds_[i].buffer_length = column.bytes.size();
            if (mysql_stmt_fetch_column(statement_, &binds_[i], static_cast<unsigned>(i), 0) != 0) fail();
        }
        if (mysql_stmt_bind_result(statement_, binds_.data()) != 0) fail();
    }
    [[noreturn]] void fail() {
        unsigned number = mysql_stmt_errno(statement_);
        std::string message = mysql_stmt_error(statement_);
        if (number == 0 && connection_ != nullptr) {  // a row that failed on the wire: the connection's error
            number = mysql_errno(connection_);
            message = mysql_error(connection_);
        }
        finish();
        throw_error(number, std::move(message), std::string{sql_});
    }
    /// Frees the stored rows and gives the statement back to its cache (or closes a transient one).
    void finish() noexcept {
        if (statement_ == nullptr) return;
        if (unbuffered_ != nullptr && *unbuffered_ == statement_) *unbuffered_ = nullptr;
        mysql_stmt_free_result(statement_);  // the rows still unread, if any, are read off and dropped
        if (cached_ != nullptr)
            cached_->in_use = false;
        else
            mysql_stmt_close(statement_);
        statement_ = nullptr;
    }

    MYSQL_STMT* statement_;
    cached_statement* cached_;
    bool rows_sent_;
    MYSQL_STMT** unbuffered_;
    MYSQL* connection_;      ///< where an error reading unbuffered rows is reported
    std::string owned_sql_;  ///< a transient statement's text (the cache may drop its entry meanwhile)
    std::string_view sql_;
    std::int64_t affected_ = 0;
    std::size_t row_count_ = 0;
    std::vector<fetched_column> columns_;
    std::vector<MYSQL_BIND> binds_;
    std::vector<std::string> names_;
};

/// One MariaDB connection.
class mariadb_connection final : public connection {
public:
    /// Connects to `address` (mariadb:// or mysql://user:password@host:port/database); the query
    /// takes the connector's options (see set_url_options).
    mariadb_connection(const url& address, const connect_options& options) : handle_(mysql_init(nullptr)) {
        (void)options;
        if (handle_ == nullptr)
            throw operational_error("mysql_init failed (out of memory)", "", "", error_source::mariadb);
        const unsigned timeout_seconds = 10;
        mysql_options(handle_, MYSQL_OPT_CONNECT_TIMEOUT, &timeout_seconds);
        mysql_options(handle_, MYSQL_SET_CHARSET_NAME, "utf8mb4");
        try {
            set_url_options(address);
        } catch (...) {
            mysql_close(handle_);
            handle_ = nullptr;
            throw;
        }
        const auto socket = address.query_value("unix_socket");
        const std::string host = address.host.empty() ? std::string{"localhost"} : address.host;
        const unsigned port = static_cast<unsigned>(address.port.value_or(3306));
        if (mysql_real_connect(handle_, host.c_str(), address.username.empty() ? nullptr : address.username.c_str(),
                               address.password.c_str(), address.database.empty() ? nullptr : address.database.c_str(),
                               port, socket ? socket->c_str() : nullptr,
                               CLIENT_FOUND_ROWS | CLIENT_MULTI_STATEMENTS) == nullptr) {
            const unsigned number = mysql_errno(handle_);
            std::string message = "could not connect to " + address.redacted() + ": " + mysql_error(handle_);
            mysql_close(handle_);
            handle_ = nullptr;
            throw_error(number, std::move(message), "");
        }
        // optimizer_switch: MariaDB 10.11's NULL-aware materialization of NOT IN (SELECT ...)
        // keeps what a prepared statement's first execution learned (whether the subquery was
        // empty) for the next executions, so a statement run again with other values returned
        // wrong rows (strata's differential test found it; tests/test_mariadb_driver.cpp shows
        // it). Without the two partial-match strategies MariaDB runs such a subquery per row.
        execute_script(
            "SET SESSION sql_mode = 'ANSI_QUOTES,PIPES_AS_CONCAT,NO_BACKSLASH_ESCAPES,STRICT_ALL_TABLES,"
            "NO_ZERO_DATE,NO_ENGINE_SUBSTITUTION', time_zone = '+00:00', max_recursive_iterations = 4294967295, "
            "optimizer_switch = 'partial_match_rowid_merge=off,partial_match_table_scan=off'");
    }
    ~mariadb_connection() override {
        for (auto& [sql, statement] : cache_) mysql_stmt_close(statement->statement);
        if (handle_ != nullptr) mysql_close(handle_);
    }
    mariadb_connection(const mariadb_connection&) = delete;
    mariadb_connection& operator=(const mariadb_connection&) = delete;

    [[nodiscard]] dialect sql_dialect() const noexcept override { return dialect::mariadb; }

    std::unique_ptr<result> execute(std::string_view sql, std::span<const parameter> parameters) override {
        const auto [statement, cached, kept, rows_sent] = run_prepared(
            sql, [&](const found_statement& found) { bind(found.statement, parameters, found.kept, sql); }, true);
        auto answer = std::make_unique<mariadb_result>(statement, cached, kept.sql, rows_sent);
        answer->set_row_count(static_cast<std::size_t>(mysql_stmt_num_rows(statement)));
        return answer;
    }

    [[nodiscard]] bool supports_batch() const noexcept override { return true; }

    /// Connector/C's array binding: the statement runs once with every row's values bound as one
    /// array per parameter, which the server executes as a batch (one round trip).
    std::unique_ptr<result> execute_batch(std::string_view sql, std::span<const parameter> values,
                                          std::size_t rows) override {
        const auto [statement, cached, kept, rows_sent] = run_prepared(
            sql,
            [&](const found_statement& found) {
                const std::size_t columns = mysql_stmt_param_count(found.statement);
                if (rows == 0 || !found.kept.order.empty() || values.size() != rows * columns)
                    throw programming_error("a batch takes rows of the statement's " + std::to_string(columns) +
                                                " ? parameters, in order (" + std::to_string(values.size()) +
                                                " values were given for " + std::to_string(rows) + " rows)",
                                            "", std::string{sql}, error_source::mariadb);
                bind_batch(found.statement, values, rows, columns, sql);
            },
            true);
        return std::make_unique<mariadb_result>(statement, cached, kept.sql, rows_sent);
    }

    /// Reads the rows as the server sends them, without storing them first (flat memory, and
    /// the fastest way Connector/C reads: bench=stream). While such a result is open the
    /// connection cannot run another statement, so one that comes first has the rest of those
    /// rows stored in the client (buffer_open_result): the loop goes on, its memory no longer flat.
    /// `batch_rows` is not needed: the rows come one by one.
    std::unique_ptr<result> execute_streaming(std::string_view sql, std::span<const parameter> parameters,
                                              std::size_t batch_rows) override {
        (void)batch_rows;
        const auto [statement, cached, kept, rows_sent] = run_prepared(
            sql, [&](const found_statement& found) { bind(found.statement, parameters, found.kept, sql); }, false);
        auto answer = std::make_unique<mariadb_result>(statement, cached, kept.sql, rows_sent, &unbuffered_, handle_);
        if (rows_sent) unbuffered_ = statement;
        return answer;
    }

    void execute_script(std::string_view sql) override {
        start_pending_transaction();
        ++statistics_.statements_executed;
        send_script(sql);
    }

    // START TRANSACTION waits for the transaction's first statement, so a transaction that
    // writes nothing costs no round trip (as on PostgreSQL, where BEGIN rides with it).
    void begin(begin_mode) override {
        in_transaction_ = true;
        start_pending_ = true;
    }
    void commit() override {
        if (!std::exchange(refused_in_transaction_, false)) return end_transaction("COMMIT");
        end_transaction("ROLLBACK");
        throw operational_error(
            "the transaction had failed (a value MariaDB rounded was refused), so COMMIT rolled it back", "25P02",
            "COMMIT", error_source::mariadb);
    }
    void rollback() override {
        refused_in_transaction_ = false;
        end_transaction("ROLLBACK");
    }
    void rollback_to_savepoint(std::string_view name) override {
        // Every savepoint predates the refused statement (nothing else ran after it), so this
        // undoes what it wrote.
        refused_in_transaction_ = false;
        connection::rollback_to_savepoint(name);
    }
    [[nodiscard]] bool in_transaction() const override { return in_transaction_; }

    bool ping() noexcept override {
        if (broken_) return false;
        if (unbuffered_ != nullptr) return true;  // rows are arriving: it is alive, and busy
        ++statistics_.round_trips;
        if (mysql_ping(handle_) == 0) return true;
        broken_ = true;
        return false;
    }
    void reset() override {
        if (is_broken()) return;
        if (in_transaction_) rollback();
    }
    [[nodiscard]] bool is_broken() const noexcept override { return broken_ || handle_ == nullptr; }
    [[nodiscard]] connection_statistics statistics() const noexcept override { return statistics_; }

    /// The MYSQL* handle, for calls strata does not wrap.
    [[nodiscard]] MYSQL* native_handle() const noexcept { return handle_; }

private:
    /// What every statement sent does first: the rows of a streaming result still on the wire are
    /// stored (the server answers one statement at a time), then a held START TRANSACTION is sent.
    void start_pending_transaction() {
        buffer_open_result();
        if (refused_in_transaction_)
            throw internal_error(
                "current transaction is aborted: a statement in it was refused after MariaDB had written a rounded or "
                "cut "
                "value; roll back, or roll back to a savepoint",
                "25P02", "", error_source::mariadb);
        if (!start_pending_) return;
        start_pending_ = false;
        send_script("START TRANSACTION");
    }
    void end_transaction(std::string_view statement) {
        buffer_open_result();
        in_transaction_ = false;
        if (std::exchange(start_pending_, false)) return;  // nothing was sent: nothing to end
        send_script(statement);
    }
    /// Stores the rest of a streaming result's rows in the client (libmariadb continues the
    /// result from them), so the connection can send another statement.
    void buffer_open_result() {
        MYSQL_STMT* open = std::exchange(unbuffered_, nullptr);
        if (open == nullptr || mysql_stmt_store_result(open) == 0) return;
        unsigned number = mysql_stmt_errno(open);
        std::string message = mysql_stmt_error(open);
        if (number == 0) {
            number = mysql_errno(handle_);
            message = mysql_error(handle_);
        }
        if (is_connection_lost(number)) broken_ = true;
        throw_error(number, std::move(message), "(the rows of a statement still being read)");
    }

    void send_script(std::string_view sql) {
        ++statistics_.round_trips;
        if (mysql_real_query(handle_, sql.data(), static_cast<unsigned long>(sql.size())) != 0) connection_failed(sql);
        // Every statement of a script answers in turn; the first that fails ends it.
        for (;;) {
            if (MYSQL_RES* rows = mysql_store_result(handle_)) mysql_free_result(rows);
            const int more = mysql_next_result(handle_);
            if (more == -1) break;
            if (more > 0) connection_failed(sql);
        }
    }

    /// The URL's query as Connector/C options: unix_socket (read at connect), connect_timeout,
    /// read_timeout, write_timeout (seconds), ssl_ca, ssl_capath, ssl_cert, ssl_key, ssl_cipher,
    /// ssl_verify_server_cert (true/false), ssl (true/false: TLS required). Any other key is a
    /// url_error: a misspelt option is not left out silently.
    void set_url_options(const url& address) {
        // (not a structured binding: clang 14 cannot capture one in the lambdas below)
        for (const auto& option : address.query) {
            const std::string& key = option.first;
            const std::string& value = option.second;
            const auto refuse = [&key, &value](const char* wanted) {
                std::string message = "MariaDB URL option ";
                message += key;
                message += " takes ";
                message += wanted;
                message += ", not '";
                message += value;
                message += "'";
                throw url_error(message);
            };
            const auto seconds = [&value, &refuse] {
                unsigned number = 0;
                const auto [end, status] = std::from_chars(value.data(), value.data() + value.size(), number);
                if (status != std::errc{} || end != value.data() + value.size()) refuse("whole seconds");
                return number;
            };
            const auto flag = [&value, &refuse] {
                if (value == "true" || value == "1") return my_bool{1};
                if (value != "false" && value != "0") refuse("true or false");
                return my_bool{0};
            };
            if (key == "unix_socket") continue;
            if (key == "connect_timeout" || key == "read_timeout" || key == "write_timeout") {
                const unsigned number = seconds();
                const auto which = key == "connect_timeout" ? MYSQL_OPT_CONNECT_TIMEOUT
                                   : key == "read_timeout"  ? MYSQL_OPT_READ_TIMEOUT
                                                            : MYSQL_OPT_WRITE_TIMEOUT;
                mysql_options(handle_, which, &number);
            } else if (key == "ssl_ca" || key == "ssl_capath" || key == "ssl_cert" || key == "ssl_key" ||
                       key == "ssl_cipher") {
                const auto which = key == "ssl_ca"       ? MYSQL_OPT_SSL_CA
                                   : key == "ssl_capath" ? MYSQL_OPT_SSL_CAPATH
                                   : key == "ssl_cert"   ? MYSQL_OPT_SSL_CERT
                                   : key == "ssl_key"    ? MYSQL_OPT_SSL_KEY
                                                         : MYSQL_OPT_SSL_CIPHER;
                mysql_options(handle_, which, value.c_str());
            } else if (key == "ssl_verify_server_cert") {
                const my_bool verify = flag();
                mysql_options(handle_, MYSQL_OPT_SSL_VERIFY_SERVER_CERT, &verify);
            } else if (key == "ssl") {
                const my_bool enforce = flag();
                mysql_options(handle_, MYSQL_OPT_SSL_ENFORCE, &enforce);
            } else {
                std::string message = "MariaDB URL option '";
                message += key;
                message +=
                    "' is not one strata passes on (unix_socket, connect_timeout, read_timeout, write_timeout, ssl, "
                    "ssl_ca, ssl_capath, ssl_cert, ssl_key, ssl_cipher, ssl_verify_server_cert)";
                throw url_error(message);
            }
        }
    }

    /// What a statement's cache entry knows of it, for one execution.
    struct statement_shape {
        std::string_view sql;                ///< the cache's key: lives as long as the connection
        std::span<const std::size_t> order;  ///< for each ?, the value it binds (empty: in order)
        std::size_t value_count;             ///< how many values an execution takes
    };
    /// A statement ready to execute.
    struct found_statement {
        MYSQL_STMT* statement;
        cached_statement* cached;  ///< null: a transient copy, closed with its result
        statement_shape kept;
        /// After execution: the server sent a result set. MariaDB 10.11 answers a prepared
        /// DELETE/INSERT ... RETURNING it finds no row for by plan (an impossible WHERE, such as
        /// `code = ? AND code = ?` with two values) with an OK packet on executions after the
        /// first, not with an empty result set (jOOQ #16977, MariaDB CONJ-1192): storing or
        /// fetching the rows then fails with "Commands out of sync" (2014), so such an answer is
        /// a result with its columns and no row.
        bool rows_sent = false;
    };
    /// The prepared statement of `sql`: the cached one, prepared now when new, or a transient
    /// copy while the cached one is still being read (a query run inside another's loop).
    found_statement statement_for(std::string_view sql) {
        auto found = cache_.find(sql);
        if (found == cache_.end()) {
            if (cache_.size() >= statement_cache_limit) drop_idle_statements();
            auto rewritten = rewrite_numbered_placeholders(sql);
            auto entry = std::make_unique<cached_statement>();
            entry->rewritten = rewritten.values.empty() ? std::string{} : std::move(rewritten.sql);
            entry->statement = prepare(entry->rewritten.empty() ? sql : entry->rewritten, sql);
            entry->value_count = rewritten.values.empty()
                                     ? mysql_stmt_param_count(entry->statement)
                                     : *std::max_element(rewritten.values.begin(), rewritten.values.end()) + 1;
            entry->value_of_placeholder = std::move(rewritten.values);
            found = cache_.emplace(std::string{sql}, std::move(entry)).first;
        }
        auto& cached = *found->second;
        const std::string_view text = found->first;
        if (!cached.in_use) {
            cached.in_use = true;
            return {cached.statement, &cached, {text, cached.value_of_placeholder, cached.value_count}};
        }
        MYSQL_STMT* copy = prepare(cached.rewritten.empty() ? text : std::string_view{cached.rewritten}, text);
        return {copy, nullptr, {text, cached.value_of_placeholder, cached.value_count}};
    }
    /// Runs `sql`'s prepared statement (found in the cache, or prepared now): `bind_values` binds
    /// it, then it executes; `store_rows`: its rows are stored client-side and a truncation note
    /// is refused. Any failure resets the statement (or its next execution would wait for an
    /// answer that never comes) and gives it back.
    ///
    /// A refused rounding must not stay written, yet MariaDB has written it by then: outside a
    /// transaction a writing statement runs in one of its own, rolled back on a refusal (two round
    /// trips more); inside one, the refusal fails the transaction as any error does on PostgreSQL
    /// (commit() rolls it back and says so; a rollback to a savepoint recovers).
    template <class Bind>
    found_statement run_prepared(std::string_view sql, Bind&& bind_values, bool store_rows) {
        start_pending_transaction();
        const bool own_transaction = store_rows && !in_transaction_ && writes_rows(sql);
        if (own_transaction) send_script("START TRANSACTION");
        auto found = statement_for(sql);
        try {
            bind_values(found);
            ++statistics_.statements_executed;
            ++statistics_.round_trips;
            if (mysql_stmt_execute(found.statement) != 0) statement_failed(found.statement, sql);
            found.rows_sent = mysql_stmt_field_count(found.statement) > 0 && mysql_field_count(handle_) > 0;
            if (store_rows) {
                if (found.rows_sent && mysql_stmt_store_result(found.statement) != 0)
                    statement_failed(found.statement, sql);
                if (mysql_warning_count(handle_) > 0) refuse_truncation(sql);
            }
            if (own_transaction) send_script("COMMIT");
        } catch (...) {
            if (!broken_) mysql_stmt_reset(found.statement);
            give_back(found.statement, found.cached);
            if (own_transaction && !broken_) send_script("ROLLBACK");
            throw;
        }
        return found;
    }
    /// Whether `sql` writes rows (and so can be refused after writing them): an INSERT, UPDATE,
    /// DELETE or REPLACE, in any case (MariaDB puts no WITH before those).
    static bool writes_rows(std::string_view sql) noexcept {
        const auto start = sql.find_first_not_of(" \t\r\n(");
        if (start == std::string_view::npos) return false;
        const auto word = sql.substr(start, 7);
        const auto is = [word](std::string_view keyword) {
            if (word.size() < keyword.size()) return false;
            for (std::size_t i = 0; i < keyword.size(); ++i)
                if ((word[i] | 0x20) != (keyword[i] | 0x20)) return false;
            return true;
        };
        return is("insert") || is("update") || is("delete") || is("replace");
    }

    /// Prepares `text` (`sql` as written, for errors), its results stored with exact lengths.
    MYSQL_STMT* prepare(std::string_view text, std::string_view sql) {
        MYSQL_STMT* statement = mysql_stmt_init(handle_);
        if (statement == nullptr) connection_failed(sql);
        ++statistics_.statements_prepared;
        ++statistics_.round_trips;
        if (mysql_stmt_prepare(statement, text.data(), static_cast<unsigned long>(text.size())) != 0) {
            const unsigned number = mysql_stmt_errno(statement);
            std::string message = mysql_stmt_error(statement);
            mysql_stmt_close(statement);
            if (is_connection_lost(number)) broken_ = true;
            throw_error(number, std::move(message), std::string{sql});
        }
        // mysql_stmt_store_result() then records each column's longest value: one buffer per column.
        const my_bool update_max_length = 1;
        mysql_stmt_attr_set(statement, STMT_ATTR_UPDATE_MAX_LENGTH, &update_max_length);
        return statement;
    }
    /// Prepared statements a connection keeps: the server allows max_prepared_stmt_count (16,382
    /// by default) across all connections, so a pool of connections caching every statement a
    /// program ever ran would reach it (the differential test did, after 17,600 queries).
    static constexpr std::size_t statement_cache_limit = 1000;

    /// Closes the cached statements no result is reading (when the cache is full).
    void drop_idle_statements() noexcept {
        for (auto entry = cache_.begin(); entry != cache_.end();) {
            if (entry->second->in_use) {
                ++entry;
                continue;
            }
            mysql_stmt_close(entry->second->statement);
            entry = cache_.erase(entry);
        }
    }

    static void give_back(MYSQL_STMT* statement, cached_statement* cached) noexcept {
        mysql_stmt_free_result(statement);
        if (cached != nullptr)
            cached->in_use = false;
        else
            mysql_stmt_close(statement);
    }

    /// Binds `parameters` to `statement` (the buffers live in this connection until the next
    /// bind); `kept.order`, when not empty, says which value each ? takes (SQL written with $n).
    void bind(MYSQL_STMT* statement, std::span<const parameter> parameters, const statement_shape& kept,
              std::string_view sql) {
        const auto placeholders = mysql_stmt_param_count(statement);
        const auto& order = kept.order;
        if (kept.value_count != parameters.size())
            throw programming_error("the statement takes " + std::to_string(kept.value_count) + " parameters but " +
                                        std::to_string(parameters.size()) + " were given",
                                    "", std::string{sql}, error_source::mariadb);
        binds_.assign(placeholders, MYSQL_BIND{});
        integers_.assign(placeholders, 0);
        reals_.assign(placeholders, 0);
        times_.assign(placeholders, MYSQL_TIME{});
        lengths_.assign(placeholders, 0);
        for (std::size_t i = 0; i < placeholders; ++i) {
            const auto& value = parameters[order.empty() ? i : order[i]];
            auto& target = binds_[i];
            if (value.is_null()) {
                target.buffer_type = MYSQL_TYPE_NULL;
                continue;
            }
            switch (value.kind()) {
                case value_kind::boolean:
                case value_kind::integer:
                    integers_[i] = value.kind() == value_kind::boolean ? (value.as_bool() ? 1 : 0) : value.as_integer();
                    target.buffer_type = MYSQL_TYPE_LONGLONG;
                    target.buffer = &integers_[i];
                    break;
                case value_kind::real:
                    reals_[i] = value.as_real();
                    target.buffer_type = MYSQL_TYPE_DOUBLE;
                    target.buffer = &reals_[i];
                    break;
                case value_kind::text:
                case value_kind::blob: {
                    const auto bytes = value.as_text();
                    target.buffer_type = value.kind() == value_kind::text ? MYSQL_TYPE_STRING : MYSQL_TYPE_BLOB;
                    // Read only (the connector takes non-const); never null, which would send NULL.
                    target.buffer = bytes.data() != nullptr ? const_cast<char*>(bytes.data()) : &no_bytes;
                    lengths_[i] = static_cast<unsigned long>(bytes.size());
                    target.buffer_length = lengths_[i];
                    target.length = &lengths_[i];
                    break;
                }
                case value_kind::timestamp:
                    times_[i] = to_mysql_time(value.as_timestamp(), sql);
                    target.buffer_type = MYSQL_TYPE_DATETIME;
                    target.buffer = &times_[i];
                    break;
                case value_kind::null:
                    target.buffer_type = MYSQL_TYPE_NULL;
                    break;
            }
        }
        // One row of values: a statement a batch ran last would otherwise still take arrays.
        const unsigned int single_row = 0;
        if (mysql_stmt_attr_set(statement, STMT_ATTR_ARRAY_SIZE, &single_row) != 0 ||
            mysql_stmt_bind_param(statement, binds_.data()) != 0)
            statement_failed(statement, sql);
    }

    /// Binds `rows` rows of `columns` values column-wise: one array per parameter, NULLs marked by
    /// indicators. Types without a fixed packed length (text, blobs, DATETIME) are arrays of
    /// pointers to the values, as Connector/C reads them.
    void bind_batch(MYSQL_STMT* statement, std::span<const parameter> values, std::size_t rows, std::size_t columns,
                    std::string_view sql) {
        const std::size_t count = rows * columns;
        binds_.assign(columns, MYSQL_BIND{});
        integers_.assign(count, 0);
        reals_.assign(count, 0);
        times_.assign(count, MYSQL_TIME{});
        lengths_.assign(count, 0);
        pointers_.assign(count, nullptr);
        indicators_.assign(count, STMT_INDICATOR_NONE);
        for (std::size_t column = 0; column < columns; ++column) {
            auto kind = value_kind::null;  // the column's kind: its first value that is not NULL
            for (std::size_t row = 0; row < rows && kind == value_kind::null; ++row)
                if (!values[row * columns + column].is_null()) kind = values[row * columns + column].kind();
            auto& target = binds_[column];
            const std::size_t first = column * rows;  // this column's slice of each array
            for (std::size_t row = 0; row < rows; ++row) {
                const auto& value = values[row * columns + column];
                const std::size_t slot = first + row;
                if (value.is_null()) {
                    indicators_[slot] = STMT_INDICATOR_NULL;
                    continue;
                }
                if (value.kind() != kind)
                    throw programming_error(
                        "a batch's column " + std::to_string(column + 1) + " holds values of more than one kind", "",
                        std::string{sql}, error_source::mariadb);
                switch (kind) {
                    case value_kind::boolean:
                        integers_[slot] = value.as_bool() ? 1 : 0;
                        break;
                    case value_kind::integer:
                        integers_[slot] = value.as_integer();
                        break;
                    case value_kind::real:
                        reals_[slot] = value.as_real();
                        break;
                    case value_kind::text:
                    case value_kind::blob: {
                        const auto bytes = value.as_text();
                        pointers_[slot] = bytes.data() != nullptr ? bytes.data() : &no_bytes;
                        lengths_[slot] = static_cast<unsigned long>(bytes.size());
                        break;
                    }
                    case value_kind::timestamp:
                        times_[slot] = to_mysql_time(value.as_timestamp(), sql);
                        pointers_[slot] = reinterpret_cast<const char*>(&times_[slot]);
                        break;
                    case value_kind::null:
                        break;
                }
            }
            switch (kind) {
                case value_kind::boolean:
                case value_kind::integer:
                    target.buffer_type = MYSQL_TYPE_LONGLONG;
                    target.buffer = &integers_[first];
                    break;
                case value_kind::real:
                    target.buffer_type = MYSQL_TYPE_DOUBLE;
                    target.buffer = &reals_[first];
                    break;
                case value_kind::text:
                case value_kind::blob:
                case value_kind::null:  // every value NULL: a string column of indicators
                    target.buffer_type = kind == value_kind::blob ? MYSQL_TYPE_BLOB : MYSQL_TYPE_STRING;
                    target.buffer = &pointers_[first];
                    target.length = &lengths_[first];
                    break;
                case value_kind::timestamp:
                    target.buffer_type = MYSQL_TYPE_DATETIME;
                    target.buffer = &pointers_[first];
                    break;
            }
            target.u.indicator = &indicators_[first];
        }
        const auto size = static_cast<unsigned int>(rows);
        if (mysql_stmt_attr_set(statement, STMT_ATTR_ARRAY_SIZE, &size) != 0 ||
            mysql_stmt_bind_param(statement, binds_.data()) != 0)
            statement_failed(statement, sql);
    }

    /// A value MariaDB cut to fit (a DECIMAL's digits past its scale, rounded even in strict mode)
    /// comes back as a note, not an error: it is made the data_error the others raise, so no
    /// value changes silently. (The statement ran: the caller's transaction rolls it back.)
    void refuse_truncation(std::string_view sql) {
        ++statistics_.round_trips;
        if (mysql_real_query(handle_, "SHOW WARNINGS", 13) != 0) connection_failed("SHOW WARNINGS");
        MYSQL_RES* rows = mysql_store_result(handle_);
        if (rows == nullptr) return;
        std::string message;
        while (MYSQL_ROW row = mysql_fetch_row(rows)) {
            if (row[1] != nullptr && std::string_view{row[1]} == "1265" && row[2] != nullptr) {
                message = row[2];
                break;
            }
        }
        mysql_free_result(rows);
        if (message.empty()) return;
        // The statement wrote its rows: a caller's transaction has failed (run_prepared rolls
        // back a transaction of the statement's own, in which in_transaction_ stays false).
        if (in_transaction_) refused_in_transaction_ = true;
        throw data_error(message + " (MariaDB would have rounded or cut the value)", "1265", std::string{sql},
                         error_source::mariadb);
    }

    [[noreturn]] void statement_failed(MYSQL_STMT* statement, std::string_view sql) {
        const unsigned number = mysql_stmt_errno(statement);
        if (is_connection_lost(number)) broken_ = true;
        throw_error(number, mysql_stmt_error(statement), std::string{sql});
    }
    [[noreturn]] void connection_failed(std::string_view sql) {
        const unsigned number = mysql_errno(handle_);
        if (is_connection_lost(number)) broken_ = true;
        throw_error(number, mysql_error(handle_), std::string{sql});
    }

    /// What an empty text or blob points at: never null, which the connector would send as NULL
    /// (read only; the connector's buffer pointer is not const).
    static inline char no_bytes = '\0';
    MYSQL* handle_;
    std::unordered_map<std::string, std::unique_ptr<cached_statement>, strata::detail::string_hash, std::equal_to<>>
        cache_;
    std::vector<MYSQL_BIND> binds_;
    std::vector<std::int64_t> integers_;
    std::vector<double> reals_;
    std::vector<MYSQL_TIME> times_;
    std::vector<unsigned long> lengths_;
    std::vector<const char*> pointers_;  ///< a batch's text, blob and DATETIME values, column by column
    std::vector<char> indicators_;       ///< a batch's NULLs (STMT_INDICATOR_NULL), column by column
    MYSQL_STMT* unbuffered_ = nullptr;   ///< a streaming result's statement whose rows are still arriving
    connection_statistics statistics_;
    bool in_transaction_ = false;
    bool start_pending_ = false;  ///< begin() was called; START TRANSACTION goes with the next statement
    bool broken_ = false;
    bool refused_in_transaction_ = false;  ///< refuse_truncation failed the transaction: only a rollback ends it
};

}  // namespace strata::driver::mariadb_detail

namespace strata::driver {
using mariadb_detail::mariadb_connection;
}  // namespace strata::driver
