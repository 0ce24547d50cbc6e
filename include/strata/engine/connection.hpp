// strata/engine/connection.hpp - a connection checked out of an engine's pool.
//
// Every statement goes through here, so every statement fires the engine's events. The
// connection goes back to the pool (rolled back if a transaction is open) when this handle is
// destroyed or close() is called.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <vector>

#include "strata/core/dialect.hpp"
#include "strata/core/error.hpp"
#include "strata/core/type_traits.hpp"
#include "strata/detail/function_ref.hpp"
#include "strata/detail/linkage.hpp"
#include "strata/detail/tuple_elements.hpp"
#include "strata/driver/connection.hpp"
#include "strata/engine/pending.hpp"
#include "strata/engine/pool.hpp"
#include "strata/engine/result.hpp"

namespace strata {

namespace detail {
struct engine_state;  // strata/engine/engine_state.hpp: read only by the compiled code
}  // namespace detail

/// A statement of strata's SQL layer (select, insert, update, delete): compiles for a dialect and
/// says what its rows are.
template <class Statement>
concept compilable_statement = requires(const Statement& statement, dialect target) {
    typename Statement::row_type;
    statement.compile(target).sql;
    statement.compile(target).parameters;
};

/// A pooled database connection; move-only, returned to the pool when destroyed.
class connection {
public:
    /// Wraps a connection checked out of `state`'s pool.
    connection(std::shared_ptr<detail::engine_state> state, pooled_connection checked_out) noexcept
        : state_(std::move(state)), pooled_(std::move(checked_out)) {}
    connection(connection&&) noexcept = default;
    connection& operator=(connection&& other) noexcept {
        if (this != &other) {
            close();
            state_ = std::move(other.state_);
            pooled_ = std::move(other.pooled_);
        }
        return *this;
    }
    connection(const connection&) = delete;
    connection& operator=(const connection&) = delete;
    ~connection() { close(); }

    /// Runs `sql` with the arguments bound as parameters ($1, $2 ... on both databases, or ? on SQLite).
    template <class... Args>
    result execute(std::string_view sql, const Args&... arguments) {
        const std::array<parameter, sizeof...(Args)> parameters{to_parameter(arguments)...};
        return execute_parameters(sql, parameters);
    }

    /// Runs a typed statement: a select (or a RETURNING statement) gives a vector of its row tuples,
    /// an insert, update or delete without RETURNING gives the number of rows affected.
    template <compilable_statement Statement>
    auto execute(const Statement& statement) {
        const auto compiled = statement.compile(sql_dialect());
        result rows = execute_parameters(compiled.sql, compiled.parameters);
        using row_type = typename Statement::row_type;
        if constexpr (std::tuple_size_v<row_type> == 0)
            return rows.affected_rows();
        else
            return rows.all_as<row_type>();
    }

    /// Sends a typed statement in the connection's pipeline: on PostgreSQL it waits to go with the
    /// statements pipelined after it - and with the transaction's COMMIT - in one round trip;
    /// SQLite runs it at once, and so does PostgreSQL outside a transaction (which nothing is sure
    /// to send). Its answer, what execute() would return, lands in the pending<>.
    /// An error is thrown by the call that sends it (commit(), send_held(), the next statement),
    /// naming the statement and its values; the statements after it do not run.
    template <compilable_statement Statement>
    auto execute_pipelined(const Statement& statement) {
        using row_type = typename Statement::row_type;
        using answer_type = std::conditional_t<std::tuple_size_v<row_type> == 0, std::int64_t, std::vector<row_type>>;
        pending<answer_type> answer;
        const auto compiled = statement.compile(sql_dialect());
        execute_held(
            compiled.sql, compiled.parameters,
            [slot = answer.slot()](result& rows) {
                if constexpr (std::tuple_size_v<row_type> == 0)
                    slot->emplace(rows.affected_rows());
                else
                    slot->emplace(rows.all_as<row_type>());
            },
            false);
        return answer;
    }

    /// Runs a typed statement and iterates its rows one at a time, without a vector of all of them.
    template <compilable_statement Statement>
    typed_rows<typename Statement::row_type> stream(const Statement& statement, std::size_t batch_rows = 1000) {
        const auto compiled = statement.compile(sql_dialect());
        return typed_rows<typename Statement::row_type>{
            execute_streaming(compiled.sql, compiled.parameters, batch_rows)};
    }

    /// Runs a typed statement and builds a Struct from each row (aggregate initialization, in column order).
    template <class Struct, compilable_statement Statement>
    std::vector<Struct> execute_into(const Statement& statement) {
        std::vector<Struct> objects;
        // Braces, not make_from_tuple: an aggregate from parentheses (P0960) needs GCC 10 or clang 16.
        for (auto&& row : execute(statement))
            objects.push_back(strata::detail::apply_to_elements(
                [](auto&&... values) { return Struct{std::forward<decltype(values)>(values)...}; }, std::move(row)));
        return objects;
    }

    /// Runs a one-column statement and returns the value of its first row (no_result_found if none).
    template <compilable_statement Statement>
    auto scalar(const Statement& statement) {
        using row_type = typename Statement::row_type;
        static_assert(std::tuple_size_v<row_type> == 1, "scalar() needs a statement of exactly one column");
        const auto compiled = statement.compile(sql_dialect());
        return execute_parameters(compiled.sql, compiled.parameters)
            .template scalar<std::tuple_element_t<0, row_type>>();
    }

    /// Runs `sql` with already converted parameters.
    STRATA_COMPILED_LINKAGE result execute_parameters(std::string_view sql, std::span<const parameter> parameters);

    /// Runs the one-row statement `sql` once per row of `values` (`rows` rows) in one execution,
    /// where the driver supports_batch(); one statement event for them all.
    STRATA_COMPILED_LINKAGE result execute_batch(std::string_view sql, std::span<const parameter> values,
                                                 std::size_t rows);

    /// Runs `sql` fetching rows in batches of about `batch_rows` (bounded memory).
    STRATA_COMPILED_LINKAGE result execute_streaming(std::string_view sql, std::span<const parameter> parameters,
                                                     std::size_t batch_rows);

    /// Runs a statement whose answer - its rows, or its affected-row count - goes to `on_answer`,
    /// which throws to fail it (a row count saying the row was gone). PostgreSQL holds it until
    /// send_held(), commit() or the connection's next statement, so that what is held goes in one
    /// round trip (driver::connection::execute_held); SQLite runs it now, and so does PostgreSQL
    /// outside a transaction (nothing else is sure to send it). `may_refuse`: whether
    /// on_answer may throw for a statement that ran; if none may, the COMMIT rides along too. The
    /// statement events fire now; an error is thrown, with the values bound, when it is sent, and
    /// `on_error` (if given) sees it first (to tell which of many held statements it was).
    /// An empty on_answer reads nothing: the statement can fail only by its error.
    void execute_held(std::string_view sql, std::span<const parameter> parameters,
                      std::function<void(result& answer)> on_answer, bool may_refuse = true,
                      std::function<void(const database_error& failure)> on_error = {}) {
        hold(sql, parameters, std::move(on_answer), may_refuse, std::move(on_error), -1);
    }
    /// execute_held() for an UPDATE or DELETE without RETURNING whose only check is that it matched
    /// `expected_rows` rows; `on_mismatch(matched)` throws when it did not. On PostgreSQL a COMMIT
    /// sent while it is held asks the server to make the check, so the COMMIT rides in the same
    /// round trip: a mismatch fails the statement there, nothing is committed, and on_mismatch
    /// throws as before.
    STRATA_COMPILED_LINKAGE void execute_checked(std::string_view sql, std::span<const parameter> parameters,
                                                 std::int64_t expected_rows,
                                                 std::function<void(std::int64_t matched)> on_mismatch);
    /// Whether execute_held() holds statements (PostgreSQL) rather than running them at once.
    [[nodiscard]] bool holds_statements() const { return native().supports_held_statements(); }
    /// Sends the held statements (one round trip) and checks their answers.
    void send_held() { native().send_held(); }

    /// Runs statements with no parameters and no rows (DDL); fires the events once.
    STRATA_COMPILED_LINKAGE void execute_script(std::string_view sql);

    /// Bulk-copies rows into `table` (COPY ... FROM STDIN on PostgreSQL): `produce(send_row)`
    /// calls send_row(values) per row, values in `columns` order. Fires the statement events once,
    /// with the COPY statement the driver chose. Returns the rows copied; on any exception no row
    /// of this copy stays.
    template <class Producer>
    std::int64_t copy_in(std::string_view table, std::span<const std::string> columns,
                         std::span<const value_kind> kinds, Producer&& produce) {
        auto& target = native();
        const std::string copy_sql = target.copy_prepare(table, columns, kinds);
        std::int64_t rows = 0;
        run(copy_sql, {}, [&] {
            target.copy_begin();
            try {
                produce([&target](std::span<const parameter> row) { target.copy_row(row); });
            } catch (...) {
                target.copy_abort("aborted by the client");
                throw;
            }
            rows = target.copy_end();
            return std::unique_ptr<driver::result>{};
        });
        return rows;
    }

    /// Starts a transaction (BEGIN IMMEDIATE on SQLite when the engine's begin_immediate is set).
    STRATA_COMPILED_LINKAGE void begin();
    /// Starts a transaction in the given mode.
    void begin(driver::begin_mode mode) { native().begin(mode); }
    /// Commits the open transaction.
    void commit() { native().commit(); }
    /// Rolls back the open transaction.
    void rollback() { native().rollback(); }
    /// Creates a savepoint.
    void savepoint(std::string_view name) { native().savepoint(name); }
    /// Releases a savepoint.
    void release_savepoint(std::string_view name) { native().release_savepoint(name); }
    /// Rolls back to a savepoint.
    void rollback_to_savepoint(std::string_view name) { native().rollback_to_savepoint(name); }
    /// Whether a transaction is open.
    [[nodiscard]] bool in_transaction() const { return native().in_transaction(); }

    /// The SQL dialect of this connection.
    [[nodiscard]] driver::dialect sql_dialect() const { return native().sql_dialect(); }
    /// The driver connection, for driver-specific calls (native handles, statistics).
    [[nodiscard]] driver::connection& native() const {
        if (!pooled_.connection) throw usage_error("the connection was closed (or moved from)");
        return *pooled_.connection;
    }
    /// Whether this handle still holds a connection.
    [[nodiscard]] bool is_open() const noexcept { return pooled_.connection != nullptr; }
    /// Which server it reaches: "primary", or "replica <n>" (as statement events say).
    [[nodiscard]] STRATA_COMPILED_LINKAGE std::string_view server() const noexcept;

    /// Returns the connection to the pool now (rolled back if a transaction is open).
    STRATA_COMPILED_LINKAGE void close() noexcept;

private:
    /// execute_held() and execute_checked(): `expected_rows` (-1: none) tells the driver that
    /// on_answer checks only that row count (driver::held_handler::expected_rows).
    STRATA_COMPILED_LINKAGE void hold(std::string_view sql, std::span<const parameter> parameters,
                                      std::function<void(result& answer)> on_answer, bool may_refuse,
                                      std::function<void(const database_error& failure)> on_error,
                                      std::int64_t expected_rows);

    /// Runs `body` (the driver call) with the statement events around it and the bound values
    /// attached to a database_error it throws.
    STRATA_COMPILED_LINKAGE result run(std::string_view sql, std::span<const parameter> parameters,
                                       strata::detail::function_ref<std::unique_ptr<driver::result>()> body);

    /// Writes the bound values of `sql` into the error that is on its way to the caller, so the
    /// message shows what was sent - unless the error names another statement: a held one sent
    /// ahead of this one, whose check attached its own values.
    STRATA_COMPILED_LINKAGE void attach_statement_parameters(database_error& failure, std::string_view sql,
                                                             std::span<const parameter> parameters) const;
    /// Writes `parameters` into the error, or says they are hidden (`hide`: hide_parameters).
    STRATA_COMPILED_LINKAGE static void attach_parameters(database_error& failure,
                                                          std::span<const parameter> parameters, bool hide);

    std::shared_ptr<detail::engine_state> state_;
    pooled_connection pooled_;
};

/// A transaction on a connection: rolled back when destroyed unless commit() was called.
class transaction {
public:
    /// Begins a transaction on `target`.
    explicit transaction(connection& target) : connection_(&target) { target.begin(); }
    transaction(const transaction&) = delete;
    transaction& operator=(const transaction&) = delete;
    ~transaction() {
        if (connection_ == nullptr) return;
        try {
            if (connection_->is_open() && connection_->in_transaction()) connection_->rollback();
        } catch (...) {  // a broken connection is discarded by the pool when returned
        }
    }
    /// Commits; the transaction is over afterwards.
    void commit() {
        auto* target = std::exchange(connection_, nullptr);
        target->commit();
    }
    /// Rolls back; the transaction is over afterwards.
    void rollback() {
        auto* target = std::exchange(connection_, nullptr);
        target->rollback();
    }

private:
    connection* connection_;
};

}  // namespace strata

#if !defined(STRATA_SEPARATE_COMPILATION)
#include "strata/engine/impl/connection.hpp"
#endif
