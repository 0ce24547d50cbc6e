// strata/driver/connection.hpp - the interface every database driver implements.
//
// The engine, the pool and everything above talk to a database only through driver::connection
// and driver::result. A driver is a pair of classes plus a factory registered under a URL scheme
// (see driver/registry.hpp); strata ships SQLite and PostgreSQL, and a test registers its own.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "strata/core/dialect.hpp"
#include "strata/core/error.hpp"
#include "strata/core/url.hpp"
#include "strata/core/value.hpp"

namespace strata::driver {

using strata::dialect;
using strata::dialect_name;

/// How a transaction starts; SQLite's write lock comes from BEGIN IMMEDIATE.
enum class begin_mode { deferred, immediate };

/// Settings a driver reads when it connects (the engine fills them from its options).
struct connect_options {
    /// PostgreSQL: use named server-side prepared statements (off for pgbouncer transaction mode).
    bool server_side_prepare = true;
    /// PostgreSQL: send TimeZone=UTC as a startup option (false: require the server's to be UTC).
    bool startup_options = true;
    /// PostgreSQL: request results in binary format (measured faster; see docs/design.md).
    bool binary_results = true;
    /// SQLite: how long a statement waits on a locked database before SQLITE_BUSY.
    std::chrono::milliseconds busy_timeout{5000};
    /// SQLite: enforce foreign keys (PRAGMA foreign_keys = ON).
    bool sqlite_foreign_keys = true;
    /// SQLite: LIKE tells case apart, as PostgreSQL's does (PRAGMA case_sensitive_like = ON), so
    /// one pattern matches the same rows on both; ilike() is the case-blind match.
    bool sqlite_case_sensitive_like = true;
    /// PostgreSQL: stream with a server-side cursor (FETCH n) rather than libpq's single-row mode.
    bool cursor_streaming = true;
};

/// Counters a driver keeps per connection; tests read them to prove statement reuse.
struct connection_statistics {
    std::uint64_t statements_prepared = 0;  ///< statements compiled by the database (cache misses)
    std::uint64_t statements_executed = 0;  ///< statements run, prepared or not
    /// Requests that waited for the server's answer: statements, transaction control, prepares,
    /// each FETCH of a cursor, pings (0 on SQLite, which runs in the process).
    std::uint64_t round_trips = 0;
};

/// The rows (or the row count) a statement produced; iterate with next(), read through field_reader.
///
/// A result borrows its connection: it must be destroyed before the connection, and a
/// connection runs one result at a time (starting a new statement ends the previous result
/// on drivers that need it).
class result : public field_reader {
public:
    virtual ~result() = default;
    /// Moves to the next row; false when there are no more rows. Call before the first read.
    virtual bool next() = 0;
    /// Rows inserted, updated or deleted by the statement (0 for queries).
    [[nodiscard]] virtual std::int64_t affected_rows() const = 0;
    /// How many rows the result holds when the driver already has them all (PostgreSQL's
    /// buffered results), so that a caller can size its containers once; 0 when unknown.
    [[nodiscard]] virtual std::size_t known_row_count() const noexcept { return 0; }
};

/// What a held statement's answer goes to (connection::execute_held).
struct held_handler {
    /// Given the statement's result when it ran (its rows, or its affected-row count: a RETURNING
    /// read back, a row-count check that throws to fail it), or else its error with `answer`
    /// null, which it may add to - the values sent with it, for one - before it is thrown.
    std::function<void(std::unique_ptr<result> answer, database_error* failure, std::span<const parameter> values)>
        on_answer;
    /// Whether on_answer may fail a statement that ran (a row count saying its row was gone):
    /// then the transaction's COMMIT waits for that check instead of riding in the same round trip.
    bool may_refuse = true;
    /// When on_answer's only check is that the statement - an UPDATE or DELETE without RETURNING -
    /// matched exactly this many rows: a driver may have the server make that check, so that the
    /// COMMIT still rides along. A mismatch then fails the statement on the server (the COMMIT
    /// after it is skipped), and on_answer is given an answer of the rows it matched, to throw its
    /// own error. -1: on_answer checks more than a row count.
    std::int64_t expected_rows = -1;
};

/// One open database connection.
class connection {
public:
    virtual ~connection() = default;

    /// The dialect this connection speaks.
    [[nodiscard]] virtual dialect sql_dialect() const noexcept = 0;

    /// Runs one statement with bound parameters ($1.. or ? placeholders); prepared statements are
    /// cached per connection by SQL text. The statement has run when this returns; rows are read
    /// from the result.
    virtual std::unique_ptr<result> execute(std::string_view sql, std::span<const parameter> parameters) = 0;

    /// Whether this driver holds statements for one round trip (execute_held): PostgreSQL's
    /// pipeline mode. Without it the engine runs such statements at once.
    [[nodiscard]] virtual bool supports_held_statements() const noexcept { return false; }
    /// Holds a statement whose answer `handler` takes (a flush's writes, a pipelined Core
    /// statement), to send it with the statements held after it in one round trip: send_held()
    /// sends them, and so does every other call that talks to the server, first - commit() too,
    /// in the same round trip as its COMMIT when no held statement's handler may refuse its answer.
    /// When a held statement fails, its handler is given the error before that error, naming the
    /// statement, is thrown from there; the statements held after it are not run. Rolling back
    /// drops what is held.
    virtual void execute_held(std::string_view sql, std::span<const parameter> parameters, held_handler&& handler) {
        (void)parameters;
        (void)handler;
        throw not_supported_error("this driver does not hold statements", "", std::string{sql});
    }
    /// Sends the statements execute_held() holds, in one round trip, and checks their answers.
    virtual void send_held() {}

    /// Runs a statement whose rows are fetched in batches of about `batch_rows`, so memory stays
    /// bounded. Drivers that always stream (SQLite) may return the same as execute().
    virtual std::unique_ptr<result> execute_streaming(std::string_view sql, std::span<const parameter> parameters,
                                                      std::size_t batch_rows) {
        (void)batch_rows;
        return execute(sql, parameters);
    }

    /// Whether execute_batch() sends many rows of values in one execution (MariaDB's array binding).
    [[nodiscard]] virtual bool supports_batch() const noexcept { return false; }
    /// Runs the one-row statement `sql` for each of `rows` rows of `values` (row after row, each
    /// row the statement's parameters) in one execution; the result holds the rows written.
    virtual std::unique_ptr<result> execute_batch(std::string_view sql, std::span<const parameter> values,
                                                  std::size_t rows) {
        (void)values;
        (void)rows;
        throw not_supported_error("this driver has no batch execution", "", std::string{sql});
    }

    /// Whether this driver has a COPY-style bulk path (PostgreSQL's COPY ... FROM STDIN).
    [[nodiscard]] virtual bool supports_copy() const noexcept { return false; }
    /// Plans a bulk copy into `table` of `columns` (quoted identifiers) for rows whose values have
    /// `kinds`, choosing the format; returns the statement copy_begin() will run.
    virtual std::string copy_prepare(std::string_view table, std::span<const std::string> columns,
                                     std::span<const value_kind> kinds) {
        (void)columns;
        (void)kinds;
        throw not_supported_error("this driver has no COPY", "", "COPY " + std::string{table});
    }
    /// Starts the copy planned by copy_prepare(); then copy_row() per row and copy_end().
    virtual void copy_begin() {}
    /// Encodes and sends one row (values in the planned column order).
    virtual void copy_row(std::span<const parameter> row) { (void)row; }
    /// Finishes the copy; returns the rows copied, or throws the typed error (naming the line).
    virtual std::int64_t copy_end() { return 0; }
    /// Abandons the copy: the server discards every row sent.
    virtual void copy_abort(std::string_view reason) noexcept { (void)reason; }

    /// Runs one or more statements with no parameters and no rows (DDL, PRAGMA, SET).
    virtual void execute_script(std::string_view sql) = 0;

    /// Starts a transaction.
    virtual void begin(begin_mode mode = begin_mode::deferred) = 0;
    /// Commits the open transaction.
    virtual void commit() = 0;
    /// Rolls back the open transaction.
    virtual void rollback() = 0;
    /// Creates a savepoint inside the open transaction.
    virtual void savepoint(std::string_view name) { execute_script("SAVEPOINT " + std::string{name}); }
    /// Releases (keeps the work of) a savepoint.
    virtual void release_savepoint(std::string_view name) { execute_script("RELEASE SAVEPOINT " + std::string{name}); }
    /// Rolls back to a savepoint, keeping the transaction open.
    virtual void rollback_to_savepoint(std::string_view name) {
        execute_script("ROLLBACK TO SAVEPOINT " + std::string{name});
    }
    /// Whether a transaction is open (including a failed one awaiting rollback).
    [[nodiscard]] virtual bool in_transaction() const = 0;

    /// Checks the connection is alive with a round trip; false if it is not.
    virtual bool ping() noexcept = 0;
    /// Makes the connection ready for its next user: ends any result, rolls back any transaction.
    virtual void reset() = 0;
    /// Whether the connection is known to be unusable (server gone); the pool discards it.
    [[nodiscard]] virtual bool is_broken() const noexcept = 0;

    /// Prepare and execute counters of this connection.
    [[nodiscard]] virtual connection_statistics statistics() const noexcept = 0;
};

}  // namespace strata::driver
