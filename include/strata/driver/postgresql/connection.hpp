// strata/driver/postgresql/connection.hpp - the PostgreSQL driver over libpq.
//
// Parameters travel in binary for fixed-width types (with their type OIDs) and as untyped text
// for strings, so the server infers the column's type as it does for psycopg. Results come back
// in binary by default (faster for fixed-width columns: see docs/design.md for the figures).
#pragma once

#include <libpq-fe.h>
#include <poll.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <bit>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <iterator>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "strata/core/error.hpp"
#include "strata/core/url.hpp"
#include "strata/core/value.hpp"
#include "strata/detail/bytes_hash.hpp"
#include "strata/detail/string_hash.hpp"
#include "strata/detail/timestamp_text.hpp"
#include "strata/driver/connection.hpp"
#include "strata/driver/postgresql/binary.hpp"
#include "strata/driver/postgresql/copy_format.hpp"
#include "strata/driver/postgresql/errors.hpp"

namespace strata::driver::postgresql_detail {

/// Rows of one statement, held by a PGresult.
class postgresql_result final : public result {
public:
    /// `user_types` (optional): which user-defined type OIDs read as text in binary results (the
    /// connection's, learned from the catalog).
    postgresql_result(PGresult* handle, bool binary, const std::unordered_map<unsigned, bool>* user_types = nullptr)
        : handle_(handle),
          rows_(PQntuples(handle)),
          columns_(PQnfields(handle)),
          binary_(binary),
          user_types_(user_types) {
        types_.reserve(static_cast<std::size_t>(columns_));
        for (int column = 0; column < columns_; ++column) types_.push_back(PQftype(handle, column));
        const char* tuples = PQcmdTuples(handle);
        if (tuples != nullptr && *tuples != '\0') std::from_chars(tuples, tuples + std::strlen(tuples), affected_);
    }
    ~postgresql_result() override { PQclear(handle_); }
    postgresql_result(const postgresql_result&) = delete;
    postgresql_result& operator=(const postgresql_result&) = delete;

    bool next() override { return ++row_ < rows_; }
    [[nodiscard]] std::int64_t affected_rows() const override { return affected_; }
    /// Replaces the row count (an UPDATE the server checked answers with a SELECT's row).
    void set_affected_rows(std::int64_t rows) noexcept { affected_ = rows; }
    [[nodiscard]] std::size_t known_row_count() const noexcept override { return static_cast<std::size_t>(rows_); }
    [[nodiscard]] std::size_t column_count() const noexcept override { return static_cast<std::size_t>(columns_); }
    /// Each column's type OID, as libpq reports it.
    [[nodiscard]] const std::vector<unsigned>& column_types() const noexcept { return types_; }
    [[nodiscard]] std::string_view column_name(std::size_t column) const override {
        return PQfname(handle_, static_cast<int>(column));
    }
    [[nodiscard]] bool is_null(std::size_t column) const override {
        check(column);
        return PQgetisnull(handle_, row_, static_cast<int>(column)) != 0;
    }

    [[nodiscard]] bool read_bool(std::size_t column) const override {
        const auto [bytes, type, size] = value(column);
        if (!binary_) return size > 0 && (bytes[0] == 't' || bytes[0] == '1');
        if (type == oid::boolean) return bytes[0] != 0;
        return read_integer(column) != 0;
    }

    [[nodiscard]] std::int64_t read_integer(std::size_t column) const override {
        const auto [bytes, type, size] = value(column);
        if (binary_) {
            switch (type) {
                case oid::int8:
                    return read_big_endian<std::int64_t>(bytes);
                case oid::int4:
                    return read_big_endian<std::int32_t>(bytes);
                case oid::int2:
                    return read_big_endian<std::int16_t>(bytes);
                case oid::oid_type:
                    return read_big_endian<std::uint32_t>(bytes);
                case oid::boolean:
                    return bytes[0] != 0;
                case oid::float4:
                case oid::float8: {
                    const double real = read_real(column);
                    if (real == std::trunc(real) && std::abs(real) < 9.2e18) return static_cast<std::int64_t>(real);
                    throw not_integer(column);
                }
                case oid::numeric:
                    return parse_integer(numeric_to_text(bytes, size), column);
                default:
                    break;
            }
            if (!is_textual(type)) throw not_integer(column);
        }
        return parse_integer({bytes, static_cast<std::size_t>(size)}, column);
    }

    [[nodiscard]] double read_real(std::size_t column) const override {
        const auto [bytes, type, size] = value(column);
        if (binary_) {
            switch (type) {
                case oid::float8:
                    return std::bit_cast<double>(read_big_endian<std::uint64_t>(bytes));
                case oid::float4:
                    return std::bit_cast<float>(read_big_endian<std::uint32_t>(bytes));
                case oid::int8:
                case oid::int4:
                case oid::int2:
                    return static_cast<double>(read_integer(column));
                case oid::numeric:
                    return parse_real(numeric_to_text(bytes, size), column);
                default:
                    break;
            }
            if (!is_textual(type)) throw conversion_error(describe(column) + " does not hold a number");
        }
        return parse_real({bytes, static_cast<std::size_t>(size)}, column);
    }

    [[nodiscard]] std::string_view read_text(std::size_t column) const override {
        const auto [bytes, type, size] = value(column);
        if (!binary_ || is_textual(type) || is_textual_user_type(type)) return {bytes, static_cast<std::size_t>(size)};
        switch (type) {
            case oid::jsonb:
                return {bytes + 1, static_cast<std::size_t>(size - 1)};  // version byte first
            case oid::int2:
            case oid::int4:
            case oid::int8:
            case oid::oid_type:
                scratch_ = std::to_string(read_integer(column));
                break;
            case oid::float4:
            case oid::float8: {
                char buffer[32];
                const auto end = std::to_chars(buffer, buffer + sizeof buffer, read_real(column)).ptr;
                scratch_.assign(buffer, end);
                break;
            }
            case oid::boolean:
                scratch_ = bytes[0] ? "true" : "false";
                break;
            case oid::numeric:
                scratch_ = numeric_to_text(bytes, size);
                break;
            case oid::timestamp:
            case oid::timestamptz:
                scratch_ = strata::detail::timestamp_to_text(read_timestamp(column));
                break;
            case oid::date:
                scratch_ = strata::detail::timestamp_to_text(read_timestamp(column)).substr(0, 10);
                break;
            case oid::uuid: {
                static constexpr char hex[] = "0123456789abcdef";
                scratch_.clear();
                for (int i = 0; i < 16; ++i) {
                    if (i == 4 || i == 6 || i == 8 || i == 10) scratch_ += '-';
                    const auto byte = static_cast<unsigned char>(bytes[i]);
                    scratch_ += hex[byte >> 4];
                    scratch_ += hex[byte & 15];
                }
                break;
            }
            default:
                throw conversion_error(describe(column) + " has PostgreSQL type OID " + std::to_string(type) +
                                       ", which strata cannot read as text in binary mode; cast it in SQL (::text)");
        }
        return scratch_;
    }

    [[nodiscard]] blob_view read_blob(std::size_t column) const override {
        const auto [bytes, type, size] = value(column);
        if (binary_) return {reinterpret_cast<const std::byte*>(bytes), static_cast<std::size_t>(size)};
        // Text format: bytea arrives as \x followed by hex digits.
        const std::string_view text{bytes, static_cast<std::size_t>(size)};
        if (type != oid::bytea || !text.starts_with("\\x"))
            return {reinterpret_cast<const std::byte*>(bytes), static_cast<std::size_t>(size)};
        scratch_.resize((text.size() - 2) / 2);
        for (std::size_t i = 0; i < scratch_.size(); ++i) {
            scratch_[i] = static_cast<char>(strata::detail::hex_digit(text[2 + 2 * i]) * 16 +
                                            strata::detail::hex_digit(text[3 + 2 * i]));
        }
        return {reinterpret_cast<const std::byte*>(scratch_.data()), scratch_.size()};
    }

    [[noreturn]] void throw_past_timestamp(std::size_t column) const {
        throw conversion_error(describe(column) +
                               " holds a time after the last a strata::timestamp holds (294247-01-10)");
    }
    [[nodiscard]] timestamp read_timestamp(std::size_t column) const override {
        const auto [bytes, type, size] = value(column);
        if (binary_) {
            if (type == oid::timestamp || type == oid::timestamptz) {
                const auto micros = read_big_endian<std::int64_t>(bytes);
                if (micros == INT64_MAX || micros == INT64_MIN) return timestamp{std::chrono::microseconds{micros}};
                if (const auto read = from_postgres_microseconds(micros)) return *read;
                throw_past_timestamp(column);
            }
            if (type == oid::date) {
                const auto days = read_big_endian<std::int32_t>(bytes);
                if (days == INT32_MAX || days == INT32_MIN)  // 'infinity' and '-infinity', as for timestamps
                    return days > 0 ? timestamp::max() : timestamp::min();
                std::int64_t micros = 0;
                if (!__builtin_mul_overflow(std::int64_t{days}, 86'400'000'000LL, &micros))
                    if (const auto read = from_postgres_microseconds(micros)) return *read;
                throw_past_timestamp(column);
            }
            if (!is_textual(type)) throw conversion_error(describe(column) + " does not hold a timestamp");
        }
        if (const auto parsed = strata::detail::parse_timestamp({bytes, static_cast<std::size_t>(size)}))
            return *parsed;
        throw conversion_error(describe(column) + " does not hold a timestamp");
    }

private:
    struct cell {
        const char* bytes;
        unsigned type;
        int size;  ///< byte length (libpq reports 0 for NULL too)
    };

    /// An enum's binary form is its label, a string type's (citext) its text.
    [[nodiscard]] bool is_textual_user_type(unsigned type) const noexcept {
        if (user_types_ == nullptr) return false;
        const auto found = user_types_->find(type);
        return found != user_types_->end() && found->second;
    }

    static bool is_textual(unsigned type) noexcept {
        return type == oid::text || type == oid::varchar || type == oid::bpchar || type == oid::name ||
               type == oid::unknown || type == oid::json;
    }

    void check(std::size_t column) const {
        // Every read passes here: the test stays inline, the message building out of line.
        if (row_ < 0 || row_ >= rows_ || column >= static_cast<std::size_t>(columns_)) [[unlikely]]
            throw_outside(column);
    }
    [[noreturn]] __attribute__((noinline)) void throw_outside(std::size_t column) const {
        if (row_ < 0 || row_ >= rows_) throw usage_error("a row was read outside the result (call next() first)");
        throw usage_error("column index " + std::to_string(column) + " is out of range (the result has " +
                          std::to_string(columns_) + " columns)");
    }

    /// The value's bytes, type and length; throws for NULL. Only an empty value can be NULL (libpq
    /// gives NULL a length of 0), so the NULL test costs a call only then.
    [[nodiscard]] cell value(std::size_t column) const {
        check(column);
        const int index = static_cast<int>(column);
        const int size = PQgetlength(handle_, row_, index);
        if (size == 0 && PQgetisnull(handle_, row_, index))
            throw conversion_error(describe(column) + " is NULL; read it as std::optional<T>");
        return {PQgetvalue(handle_, row_, index), types_[column], size};
    }

    [[nodiscard]] std::string describe(std::size_t column) const {
        return "column " + std::to_string(column) + " (" + std::string{column_name(column)} + ")";
    }
    [[nodiscard]] conversion_error not_integer(std::size_t column) const {
        return conversion_error(describe(column) + " does not hold an integer");
    }
    [[nodiscard]] std::int64_t parse_integer(std::string_view text, std::size_t column) const {
        std::int64_t number = 0;
        const auto [end, code] = std::from_chars(text.data(), text.data() + text.size(), number);
        if (code != std::errc{} || end != text.data() + text.size()) throw not_integer(column);
        return number;
    }
    [[nodiscard]] double parse_real(std::string_view text, std::size_t column) const {
        double number = 0;
        const auto [end, code] = std::from_chars(text.data(), text.data() + text.size(), number);
        if (code != std::errc{} || end != text.data() + text.size())
            throw conversion_error(describe(column) + " does not hold a number");
        return number;
    }

    PGresult* handle_;
    int row_ = -1;
    int rows_;
    int columns_;
    bool binary_;
    std::int64_t affected_ = 0;
    std::vector<unsigned> types_;
    const std::unordered_map<unsigned, bool>* user_types_;
    mutable std::string scratch_;  // conversions that need storage (bytea hex, numbers as text)
};

/// Delegates the field reads of a streaming result to its current batch.
class batched_result : public result {
public:
    [[nodiscard]] std::int64_t affected_rows() const override { return 0; }
    [[nodiscard]] std::size_t column_count() const noexcept override { return batch_ ? batch_->column_count() : 0; }
    [[nodiscard]] std::string_view column_name(std::size_t column) const override {
        return current().column_name(column);
    }
    [[nodiscard]] bool is_null(std::size_t column) const override { return current().is_null(column); }
    [[nodiscard]] bool read_bool(std::size_t column) const override { return current().read_bool(column); }
    [[nodiscard]] std::int64_t read_integer(std::size_t column) const override {
        return current().read_integer(column);
    }
    [[nodiscard]] double read_real(std::size_t column) const override { return current().read_real(column); }
    [[nodiscard]] std::string_view read_text(std::size_t column) const override { return current().read_text(column); }
    [[nodiscard]] blob_view read_blob(std::size_t column) const override { return current().read_blob(column); }
    [[nodiscard]] timestamp read_timestamp(std::size_t column) const override {
        return current().read_timestamp(column);
    }

protected:
    [[nodiscard]] const postgresql_result& current() const {
        if (!batch_) throw usage_error("a row was read outside the result (call next() first)");
        return *batch_;
    }
    std::unique_ptr<postgresql_result> batch_;
};

class postgresql_connection;

/// Rows of a server-side cursor, fetched `batch_rows` at a time (memory bounded by two batches).
/// While the loop works through one batch the next FETCH is already on its way: the server
/// produces it on its own core instead of waiting for the client to ask (see docs/design.md).
class cursor_result final : public batched_result {
public:
    cursor_result(postgresql_connection& owner, std::string name, std::size_t batch_rows, bool binary)
        : owner_(owner),
          name_(std::move(name)),
          fetch_("FETCH FORWARD " + std::to_string(batch_rows) + " FROM " + name_),
          batch_rows_(batch_rows),
          binary_(binary) {}
    ~cursor_result() override { close(); }
    cursor_result(const cursor_result&) = delete;
    cursor_result& operator=(const cursor_result&) = delete;
    bool next() override;

private:
    friend class postgresql_connection;
    void close() noexcept;
    postgresql_connection& owner_;
    std::string name_;
    std::string fetch_;
    std::size_t batch_rows_;
    bool binary_;
    bool exhausted_ = false;
    /// The next batch, received early because another statement needed the connection.
    std::unique_ptr<postgresql_result> ready_;
    /// The early FETCH's error, raised when the loop reaches it.
    std::exception_ptr failure_;
};

/// Rows in libpq's single-row mode: one PGresult per row, read as the server sends them.
class single_row_result final : public batched_result {
public:
    /// `cancel_early`: leaving early cancels the query (only outside a transaction, which a cancel would abort).
    single_row_result(PGconn* connection, bool binary, bool cancel_early)
        : connection_(connection), binary_(binary), cancel_early_(cancel_early) {}
    ~single_row_result() override { drain(); }
    single_row_result(const single_row_result&) = delete;
    single_row_result& operator=(const single_row_result&) = delete;
    bool next() override;

private:
    void drain() noexcept;
    PGconn* connection_;
    bool binary_;
    bool cancel_early_;
    bool finished_ = false;
};

/// A connection to a PostgreSQL server.
class postgresql_connection final : public connection {
public:
    /// Connects; throws operational_error naming host and port (never the password) on failure.
    postgresql_connection(const url& address, const connect_options& options) : options_(options) {
        std::vector<std::string> keys;
        std::vector<std::string> values;
        auto add = [&](std::string key, std::string value) {
            keys.push_back(std::move(key));
            values.push_back(std::move(value));
        };
        if (!address.host.empty()) add("host", address.host);
        if (address.port) add("port", std::to_string(*address.port));
        if (!address.username.empty()) add("user", address.username);
        if (address.has_password) add("password", address.password);
        if (!address.database.empty()) add("dbname", address.database);
        // Timestamps travel as UTC both ways: the session's TimeZone is asked for at startup, or,
        // where a pooler refuses startup options, checked once connected.
        std::string server_options = options.startup_options ? "-c TimeZone=UTC" : "";
        for (const auto& [key, value] : address.query) {
            if (key == "options")
                server_options += (server_options.empty() ? "" : " ") + value;
            else
                add(key, value);
        }
        if (!server_options.empty()) add("options", server_options);
        add("client_encoding", "UTF8");
        std::vector<const char*> key_pointers;
        std::vector<const char*> value_pointers;
        for (std::size_t i = 0; i < keys.size(); ++i) {
            key_pointers.push_back(keys[i].c_str());
            value_pointers.push_back(values[i].c_str());
        }
        key_pointers.push_back(nullptr);
        value_pointers.push_back(nullptr);
        // Connecting step by step lets the error text be verbose from the start: a login the server
        // refuses (wrong password, no such database) then keeps its SQLSTATE, which libpq has no call for.
        connection_ = PQconnectStartParams(key_pointers.data(), value_pointers.data(), 0);
        bool in_time = true;
        if (connection_ != nullptr && PQstatus(connection_) != CONNECTION_BAD) {
            PQsetErrorVerbosity(connection_, PQERRORS_VERBOSE);
            in_time = finish_connecting(connect_timeout_of(address));
        }
        if (connection_ == nullptr || PQstatus(connection_) != CONNECTION_OK) {
            auto read = read_client_error(!in_time      ? "timeout expired (connect_timeout)"
                                          : connection_ ? PQerrorMessage(connection_)
                                                        : "out of memory");
            PQfinish(connection_);
            connection_ = nullptr;
            if (read.message.find("unsupported startup parameter: options") != std::string::npos)
                read.message +=
                    "\nhint: a pooler (pgbouncer) refuses libpq's startup options: create the engine with "
                    "{.startup_options = false} and give the database the UTC time zone "
                    "(ALTER DATABASE ... SET timezone TO 'UTC')";
            throw operational_error(
                "cannot connect to " + address.redacted() + ": " + scrub(std::move(read.message), address.password),
                read.state.empty() ? "08001" : read.state, "", error_source::postgresql);
        }
        PQsetNoticeProcessor(
            connection_, [](void*, const char*) {}, nullptr);  // NOTICEs are not errors
        if (!options.startup_options) require_utc(address);
    }
    ~postgresql_connection() override { PQfinish(connection_); }

    /// Without startup options the session keeps the server's TimeZone, which the server reports
    /// at login (through a pooler too): anything but UTC would shift timestamps written into
    /// TIMESTAMPTZ columns, so it is refused here, before any statement.
    void require_utc(const url& address) {
        const char* reported = PQparameterStatus(connection_, "TimeZone");
        const std::string_view zone = reported != nullptr ? reported : "";
        static constexpr std::string_view utc_names[] = {
            "UTC",      "Etc/UTC", "UCT",     "Etc/UCT", "Universal", "Etc/Universal", "Zulu",
            "Etc/Zulu", "GMT",     "Etc/GMT", "GMT0",    "Etc/GMT0",  "Greenwich",     "Etc/Greenwich"};
        if (std::find(std::begin(utc_names), std::end(utc_names), zone) != std::end(utc_names)) return;
        PQfinish(connection_);
        connection_ = nullptr;
        throw operational_error("the server at " + address.redacted() + " runs at TimeZone '" + std::string{zone} +
                                    "', and with startup_options = false strata cannot ask for UTC: give the "
                                    "database the UTC time zone (ALTER DATABASE ... SET timezone TO 'UTC', or "
                                    "timezone = 'UTC' in postgresql.conf)",
                                "", "", error_source::postgresql);
    }
    postgresql_connection(const postgresql_connection&) = delete;
    postgresql_connection& operator=(const postgresql_connection&) = delete;

    [[nodiscard]] dialect sql_dialect() const noexcept override { return dialect::postgresql; }

    std::unique_ptr<result> execute(std::string_view sql, std::span<const parameter> parameters) override {
        settle_prefetch();
        // What is held (a BEGIN, a flush's UPDATEs) goes in the same round trip.
        PGresult* handle = held_.empty() ? execute_now(sql, parameters) : run_pipeline(sql, parameters, true);
        auto rows = std::make_unique<postgresql_result>(handle, options_.binary_results, &user_types_);
        if (options_.binary_results) learn_user_types(rows->column_types());
        return rows;
    }

    /// Learns, with one catalog query, whether the user-defined types (OID 16384 and up) of a
    /// result's columns read as text in binary results: an enum (a native ENUM column) or a string
    /// type. Run only here, where nothing else is in flight on the connection; each type once.
    void learn_user_types(const std::vector<unsigned>& column_types) {
        constexpr unsigned first_user_type = 16384;  // PostgreSQL's FirstNormalObjectId
        std::string list;
        for (const unsigned type : column_types) {
            if (type < first_user_type || user_types_.contains(type)) continue;
            list += (list.empty() ? "{" : ",") + std::to_string(type);
            user_types_.emplace(type, false);
        }
        if (list.empty()) return;
        list += '}';
        const char* values[] = {list.c_str()};
        ++statistics_.round_trips;
        PGresult* found = PQexecParams(connection_,
                                       "SELECT oid::text FROM pg_type WHERE oid = ANY($1::oid[]) AND "
                                       "(typtype = 'e' OR typcategory = 'S')",
                                       1, nullptr, values, nullptr, nullptr, 0);
        if (PQresultStatus(found) == PGRES_TUPLES_OK)  // else the types stay unknown: reading them says so
            for (int row = 0; row < PQntuples(found); ++row)
                user_types_[static_cast<unsigned>(std::strtoul(PQgetvalue(found, row, 0), nullptr, 10))] = true;
        PQclear(found);
    }

    /// Runs one statement on its own and returns its (checked) result.
    PGresult* execute_now(std::string_view sql, std::span<const parameter> parameters) {
        encode(parameters, sql);
        const int count = static_cast<int>(parameters.size());
        const int result_format = options_.binary_results ? 1 : 0;
        PGresult* handle = nullptr;
        ++statistics_.statements_executed;
        if (options_.server_side_prepare) {
            const std::string& name = *statement_name(sql, parameters.size());
            ++statistics_.round_trips;
            handle = PQexecPrepared(connection_, name.c_str(), count, values_.data(), lengths_.data(), formats_.data(),
                                    result_format);
        } else {
            const std::string text{sql};
            ++statistics_.round_trips;
            handle = PQexecParams(connection_, text.c_str(), count, types_.data(), values_.data(), lengths_.data(),
                                  formats_.data(), result_format);
        }
        check(handle, sql);
        return handle;
    }

    [[nodiscard]] bool supports_held_statements() const noexcept override { return true; }

    /// Holds the statement (with copies of its values) for send_held(): what a flush writes
    /// without reading back goes to the server in one pipeline.
    void execute_held(std::string_view sql, std::span<const parameter> parameters, held_handler&& handler) override {
        held_statement item{std::string{sql}, {}, std::move(handler)};
        item.parameters.reserve(parameters.size());
        for (const auto& value : parameters) item.parameters.push_back(value.to_owned());
        held_.push_back(std::move(item));
    }

    /// Sends every held statement in libpq's pipeline mode - one round trip, however many - and
    /// checks each answer in order. The first error is thrown once the pipeline has ended (the
    /// server skipped the statements after it, so the transaction is failed and must be rolled back).
    void send_held() override {
        if (!held_.empty()) run_pipeline({}, {}, false);
    }

    /// Streams with a server-side cursor inside the open transaction (or single-row mode outside
    /// one, or when cursor_streaming is off): memory stays bounded by one batch.
    std::unique_ptr<result> execute_streaming(std::string_view sql, std::span<const parameter> parameters,
                                              std::size_t batch_rows) override {
        settle();
        encode(parameters, sql);
        const int count = static_cast<int>(parameters.size());
        const int result_format = options_.binary_results ? 1 : 0;
        ++statistics_.statements_executed;
        if (options_.cursor_streaming && in_transaction()) {
            std::string name = "strata_cursor_" + std::to_string(++cursor_counter_);
            const std::string declare = "DECLARE " + name + " NO SCROLL CURSOR FOR " + std::string{sql};
            ++statistics_.round_trips;
            PGresult* handle = PQexecParams(connection_, declare.c_str(), count, types_.data(), values_.data(),
                                            lengths_.data(), formats_.data(), result_format);
            check(handle, sql);
            PQclear(handle);
            return std::make_unique<cursor_result>(*this, std::move(name), std::max<std::size_t>(batch_rows, 1),
                                                   options_.binary_results);
        }
        const std::string text{sql};
        const bool cancel_early = !in_transaction();
        ++statistics_.round_trips;
        if (!PQsendQueryParams(connection_, text.c_str(), count, types_.data(), values_.data(), lengths_.data(),
                               formats_.data(), result_format) ||
            !PQsetSingleRowMode(connection_)) {
            check(nullptr, sql);
        }
        return std::make_unique<single_row_result>(connection_, options_.binary_results, cancel_early);
    }

    [[nodiscard]] bool supports_copy() const noexcept override { return true; }

    /// Learns the columns' types by describing an INSERT of them (cached per connection, like
    /// prepared statements) and picks binary COPY when every column has an exact encoder.
    std::string copy_prepare(std::string_view table, std::span<const std::string> columns,
                             std::span<const value_kind> kinds) override {
        settle();
        std::string names;
        std::string placeholders;
        for (std::size_t i = 0; i < columns.size(); ++i) {
            names += (i ? ", " : "") + columns[i];
            placeholders += (i ? ", $" : "$") + std::to_string(i + 1);
        }
        const std::string target = std::string{table} + " (" + names + ")";
        auto cached = copy_types_.find(target);
        if (cached == copy_types_.end()) {
            const std::string insert = "INSERT INTO " + target + " VALUES (" + placeholders + ")";
            ++statistics_.round_trips;
            PGresult* prepared = PQprepare(connection_, "", insert.c_str(), static_cast<int>(columns.size()), nullptr);
            check(prepared, insert);
            PQclear(prepared);
            ++statistics_.round_trips;
            PGresult* description = PQdescribePrepared(connection_, "");
            std::vector<unsigned> types;
            if (PQresultStatus(description) == PGRES_COMMAND_OK)
                for (int i = 0; i < PQnparams(description); ++i) types.push_back(PQparamtype(description, i));
            PQclear(description);
            cached = copy_types_.emplace(target, std::move(types)).first;
        }
        copy_plan_ = {};
        copy_plan_.columns.assign(columns.begin(), columns.end());
        copy_plan_.types = cached->second;
        copy_plan_.binary = copy_plan_.types.size() == kinds.size();
        for (std::size_t i = 0; copy_plan_.binary && i < kinds.size(); ++i)
            copy_plan_.binary = binary_copy_supports(copy_plan_.types[i], kinds[i]);
        copy_plan_.sql = "COPY " + target + " FROM STDIN" + (copy_plan_.binary ? " (FORMAT binary)" : "");
        return copy_plan_.sql;
    }

    void copy_begin() override {
        settle();
        ++statistics_.statements_executed;
        ++statistics_.round_trips;
        PGresult* handle = PQexec(connection_, copy_plan_.sql.c_str());
        if (handle != nullptr && PQresultStatus(handle) == PGRES_COPY_IN) {
            PQclear(handle);
            copy_buffer_.clear();
            if (copy_plan_.binary) append_binary_copy_header(copy_buffer_);
            return;
        }
        check(handle, copy_plan_.sql);
        PQclear(handle);
        throw internal_error("COPY did not enter COPY IN mode", "", copy_plan_.sql, error_source::postgresql);
    }

    void copy_row(std::span<const parameter> row) override {
        if (copy_plan_.binary) {
            append_big_endian<std::int16_t>(copy_buffer_, static_cast<std::int16_t>(row.size()));
            for (std::size_t i = 0; i < row.size(); ++i)
                append_copy_binary(copy_buffer_, row[i], copy_plan_.types[i], copy_plan_.columns[i]);
        } else {
            for (std::size_t i = 0; i < row.size(); ++i) {
                if (i) copy_buffer_ += '\t';
                append_copy_text(copy_buffer_, row[i], copy_plan_.columns[i]);
            }
            copy_buffer_ += '\n';
        }
        if (copy_buffer_.size() >= copy_chunk_bytes) send_copy_buffer();
    }

    std::int64_t copy_end() override {
        if (copy_plan_.binary) append_big_endian<std::int16_t>(copy_buffer_, -1);
        send_copy_buffer();
        const std::string& copy_sql = copy_plan_.sql;
        ++statistics_.round_trips;
        if (PQputCopyEnd(connection_, nullptr) != 1) check(nullptr, copy_sql);
        PGresult* handle = PQgetResult(connection_);
        std::int64_t rows = 0;
        if (handle != nullptr && PQresultStatus(handle) == PGRES_COMMAND_OK) {
            const char* tuples = PQcmdTuples(handle);
            std::from_chars(tuples, tuples + std::strlen(tuples), rows);
            PQclear(handle);
        } else {
            // Name the failing line where the server says it (CONTEXT: COPY users, line 42 ...).
            std::string context;
            if (handle != nullptr)
                if (const char* field = PQresultErrorField(handle, PG_DIAG_CONTEXT)) context = field;
            std::string state;
            std::string message =
                read_client_error(handle ? PQresultErrorMessage(handle) : PQerrorMessage(connection_)).message;
            if (handle != nullptr)
                if (const char* field = PQresultErrorField(handle, PG_DIAG_SQLSTATE)) state = field;
            if (handle != nullptr)
                if (const char* field = PQresultErrorField(handle, PG_DIAG_MESSAGE_PRIMARY)) message = field;
            PQclear(handle);
            while (PGresult* rest = PQgetResult(connection_)) PQclear(rest);
            throw_error(message + (context.empty() ? "" : " (" + context + ")"), state, copy_sql);
        }
        while (PGresult* rest = PQgetResult(connection_)) PQclear(rest);
        return rows;
    }

    void copy_abort(std::string_view reason) noexcept override {
        const std::string text{reason};
        ++statistics_.round_trips;
        PQputCopyEnd(connection_, text.c_str());
        while (PGresult* rest = PQgetResult(connection_)) PQclear(rest);
    }

    void execute_script(std::string_view sql) override {
        settle();
        const std::string text{sql};
        ++statistics_.statements_executed;
        ++statistics_.round_trips;
        PGresult* handle = PQexec(connection_, text.c_str());
        check(handle, sql);
        PQclear(handle);
    }

    /// Holds the BEGIN: it goes to the server with the transaction's first statement, in one round trip.
    void begin(begin_mode) override {
        if (in_transaction()) return;  // the server would only warn: "there is already a transaction in progress"
        held_.push_back({"BEGIN", {}, {{}, false}, true});
    }
    void commit() override {
        if (begin_is_held() && held_.size() == 1) {  // nothing ran in it: nothing to send
            held_.clear();
            return;
        }
        settle_prefetch();
        const bool failed = PQtransactionStatus(connection_) == PQTRANS_INERROR;
        if (!failed && !held_.empty() && std::all_of(held_.begin(), held_.end(), [](const held_statement& item) {
                return !item.handler.may_refuse || item.handler.expected_rows >= 0;
            })) {
            // Nothing held waits on a check only we can make: the COMMIT rides in the same round
            // trip, the row counts checked by the server. A statement that fails makes the server
            // skip the rest, the COMMIT with it.
            for (auto& item : held_)
                if (item.handler.may_refuse) item.check_rows_on_server();
            held_.push_back({"COMMIT", {}, {{}, false}, true});
            run_pipeline({}, {}, false);
            return;
        }
        send_held();
        execute_script("COMMIT");  // in a failed transaction the server answers ROLLBACK
        if (failed)
            throw operational_error("the transaction had failed, so COMMIT rolled it back", "25P02", "COMMIT",
                                    error_source::postgresql);
    }
    void rollback() override {
        const bool unsent = begin_is_held();  // the whole transaction is still held: the server never saw it
        held_.clear();                        // never sent: nothing of them to undo
        if (!unsent) execute_script("ROLLBACK");
    }
    [[nodiscard]] bool in_transaction() const override {
        if (begin_is_held()) return true;
        const auto status = PQtransactionStatus(connection_);
        return status == PQTRANS_INTRANS || status == PQTRANS_INERROR || status == PQTRANS_ACTIVE;
    }

    bool ping() noexcept override {
        if (broken_ || PQstatus(connection_) != CONNECTION_OK) return false;
        settle_quietly();
        ++statistics_.round_trips;
        PGresult* handle = PQexec(connection_, "");
        const bool alive = handle != nullptr && PQresultStatus(handle) == PGRES_EMPTY_QUERY;
        PQclear(handle);
        if (!alive) broken_ = true;
        return alive;
    }
    void reset() override {
        held_.clear();
        if (is_broken()) return;
        if (in_transaction()) rollback();
    }
    [[nodiscard]] bool is_broken() const noexcept override {
        return broken_ || connection_ == nullptr || PQstatus(connection_) != CONNECTION_OK;
    }
    [[nodiscard]] connection_statistics statistics() const noexcept override { return statistics_; }

    /// The underlying libpq handle, for users who need a libpq API strata does not wrap. Inside a
    /// yield_per loop the stream's next FETCH may be in flight on it: strata's own statements
    /// receive it first, a libpq call made directly would find the connection busy.
    [[nodiscard]] PGconn* native_handle() const noexcept { return connection_; }
    /// The server process id of this connection (pg_backend_pid()).
    [[nodiscard]] int backend_pid() const noexcept { return PQbackendPID(connection_); }

    /// The cursor's next batch: the FETCH already in flight, the one received early, or a new one.
    std::unique_ptr<postgresql_result> take_batch(cursor_result& cursor) {
        if (cursor.ready_) return std::move(cursor.ready_);
        if (prefetching_ != &cursor) send_fetch(cursor);  // the first batch, or one after a short one
        prefetching_ = nullptr;
        return receive_fetch(cursor);
    }
    /// Sends the cursor's next FETCH without waiting for it (take_batch or settle receives it).
    void send_fetch(cursor_result& cursor) {
        settle();
        ++statistics_.round_trips;
        if (!PQsendQueryParams(connection_, cursor.fetch_.c_str(), 0, nullptr, nullptr, nullptr, nullptr,
                               cursor.binary_ ? 1 : 0))
            check(nullptr, cursor.fetch_);
        prefetching_ = &cursor;
    }
    /// Discards the cursor's FETCH in flight and its early batch (the loop ended early).
    void forget(cursor_result& cursor) noexcept {
        if (prefetching_ == &cursor) {
            prefetching_ = nullptr;
            while (PGresult* handle = PQgetResult(connection_)) PQclear(handle);
        }
        cursor.ready_.reset();
    }
    /// Runs a utility statement, ignoring failure (closing a cursor on the way out).
    void run_quietly(const std::string& sql) noexcept {
        settle_quietly();
        ++statistics_.round_trips;
        PQclear(PQexec(connection_, sql.c_str()));
    }

private:
    struct prepared_statement {
        std::string name;
        std::vector<Oid> types;
        int parameter_count = 0;  ///< what the server found in the SQL, checked before each execute
    };

    static std::string scrub(std::string message, const std::string& password) {
        // libpq does not echo passwords; this guards against a future message that would.
        if (password.size() < 4) return message;
        for (auto at = message.find(password); at != std::string::npos; at = message.find(password, at))
            message.replace(at, password.size(), "***");
        return message;
    }

    /// Lays the parameters out as libpq wants them; binary for fixed-width kinds.
    /// The type OID a parameter of `kind` is sent with (0: untyped, the server infers it).
    static unsigned type_oid(value_kind kind) noexcept {
        switch (kind) {
            case value_kind::boolean:
                return oid::boolean;
            case value_kind::integer:
                return oid::int8;
            case value_kind::real:
                return oid::float8;
            case value_kind::blob:
                return oid::bytea;
            case value_kind::timestamp:
                return oid::timestamp;
            case value_kind::null:
            case value_kind::text:
                break;
        }
        return 0;
    }
    /// Throws data_error for text parameter `index` when it holds a NUL byte, which PostgreSQL
    /// text cannot hold.
    static void reject_nul(std::string_view text, std::size_t index, std::string_view sql) {
        if (text.find('\0') != std::string_view::npos)
            throw data_error("text parameter $" + std::to_string(index + 1) +
                                 " contains a NUL byte, which PostgreSQL text cannot hold (use a blob)",
                             "22021", std::string{sql}, error_source::postgresql);
    }
    /// reject_nul() for every text parameter of a statement.
    static void reject_nul_text(std::span<const parameter> parameters, std::string_view sql) {
        for (std::size_t i = 0; i < parameters.size(); ++i)
            if (parameters[i].kind() == value_kind::text && !parameters[i].is_null())
                reject_nul(parameters[i].as_text(), i, sql);
    }
    /// The parameters' type OIDs into types_: what a statement is prepared for and its prepared
    /// statement found by, without encoding the values (finding names for a pipeline needs no more).
    void encode_types(std::span<const parameter> parameters) {
        types_.resize(parameters.size());
        for (std::size_t i = 0; i < parameters.size(); ++i) types_[i] = type_oid(parameters[i].kind());
    }
    void encode(std::span<const parameter> parameters, std::string_view sql) {
        const std::size_t count = parameters.size();
        values_.assign(count, nullptr);
        lengths_.assign(count, 0);
        formats_.assign(count, 1);
        encode_types(parameters);
        fixed_.resize(count * 8);
        text_.clear();
        std::vector<std::size_t>& text_offsets = text_offsets_;
        text_offsets.assign(count, std::string::npos);
        for (std::size_t i = 0; i < count; ++i) {
            const parameter& value = parameters[i];
            char* slot = fixed_.data() + i * 8;
            if (value.kind() == value_kind::text) formats_[i] = 0;  // text format: the server parses it
            if (value.is_null()) continue;
            switch (value.kind()) {
                case value_kind::boolean:
                    slot[0] = value.as_bool() ? 1 : 0;
                    values_[i] = slot;
                    lengths_[i] = 1;
                    break;
                case value_kind::integer:
                    write_big_endian(static_cast<std::uint64_t>(value.as_integer()), slot);
                    values_[i] = slot;
                    lengths_[i] = 8;
                    break;
                case value_kind::real:
                    write_big_endian(std::bit_cast<std::uint64_t>(value.as_real()), slot);
                    values_[i] = slot;
                    lengths_[i] = 8;
                    break;
                case value_kind::timestamp:
                    write_big_endian(static_cast<std::uint64_t>(to_postgres_microseconds(value.as_timestamp())), slot);
                    values_[i] = slot;
                    lengths_[i] = 8;
                    break;
                case value_kind::blob:
                    values_[i] = value.as_text().empty() ? "" : value.as_text().data();
                    lengths_[i] = static_cast<int>(value.as_text().size());
                    break;
                case value_kind::text: {
                    const auto text = value.as_text();
                    reject_nul(text, i, sql);
                    text_offsets[i] = text_.size();  // text format needs a terminating NUL: copy
                    text_.append(text);
                    text_.push_back('\0');
                    lengths_[i] = static_cast<int>(text.size());
                    break;
                }
                case value_kind::null:
                    break;
            }
        }
        for (std::size_t i = 0; i < count; ++i)
            if (text_offsets[i] != std::string::npos) values_[i] = text_.data() + text_offsets[i];
    }

    /// A prefix for this connection's statement names, unique across connections and processes:
    /// the process id, a process-wide count, the clock and this object's address, mixed.
    std::string unique_statement_prefix() const {
        static std::atomic<std::uint64_t> connections{0};
        std::uint64_t token = static_cast<std::uint64_t>(::getpid()) << 32 ^ ++connections ^
                              static_cast<std::uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count()) ^
                              reinterpret_cast<std::uintptr_t>(this);
        token = strata::detail::mix_block(strata::detail::mix_block(token));
        char digits[17];
        const auto end = std::to_chars(digits, digits + 16, token, 16).ptr;
        return "strata_" + std::string{digits, end} + "_";
    }

    /// The server-side statement for `sql` with the current parameter types, prepared once.
    /// `learn_parameter_count` false: a statement known to take none (BEGIN, COMMIT), one round trip.
    const prepared_statement& prepared(std::string_view sql, bool learn_parameter_count = true) {
        if (const auto* known = find_prepared(sql)) return *known;
        auto found = cache_.find(sql);
        if (found == cache_.end()) found = cache_.emplace(std::string{sql}, std::vector<prepared_statement>{}).first;
        std::string name = statement_prefix_ + std::to_string(++statement_counter_);
        const std::string text = found->first;  // check() may erase the entry
        ++statistics_.round_trips;
        PGresult* handle =
            PQprepare(connection_, name.c_str(), text.c_str(), static_cast<int>(types_.size()), types_.data());
        check(handle, text);
        PQclear(handle);
        // One round trip per new statement tells how many parameters it really takes, so a
        // wrong count is a programming_error here rather than a protocol error from the server.
        int parameter_count = 0;
        if (learn_parameter_count) {
            ++statistics_.round_trips;
            handle = PQdescribePrepared(connection_, name.c_str());
            check(handle, text);
            parameter_count = PQnparams(handle);
            PQclear(handle);
        }
        ++statistics_.statements_prepared;
        auto& variants = cache_[text];
        variants.push_back({std::move(name), types_, parameter_count});
        return variants.back();
    }

    /// The name of `sql`'s prepared statement for the value types encode_types() last took (prepared now if
    /// new), after checking their count; nullptr when statements are not prepared.
    const std::string* statement_name(std::string_view sql, std::size_t count) {
        if (!options_.server_side_prepare) return nullptr;
        const prepared_statement& statement = prepared(sql);
        if (statement.parameter_count != static_cast<int>(count))
            throw programming_error("the statement takes " + std::to_string(statement.parameter_count) +
                                        " parameters but " + std::to_string(count) + " were given",
                                    "", std::string{sql}, error_source::postgresql);
        return &statement.name;
    }

    /// The prepared statement of a pipeline's BEGIN or COMMIT, prepared the first time (one round
    /// trip per connection, as pgbench -M prepared does): the server then parses neither in every
    /// transaction (measured: about 5% of the host's CPU per TPC-B transaction).
    const std::string& control_statement_name(std::string_view sql) {
        encode_types({});
        return prepared(sql, false).name;
    }

    /// Sends one statement of a pipeline; false if libpq could not queue it.
    bool send_in_pipeline(const std::string* name, const std::string& sql, int count) {
        const int result_format = options_.binary_results ? 1 : 0;
        ++statistics_.statements_executed;
        if (name != nullptr)
            return PQsendQueryPrepared(connection_, name->c_str(), count, values_.data(), lengths_.data(),
                                       formats_.data(), result_format) == 1;
        return PQsendQueryParams(connection_, sql.c_str(), count, types_.data(), values_.data(), lengths_.data(),
                                 formats_.data(), result_format) == 1;
    }

    /// The prepared statement of `sql` for the value types encode_types() last took, if there is one.
    const prepared_statement* find_prepared(std::string_view sql) const {
        const auto found = cache_.find(sql);
        if (found == cache_.end()) return nullptr;
        for (const auto& statement : found->second)
            if (statement.types == types_) return &statement;
        return nullptr;
    }
    /// The text the server's own check of a row count wraps around an UPDATE or DELETE: a
    /// mismatch fails the statement with this in its message, followed by the rows it matched.
    static constexpr std::string_view rows_matched_marker = "strata_rows_matched=";

    /// The rows a statement rewritten by check_rows_on_server matched, from the error it failed
    /// with when the count was not the expected one; nothing for any other error.
    static std::optional<std::int64_t> rows_matched_in(const PGresult* failure) {
        const char* state = PQresultErrorField(failure, PG_DIAG_SQLSTATE);
        const char* message = PQresultErrorField(failure, PG_DIAG_MESSAGE_PRIMARY);
        if (state == nullptr || message == nullptr || std::string_view{state} != "22P02") return std::nullopt;
        const std::string_view text{message};
        const auto at = text.find(rows_matched_marker);
        if (at == std::string_view::npos) return std::nullopt;
        std::int64_t matched = 0;
        const char* digits = text.data() + at + rows_matched_marker.size();
        if (std::from_chars(digits, text.data() + text.size(), matched).ec != std::errc{}) return std::nullopt;
        return matched;
    }

    /// Whether the transaction's BEGIN is held (begin() puts it first): the transaction is open
    /// for its user but not yet on the server.
    [[nodiscard]] bool begin_is_held() const noexcept { return !held_.empty() && held_.front().unnamed; }

    /// The prepared statement names of every held statement and then the last one (nullptr:
    /// unprepared), when each is prepared already with as many parameters as it is given (or
    /// statements are not prepared at all): then nothing can fail before the pipeline is sent.
    /// Empty when one is new: run_pipeline then prepares it first. A BEGIN or COMMIT is prepared
    /// here when new (control_statement_name): it takes no values, so it cannot be refused.
    std::optional<std::vector<const std::string*>> names_if_prepared(std::string_view last_sql,
                                                                     std::span<const parameter> last_parameters,
                                                                     bool with_last) {
        // What encode() could refuse is refused here, before a pipeline starts.
        for (const auto& item : held_) reject_nul_text(item.parameters, item.sql);
        if (with_last) reject_nul_text(last_parameters, last_sql);
        std::vector<const std::string*> names(held_.size() + (with_last ? 1 : 0), nullptr);
        if (!options_.server_side_prepare) return names;
        const auto name_of = [this](std::string_view sql, std::span<const parameter> parameters) -> const std::string* {
            encode_types(parameters);
            const auto* statement = find_prepared(sql);
            return statement != nullptr && statement->parameter_count == static_cast<int>(parameters.size())
                       ? &statement->name
                       : nullptr;
        };
        for (std::size_t i = 0; i < held_.size(); ++i) {
            if (held_[i].unnamed) {
                names[i] = &control_statement_name(held_[i].sql);
                continue;
            }
            if ((names[i] = name_of(held_[i].sql, held_[i].parameters)) == nullptr) return std::nullopt;
        }
        if (with_last && (names.back() = name_of(last_sql, last_parameters)) == nullptr) return std::nullopt;
        return names;
    }
    /// What run_pipeline does first when a statement is new to the connection: sends the held
    /// BEGIN alone, so that the PREPAREs run inside the transaction it opens (an error in one
    /// fails that transaction, as it would without the pipeline), then prepares each new
    /// statement - a round trip each, once per statement and connection. A statement that fails
    /// to prepare is thrown as its own error; the statements held after it are dropped.
    void prepare_held(std::string_view last_sql, std::span<const parameter> last_parameters, bool with_last) {
        const std::size_t first = begin_is_held() ? 1 : 0;
        auto held = std::exchange(held_, {});
        if (first == 1) execute_script("BEGIN");
        for (std::size_t i = first; i < held.size(); ++i) {
            auto& item = held[i];
            if (item.unnamed) continue;
            try {
                encode_types(item.parameters);
                (void)statement_name(item.sql, item.parameters.size());
            } catch (database_error& error) {
                answer_failed(item.handler, error, item.parameters);
                throw;
            }
        }
        if (with_last) {
            encode_types(last_parameters);
            (void)statement_name(last_sql, last_parameters.size());
        }
        held.erase(held.begin(), held.begin() + static_cast<std::ptrdiff_t>(first));
        held_ = std::move(held);
    }

    /// Sends every held statement, then (with `with_last`) `last_sql`, in libpq's pipeline mode:
    /// one round trip, however many. The held statements' answers are checked in order once the
    /// pipeline has ended; the first error is thrown then (the server skipped what came after it,
    /// so the transaction is failed and must be rolled back). Returns the last statement's result.
    PGresult* run_pipeline(std::string_view last_sql, std::span<const parameter> last_parameters, bool with_last) {
        auto names = names_if_prepared(last_sql, last_parameters, with_last);
        if (!names) {
            prepare_held(last_sql, last_parameters, with_last);
            names = names_if_prepared(last_sql, last_parameters, with_last);
            if (!names)
                throw internal_error("a statement held for a pipeline is still not prepared after preparing it", "",
                                     std::string{last_sql});
        }
        auto held = std::exchange(held_, {});
        const std::string last_text{last_sql};
        if (PQenterPipelineMode(connection_) != 1) {
            broken_ = true;
            check(nullptr, held.empty() ? last_sql : held.front().named_sql());
        }
        ++statistics_.round_trips;
        bool sent = true;
        for (std::size_t i = 0; i < held.size() && sent; ++i) {
            encode(held[i].parameters, held[i].sql);
            sent = send_in_pipeline((*names)[i], held[i].sql, static_cast<int>(held[i].parameters.size()));
        }
        if (sent && with_last) {
            encode(last_parameters, last_sql);
            sent = send_in_pipeline(names->back(), last_text, static_cast<int>(last_parameters.size()));
        }
        if (!sent || PQpipelineSync(connection_) != 1) {
            broken_ = true;  // the pipeline's state is unknown: the pool discards this connection
            check(nullptr, held.empty() ? last_sql : held.front().named_sql());
        }
        // Each answer is owned as it arrives, so that every one is freed whatever is thrown.
        std::vector<std::unique_ptr<postgresql_result>> answered(held.size());
        PGresult* failure = nullptr;
        std::size_t failed = 0;
        std::unique_ptr<PGresult, void (*)(PGresult*)> last{nullptr, PQclear};
        const std::size_t answers = held.size() + (with_last ? 1 : 0);
        for (std::size_t i = 0; i < answers; ++i) {
            PGresult* handle = PQgetResult(connection_);
            if (handle == nullptr) {  // the connection broke: nothing more will come
                broken_ = true;
                if (failure != nullptr) break;
                check(nullptr, i < held.size() ? held[i].named_sql() : last_sql);
            }
            const auto status = PQresultStatus(handle);
            if (i == held.size()) {
                last.reset(handle);  // checked below, after the held statements' answers
            } else if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK) {
                answered[i] = make_result(handle);
            } else if (status == PGRES_PIPELINE_ABORTED || failure != nullptr) {
                PQclear(handle);
            } else {
                failure = handle;
                failed = i;
            }
            while (PGresult* rest = PQgetResult(connection_)) PQclear(rest);  // this statement's end
        }
        if (!broken_) {
            if (PGresult* sync = PQgetResult(connection_)) PQclear(sync);  // PGRES_PIPELINE_SYNC
            PQexitPipelineMode(connection_);
        }
        if (failure != nullptr && held[failed].rows_checked_on_server) {
            if (const auto matched = rows_matched_in(failure)) {
                // The server found the row count wrong: the handler throws its own error for it.
                PQclear(failure);
                auto answer = make_result(PQmakeEmptyPGresult(connection_, PGRES_COMMAND_OK));
                answer->set_affected_rows(*matched);
                held[failed].handler.on_answer(std::move(answer), nullptr, held[failed].parameters);
                throw internal_error("a statement matched " + std::to_string(*matched) + " rows instead of " +
                                         std::to_string(held[failed].handler.expected_rows) +
                                         ", and its check did not refuse it",
                                     "", std::string{held[failed].named_sql()});
            }
        }
        if (failure != nullptr) {
            try {
                check(failure, held[failed].named_sql());
            } catch (database_error& error) {
                answer_failed(held[failed].handler, error, held[failed].parameters);
                throw;
            }
        }
        if (!broken_ && options_.binary_results)  // nothing is in flight now: user types can be looked up
            for (const auto& answer : answered)
                if (answer) learn_user_types(answer->column_types());
        for (std::size_t i = 0; i < held.size(); ++i) {
            if (held[i].rows_checked_on_server && answered[i])  // the server found the expected count
                answered[i]->set_affected_rows(held[i].handler.expected_rows);
            if (held[i].handler.on_answer)
                held[i].handler.on_answer(std::move(answered[i]), nullptr, held[i].parameters);
        }
        if (!with_last) return nullptr;
        PGresult* answer = last.release();
        check(answer, last_sql);  // keeps a good result, frees and throws a failed one
        return answer;
    }

    /// A result of this connection's, reading user types as it has learned them.
    std::unique_ptr<postgresql_result> make_result(PGresult* handle) {
        return std::make_unique<postgresql_result>(handle, options_.binary_results, &user_types_);
    }
    /// Gives a held statement's handler its error (to add the values sent with it).
    static void answer_failed(const held_handler& handler, database_error& error, std::span<const parameter> values) {
        if (handler.on_answer) handler.on_answer(nullptr, &error, values);
    }

    /// Receives a FETCH in flight before the connection runs another statement; the batch waits
    /// in its cursor. A failed FETCH is raised here too, since the transaction it aborted is the
    /// one the new statement would run in.
    void settle() {
        settle_prefetch();
        send_held();
    }
    /// Receives the FETCH in flight, if any (settle() without sending the held statements).
    void settle_prefetch() {
        if (prefetching_ == nullptr) return;
        cursor_result& cursor = *std::exchange(prefetching_, nullptr);
        try {
            cursor.ready_ = receive_fetch(cursor);
        } catch (...) {
            cursor.failure_ = std::current_exception();
            throw;
        }
    }
    /// settle() for the callers that cannot throw (ping, closing a cursor): a failed FETCH stays
    /// with its cursor, raised when its loop reaches it.
    void settle_quietly() noexcept {
        try {
            settle_prefetch();  // held statements wait for a caller that can be told they failed
        } catch (...) {
        }
    }
    std::unique_ptr<postgresql_result> receive_fetch(const cursor_result& cursor) {
        PGresult* handle = PQgetResult(connection_);
        while (PGresult* rest = PQgetResult(connection_)) PQclear(rest);  // the end of the FETCH's results
        check(handle, cursor.fetch_);
        return std::make_unique<postgresql_result>(handle, cursor.binary_, &user_types_);
    }

    /// Throws the typed error for a failed libpq call; marks the connection broken if it is.
    void check(PGresult* handle, std::string_view sql) {
        const auto status = handle ? PQresultStatus(handle) : PGRES_FATAL_ERROR;
        if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK || status == PGRES_EMPTY_QUERY) return;
        std::string state;
        std::string message;
        if (handle != nullptr) {
            if (const char* field = PQresultErrorField(handle, PG_DIAG_SQLSTATE)) state = field;
            if (const char* field = PQresultErrorField(handle, PG_DIAG_MESSAGE_PRIMARY)) message = field;
        }
        if (message.empty() || (state.empty() && PQstatus(connection_) != CONNECTION_OK)) {
            // The server ended the session (an administrator, a shutdown, idle_session_timeout): its
            // FATAL message reached libpq outside any result, so its SQLSTATE is only in this text.
            auto read = read_client_error(PQerrorMessage(connection_));
            message = std::move(read.message);
            state = std::move(read.state);
        }
        while (!message.empty() && (message.back() == '\n' || message.back() == ' ')) message.pop_back();
        PQclear(handle);
        if (PQstatus(connection_) != CONNECTION_OK) {
            broken_ = true;
            if (state.empty()) state = "08006";
            throw operational_error("the connection to the server was lost: " + message, state, std::string{sql},
                                    error_source::postgresql);
        }
        if (state == "0A000" || state == "26000") cache_.erase(std::string{sql});  // stale plan: prepare anew next time
        if (state == "08P01" && message.find("bind message supplies") != std::string::npos) state = "42P02";
        throw_error(std::move(message), std::move(state), std::string{sql});
    }

    /// connect_timeout from the URL, in seconds as libpq reads it (0 or none: wait as long as it takes).
    static int connect_timeout_of(const url& address) {
        for (const auto& [key, value] : address.query) {
            if (key != "connect_timeout") continue;
            int seconds = 0;
            std::from_chars(value.data(), value.data() + value.size(), seconds);
            return seconds <= 0 ? 0 : std::max(seconds, 2);  // libpq's minimum
        }
        return 0;
    }

    /// Drives PQconnectPoll until the connection is made or fails (PQconnectdb's loop, which is
    /// also where libpq applies connect_timeout: here to the whole attempt). False when it timed out.
    bool finish_connecting(int timeout_seconds) {
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds{timeout_seconds};
        auto status = PGRES_POLLING_WRITING;
        while (status == PGRES_POLLING_READING || status == PGRES_POLLING_WRITING) {
            pollfd descriptor{PQsocket(connection_),
                              static_cast<short>(status == PGRES_POLLING_READING ? POLLIN : POLLOUT), 0};
            int wait = -1;
            if (timeout_seconds > 0) {
                const auto left =
                    std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
                wait = static_cast<int>(std::max<std::int64_t>(left.count(), 0));
            }
            const int ready = ::poll(&descriptor, 1, wait);
            if (ready == 0) return false;
            if (ready < 0 && errno != EINTR) return true;  // PQconnectPoll has reported the failure
            status = PQconnectPoll(connection_);
        }
        return true;
    }

    PGconn* connection_ = nullptr;
    connect_options options_;
    bool broken_ = false;
    std::uint64_t statement_counter_ = 0;
    /// "strata_<token>_": a name no other connection uses. Behind a transaction-pooling pgbouncer a
    /// transaction may run on a server connection another client prepared its own statements on;
    /// a name of its own makes that a "does not exist" error there instead of another client's
    /// statement run with these values.
    std::string statement_prefix_ = unique_statement_prefix();
    /// User-defined type OIDs seen in results: whether each reads as text (learn_user_types()).
    std::unordered_map<unsigned, bool> user_types_;
    std::uint64_t cursor_counter_ = 0;
    cursor_result* prefetching_ = nullptr;  ///< the cursor whose next FETCH is in flight
    /// A statement execute_held() keeps for send_held(), with copies of its values.
    struct held_statement {
        std::string sql;
        std::vector<parameter> parameters;
        held_handler handler;
        bool unnamed = false;                 ///< sent unprepared (transaction control)
        bool rows_checked_on_server = false;  ///< rewritten by check_rows_on_server
        std::string original_sql{};           ///< what it was before: what its events and errors name

        /// Rewrites an UPDATE or DELETE whose handler checks only its row count so that the server
        /// checks it: a count other than the expected one fails the statement (22P02, the marker
        /// and the count in its message), and the COMMIT pipelined after it is skipped.
        void check_rows_on_server() {
            const std::string expected = std::to_string(handler.expected_rows);
            original_sql = std::move(sql);
            sql = "WITH strata_checked AS (" + original_sql + " RETURNING 1) SELECT CASE WHEN count(*) = " + expected +
                  " THEN 1 ELSE ('" + std::string{rows_matched_marker} +
                  "' || count(*))::integer END FROM strata_checked";
            rows_checked_on_server = true;
        }

        /// The statement as its caller wrote it.
        [[nodiscard]] std::string_view named_sql() const noexcept {
            return rows_checked_on_server ? std::string_view{original_sql} : std::string_view{sql};
        }
    };
    std::vector<held_statement> held_;
    struct copy_plan {
        std::string sql;
        std::vector<std::string> columns;
        std::vector<unsigned> types;
        bool binary = false;
    };
    static constexpr std::size_t copy_chunk_bytes = 1 << 16;
    copy_plan copy_plan_;
    std::string copy_buffer_;
    std::unordered_map<std::string, std::vector<unsigned>, strata::detail::string_hash, std::equal_to<>> copy_types_;

    void send_copy_buffer() {
        if (copy_buffer_.empty()) return;
        if (PQputCopyData(connection_, copy_buffer_.data(), static_cast<int>(copy_buffer_.size())) != 1)
            check(nullptr, copy_plan_.sql);
        copy_buffer_.clear();
    }
    connection_statistics statistics_;
    std::unordered_map<std::string, std::vector<prepared_statement>, strata::detail::string_hash, std::equal_to<>>
        cache_;
    // Parameter buffers reused across statements: no allocation per execute once warm.
    std::vector<const char*> values_;
    std::vector<int> lengths_;
    std::vector<int> formats_;
    std::vector<Oid> types_;
    std::vector<char> fixed_;
    std::string text_;
    std::vector<std::size_t> text_offsets_;
};

inline bool cursor_result::next() {
    if (batch_ && batch_->next()) return true;
    if (exhausted_) return false;
    if (failure_) {
        exhausted_ = true;
        std::rethrow_exception(failure_);
    }
    try {
        batch_ = owner_.take_batch(*this);
    } catch (...) {
        exhausted_ = true;  // the FETCH aborted the transaction: nothing more can be read
        batch_.reset();
        throw;
    }
    if (batch_->known_row_count() == batch_rows_) owner_.send_fetch(*this);
    if (batch_->next()) return true;
    batch_.reset();
    close();
    return false;
}

inline void cursor_result::close() noexcept {
    if (exhausted_) return;
    exhausted_ = true;
    owner_.forget(*this);
    owner_.run_quietly("CLOSE " + name_);  // fails harmlessly inside an aborted transaction
}

inline bool single_row_result::next() {
    batch_.reset();
    if (finished_) return false;
    PGresult* handle = PQgetResult(connection_);
    if (handle == nullptr) {
        finished_ = true;
        return false;
    }
    const auto status = PQresultStatus(handle);
    if (status == PGRES_SINGLE_TUPLE) {
        batch_ = std::make_unique<postgresql_result>(handle, binary_);
        return batch_->next();
    }
    if (status == PGRES_TUPLES_OK || status == PGRES_COMMAND_OK) {
        PQclear(handle);
        drain();
        return false;
    }
    auto [state, message] = read_client_error(PQresultErrorMessage(handle));
    if (const char* field = PQresultErrorField(handle, PG_DIAG_SQLSTATE)) state = field;
    if (const char* field = PQresultErrorField(handle, PG_DIAG_MESSAGE_PRIMARY)) message = field;
    PQclear(handle);
    drain();
    throw_error(std::move(message), std::move(state), "");
}

inline void single_row_result::drain() noexcept {
    if (finished_) return;
    finished_ = true;
    // Leaving early: ask the server to stop sending, then discard what is in flight.
    if (!cancel_early_) {
        while (PGresult* handle = PQgetResult(connection_)) PQclear(handle);
        return;
    }
    if (PGcancel* cancel = PQgetCancel(connection_)) {
        char buffer[256];
        PQcancel(cancel, buffer, sizeof buffer);
        PQfreeCancel(cancel);
    }
    while (PGresult* handle = PQgetResult(connection_)) PQclear(handle);
}

}  // namespace strata::driver::postgresql_detail

namespace strata::driver {
/// The PostgreSQL driver's connection type.
using postgresql_connection = postgresql_detail::postgresql_connection;
}  // namespace strata::driver
