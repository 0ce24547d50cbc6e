// strata/driver/sqlite/connection.hpp - the SQLite3 driver: one sqlite3* and its statement cache.
#pragma once

#include <sqlite3.h>

#include <charconv>
#include <cmath>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "strata/core/error.hpp"
#include "strata/core/url.hpp"
#include "strata/core/value.hpp"
#include "strata/detail/string_hash.hpp"
#include "strata/detail/timestamp_text.hpp"
#include "strata/driver/connection.hpp"
#include "strata/driver/sqlite/errors.hpp"
#include "strata/driver/sqlite/registered_functions.hpp"

namespace strata::driver::sqlite_detail {

/// A prepared statement kept for the life of the connection.
struct cached_statement {
    sqlite3_stmt* statement = nullptr;
    bool in_use = false;  ///< a live result is stepping it; a nested use prepares a transient copy
    /// For statements written with $1, $2 ...: SQLite's bind index for parameter i (0-based).
    std::vector<int> bind_index;
};

class sqlite_connection;

/// Rows of one SQLite statement, stepped as they are read (SQLite always streams).
class sqlite_result final : public result {
public:
    sqlite_result(sqlite_connection& owner, cached_statement* cached, sqlite3_stmt* statement, bool has_row,
                  std::int64_t changes)
        : owner_(owner),
          cached_(cached),
          statement_(statement),
          pending_row_(has_row),
          done_(!has_row),
          changes_(changes),
          column_count_(static_cast<std::size_t>(sqlite3_column_count(statement))) {
        if (!has_row) finish();  // nothing to read: give the statement back at once
    }
    ~sqlite_result() override { finish(); }
    sqlite_result(const sqlite_result&) = delete;
    sqlite_result& operator=(const sqlite_result&) = delete;

    bool next() override;
    [[nodiscard]] std::int64_t affected_rows() const override { return changes_; }

    [[nodiscard]] std::size_t column_count() const noexcept override { return column_count_; }
    [[nodiscard]] std::string_view column_name(std::size_t column) const override {
        const char* name = statement_ ? sqlite3_column_name(statement_, static_cast<int>(column)) : nullptr;
        return name ? std::string_view{name} : std::string_view{};
    }
    [[nodiscard]] bool is_null(std::size_t column) const override {
        return sqlite3_value_type(value_of(column)) == SQLITE_NULL;
    }
    [[nodiscard]] bool read_bool(std::size_t column) const override { return read_integer(column) != 0; }
    // The readers go through sqlite3_column_value once per read: each sqlite3_column_* call pays
    // its own statement and error-state checks, and a typed read needs the type first. Reading
    // an "unprotected" value this way is safe because a connection is used by one thread at a
    // time (it is opened SQLITE_OPEN_NOMUTEX for the same reason).
    [[nodiscard]] std::int64_t read_integer(std::size_t column) const override {
        sqlite3_value* value = value_of(column);
        switch (sqlite3_value_type(value)) {
            case SQLITE_INTEGER:
                return sqlite3_value_int64(value);
            case SQLITE_FLOAT: {
                const double real = sqlite3_value_double(value);
                if (real == std::trunc(real) && std::abs(real) < 9.2e18) return static_cast<std::int64_t>(real);
                break;
            }
            case SQLITE_TEXT: {
                const auto text = text_of(value);
                std::int64_t parsed = 0;
                const auto [end, code] = std::from_chars(text.data(), text.data() + text.size(), parsed);
                if (code == std::errc{} && end == text.data() + text.size()) return parsed;
                break;
            }
            case SQLITE_NULL:
                null_read(column);
            default:
                break;
        }
        throw conversion_error("column " + std::to_string(column) + " (" + std::string{column_name(column)} +
                               ") does not hold an integer");
    }
    [[nodiscard]] double read_real(std::size_t column) const override {
        sqlite3_value* value = value_of(column);
        switch (sqlite3_value_type(value)) {
            case SQLITE_FLOAT:
            case SQLITE_INTEGER:
                return sqlite3_value_double(value);
            case SQLITE_TEXT: {
                // NaN is stored as the text 'NaN', because SQLite turns a bound NaN into NULL.
                const auto text = text_of(value);
                double parsed = 0;
                const auto [end, code] = std::from_chars(text.data(), text.data() + text.size(), parsed);
                if (code == std::errc{} && end == text.data() + text.size()) return parsed;
                break;
            }
            case SQLITE_NULL:
                null_read(column);
            default:
                break;
        }
        throw conversion_error("column " + std::to_string(column) + " (" + std::string{column_name(column)} +
                               ") does not hold a number");
    }
    [[nodiscard]] std::string_view read_text(std::size_t column) const override {
        sqlite3_value* value = value_of(column);
        // No type test first: only NULL (or an allocation failure) gives no text pointer, so the
        // type is asked only then; one library call fewer per text column.
        const auto* text = sqlite3_value_text(value);
        if (text == nullptr) [[unlikely]] {
            const int type = sqlite3_value_type(value);
            if (type == SQLITE_NULL) null_read(column);
            if (type == SQLITE_TEXT && sqlite3_value_bytes(value) == 0) return {};
            throw operational_error("out of memory reading column " + std::to_string(column),
                                    std::to_string(SQLITE_NOMEM), "", error_source::sqlite);
        }
        return {reinterpret_cast<const char*>(text), static_cast<std::size_t>(sqlite3_value_bytes(value))};
    }
    [[nodiscard]] blob_view read_blob(std::size_t column) const override {
        sqlite3_value* value = value_of(column);
        if (sqlite3_value_type(value) == SQLITE_NULL) null_read(column);
        const void* bytes = sqlite3_value_blob(value);
        return {static_cast<const std::byte*>(bytes), static_cast<std::size_t>(sqlite3_value_bytes(value))};
    }
    [[nodiscard]] timestamp read_timestamp(std::size_t column) const override {
        sqlite3_value* value = value_of(column);
        switch (sqlite3_value_type(value)) {
            case SQLITE_TEXT:
                if (const auto parsed = strata::detail::parse_timestamp(text_of(value))) return *parsed;
                break;
            case SQLITE_INTEGER:  // unix epoch seconds, SQLite's own numeric convention
                return timestamp{std::chrono::seconds{sqlite3_value_int64(value)}};
            case SQLITE_NULL:
                null_read(column);
            default:
                break;
        }
        throw conversion_error("column " + std::to_string(column) + " (" + std::string{column_name(column)} +
                               ") does not hold a timestamp");
    }

private:
    void check(std::size_t column) const {
        // Every read passes here: the test stays inline, the message building out of line.
        if (done_ || column >= column_count_) [[unlikely]]
            throw_outside(column);
    }
    [[noreturn]] __attribute__((noinline)) void throw_outside(std::size_t column) const {
        if (done_) throw usage_error("a row was read after the result ended (call next() first)");
        throw usage_error("column index " + std::to_string(column) + " is out of range (the result has " +
                          std::to_string(column_count_) + " columns)");
    }
    [[nodiscard]] sqlite3_value* value_of(std::size_t column) const {
        check(column);
        return sqlite3_column_value(statement_, static_cast<int>(column));
    }
    [[nodiscard]] static std::string_view text_of(sqlite3_value* value) {
        const auto* text = sqlite3_value_text(value);  // before bytes: converts a number to its text first
        return {reinterpret_cast<const char*>(text), static_cast<std::size_t>(sqlite3_value_bytes(value))};
    }
    [[noreturn]] void null_read(std::size_t column) const {
        throw conversion_error("column " + std::to_string(column) + " (" + std::string{column_name(column)} +
                               ") is NULL; read it as std::optional<T>");
    }
    void finish() noexcept;

    sqlite_connection& owner_;
    cached_statement* cached_;
    sqlite3_stmt* statement_;
    bool pending_row_;  ///< execute() already stepped onto the first row
    bool done_;
    std::int64_t changes_;
    std::size_t column_count_;
};

/// A connection to one SQLite database file (or memory database).
class sqlite_connection final : public connection {
public:
    /// Opens `path` (":memory:" or empty for a memory database).
    sqlite_connection(const std::string& path, const connect_options& options) {
        const std::string file = path.empty() ? ":memory:" : path;
        const int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_URI;
        const int code = sqlite3_open_v2(file.c_str(), &database_, flags, nullptr);
        if (code != SQLITE_OK) {
            std::string message = database_ ? sqlite3_errmsg(database_) : "out of memory";
            sqlite3_close_v2(database_);
            database_ = nullptr;
            throw operational_error("cannot open SQLite database '" + file + "': " + message, std::to_string(code), "",
                                    error_source::sqlite);
        }
        sqlite3_extended_result_codes(database_, 1);
        if (!register_functions(database_)) {
            std::string message = sqlite3_errmsg(database_);
            sqlite3_close_v2(database_);
            database_ = nullptr;
            throw operational_error("cannot register strata's SQL functions on '" + file + "': " + message, "", "",
                                    error_source::sqlite);
        }
        sqlite3_busy_timeout(database_, static_cast<int>(options.busy_timeout.count()));
        if (options.sqlite_foreign_keys) execute_script("PRAGMA foreign_keys = ON");
        if (options.sqlite_case_sensitive_like) execute_script("PRAGMA case_sensitive_like = ON");
    }
    ~sqlite_connection() override {
        for (auto& [sql, cached] : cache_) sqlite3_finalize(cached.statement);
        sqlite3_close_v2(database_);
    }
    sqlite_connection(const sqlite_connection&) = delete;
    sqlite_connection& operator=(const sqlite_connection&) = delete;

    [[nodiscard]] dialect sql_dialect() const noexcept override { return dialect::sqlite; }

    std::unique_ptr<result> execute(std::string_view sql, std::span<const parameter> parameters) override {
        cached_statement* cached = find_or_prepare(sql);
        sqlite3_stmt* statement = nullptr;
        std::unique_ptr<cached_statement> transient;
        if (!cached->in_use) {
            statement = cached->statement;
        } else {  // the same SQL is still being stepped by a live result: use a one-off copy
            transient = std::make_unique<cached_statement>(prepare(sql, 0));
            statement = transient->statement;
        }
        const auto& bind_index = transient ? transient->bind_index : cached->bind_index;
        bind(statement, bind_index, parameters, sql);
        ++statistics_.statements_executed;
        const int code = sqlite3_step(statement);
        if (code != SQLITE_ROW && code != SQLITE_DONE) {
            const int extended = sqlite3_extended_errcode(database_);
            std::string message = sqlite3_errmsg(database_);
            sqlite3_reset(statement);
            sqlite3_clear_bindings(statement);
            if (transient) sqlite3_finalize(statement);
            throw_error(extended, std::move(message), std::string{sql});
        }
        const std::int64_t changes =
            code == SQLITE_DONE && sqlite3_stmt_readonly(statement) == 0 ? sqlite3_changes64(database_) : 0;
        if (transient) return std::make_unique<sqlite_result>(*this, nullptr, statement, code == SQLITE_ROW, changes);
        cached->in_use = true;
        return std::make_unique<sqlite_result>(*this, cached, statement, code == SQLITE_ROW, changes);
    }

    void execute_script(std::string_view sql) override {
        const std::string text{sql};
        char* message = nullptr;
        ++statistics_.statements_executed;
        if (sqlite3_exec(database_, text.c_str(), nullptr, nullptr, &message) != SQLITE_OK) {
            std::string reason = message ? message : "unknown error";
            sqlite3_free(message);
            throw_error(sqlite3_extended_errcode(database_), std::move(reason), text);
        }
    }

    void begin(begin_mode mode) override {
        execute_script(mode == begin_mode::immediate ? "BEGIN IMMEDIATE" : "BEGIN");
    }
    void commit() override { execute_script("COMMIT"); }
    void rollback() override { execute_script("ROLLBACK"); }
    [[nodiscard]] bool in_transaction() const override { return sqlite3_get_autocommit(database_) == 0; }

    bool ping() noexcept override { return database_ != nullptr; }
    void reset() override {
        if (in_transaction()) rollback();
    }
    [[nodiscard]] bool is_broken() const noexcept override { return database_ == nullptr; }
    [[nodiscard]] connection_statistics statistics() const noexcept override { return statistics_; }

    /// The underlying handle, for users who need an SQLite API strata does not wrap.
    [[nodiscard]] sqlite3* native_handle() const noexcept { return database_; }

private:
    friend class sqlite_result;

    cached_statement* find_or_prepare(std::string_view sql) {
        if (const auto found = cache_.find(sql); found != cache_.end()) return &found->second;
        auto [inserted, ok] = cache_.emplace(std::string{sql}, prepare(sql, SQLITE_PREPARE_PERSISTENT));
        return &inserted->second;
    }

    cached_statement prepare(std::string_view sql, unsigned flags) {
        cached_statement cached;
        const char* tail = nullptr;
        const int code =
            sqlite3_prepare_v3(database_, sql.data(), static_cast<int>(sql.size()), flags, &cached.statement, &tail);
        if (code != SQLITE_OK) {
            throw_error(sqlite3_extended_errcode(database_), sqlite3_errmsg(database_), std::string{sql});
        }
        if (cached.statement == nullptr) {
            throw programming_error("the statement is empty", "", std::string{sql}, error_source::sqlite);
        }
        if (tail != nullptr && std::string_view{tail}.find_first_not_of(" \t\r\n;") != std::string_view::npos &&
            tail < sql.data() + sql.size()) {
            sqlite3_finalize(cached.statement);
            throw programming_error("execute() runs one statement; use execute_script() for several", "",
                                    std::string{sql}, error_source::sqlite);
        }
        ++statistics_.statements_prepared;
        // Placeholders written as $1, $2 ... (PostgreSQL style) bind by number, whatever their order.
        const int count = sqlite3_bind_parameter_count(cached.statement);
        for (int index = 1; index <= count; ++index) {
            const char* name = sqlite3_bind_parameter_name(cached.statement, index);
            if (name == nullptr || name[0] != '$') continue;
            int number = 0;
            const auto text = std::string_view{name + 1};
            const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), number);
            if (error != std::errc{} || end != text.data() + text.size() || number < 1) continue;
            if (cached.bind_index.size() < static_cast<std::size_t>(number)) cached.bind_index.resize(number, 0);
            cached.bind_index[number - 1] = index;
        }
        return cached;
    }

    void bind(sqlite3_stmt* statement, const std::vector<int>& bind_index, std::span<const parameter> parameters,
              std::string_view sql) {
        const int expected = sqlite3_bind_parameter_count(statement);
        if (static_cast<int>(parameters.size()) != expected) {
            throw programming_error("the statement takes " + std::to_string(expected) + " parameters but " +
                                        std::to_string(parameters.size()) + " were given",
                                    "", std::string{sql}, error_source::sqlite);
        }
        for (std::size_t i = 0; i < parameters.size(); ++i) {
            const int index = i < bind_index.size() && bind_index[i] != 0 ? bind_index[i] : static_cast<int>(i + 1);
            const parameter& value = parameters[i];
            int code = SQLITE_OK;
            if (value.is_null()) {
                code = sqlite3_bind_null(statement, index);
            } else {
                switch (value.kind()) {
                    case value_kind::boolean:
                    case value_kind::integer:
                        code = sqlite3_bind_int64(statement, index, value.as_integer());
                        break;
                    case value_kind::real:
                        code = std::isnan(value.as_real())
                                   ? sqlite3_bind_text(statement, index, "NaN", 3, SQLITE_STATIC)
                                   : sqlite3_bind_double(statement, index, value.as_real());
                        break;
                    case value_kind::text: {
                        const auto text = value.as_text();
                        code =
                            sqlite3_bind_text64(statement, index, text.data(), text.size(), SQLITE_STATIC, SQLITE_UTF8);
                        break;
                    }
                    case value_kind::blob: {
                        const auto bytes = value.as_blob();
                        // A zero-length blob with a null pointer would bind NULL: point at something.
                        code = sqlite3_bind_blob64(statement, index,
                                                   bytes.empty() ? "" : static_cast<const void*>(bytes.data()),
                                                   bytes.size(), SQLITE_STATIC);
                        break;
                    }
                    case value_kind::timestamp: {
                        if (!strata::detail::in_four_digit_years(value.as_timestamp()))
                            throw data_error(strata::detail::outside_four_digit_years(value.as_timestamp(), "SQLite"),
                                             "", std::string{sql}, error_source::sqlite);
                        char buffer[32];
                        const auto length = strata::detail::format_timestamp(value.as_timestamp(), buffer);
                        code = sqlite3_bind_text(statement, index, buffer, static_cast<int>(length), SQLITE_TRANSIENT);
                        break;
                    }
                    case value_kind::null:
                        code = sqlite3_bind_null(statement, index);
                        break;
                }
            }
            if (code != SQLITE_OK) {
                sqlite3_clear_bindings(statement);
                throw_error(sqlite3_extended_errcode(database_), sqlite3_errmsg(database_), std::string{sql});
            }
        }
    }

    sqlite3* database_ = nullptr;
    std::unordered_map<std::string, cached_statement, strata::detail::string_hash, std::equal_to<>> cache_;
    connection_statistics statistics_;
};

inline bool sqlite_result::next() {
    if (done_) return false;
    if (pending_row_) {
        pending_row_ = false;
        return true;
    }
    const int code = sqlite3_step(statement_);
    if (code == SQLITE_ROW) return true;
    if (code == SQLITE_DONE) {
        finish();
        return false;
    }
    const int extended = sqlite3_extended_errcode(owner_.database_);
    std::string message = sqlite3_errmsg(owner_.database_);
    std::string sql = sqlite3_sql(statement_) ? sqlite3_sql(statement_) : "";
    finish();
    throw_error(extended, std::move(message), std::move(sql));
}

inline void sqlite_result::finish() noexcept {
    done_ = true;
    if (statement_ == nullptr) return;
    // No sqlite3_clear_bindings: every execution binds every parameter first (bind() refuses a
    // short list), so a stale binding is never read, and clearing 500 of them after each bulk
    // insert statement cost 65 instructions per row.
    sqlite3_reset(statement_);
    if (cached_)
        cached_->in_use = false;
    else
        sqlite3_finalize(statement_);
    statement_ = nullptr;
}

}  // namespace strata::driver::sqlite_detail

namespace strata::driver {
/// The SQLite driver's connection type.
using sqlite_connection = sqlite_detail::sqlite_connection;
}  // namespace strata::driver
