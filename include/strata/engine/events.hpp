// strata/engine/events.hpp - listeners called around every statement an engine runs.
//
// SQLAlchemy's before_cursor_execute / after_cursor_execute: echo logging and statement counting
// are listeners like any user's. Transaction control (BEGIN, COMMIT, ROLLBACK, SAVEPOINT) is not a
// statement event, as in SQLAlchemy, so counts are counts of the statements a feature issues.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <span>
#include <string_view>

#include "strata/core/dialect.hpp"
#include "strata/core/error.hpp"
#include "strata/core/value.hpp"

namespace strata {

/// What a listener is told about a statement.
struct execute_event {
    std::string_view sql;                     ///< the SQL text as sent
    std::span<const parameter> parameters;    ///< the bound values
    dialect sql_dialect;                      ///< the dialect of the connection
    std::chrono::nanoseconds elapsed{};       ///< time the statement took (after-execute and execute-failed)
    const database_error* failure = nullptr;  ///< the error (execute-failed only; parameters attached)
    std::string_view server = "primary";      ///< which server ran it: "primary", or "replica <n>" (from 0)
};

/// When a listener runs: before a statement, after it succeeded, or after it failed with a
/// database_error (SQLAlchemy's handle_error), which is then thrown to the caller.
enum class event_kind { before_execute, after_execute, execute_failed };

/// A listener function.
using execute_listener = std::function<void(const execute_event&)>;

/// Identifies a registered listener so it can be removed.
using listener_id = std::uint64_t;

}  // namespace strata
