// strata/engine/events.hpp - listeners called around every statement an engine runs.
//
// SQLAlchemy's before_cursor_execute / after_cursor_execute: echo logging and statement counting
// are listeners like any user's. Transaction control (BEGIN, COMMIT, ROLLBACK, SAVEPOINT) is not a
// statement event, as in SQLAlchemy, so counts are counts of the statements a feature issues.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <mutex>
#include <span>
#include <string_view>
#include <vector>

#include "strata/core/error.hpp"
#include "strata/core/value.hpp"
#include "strata/driver/connection.hpp"

namespace strata {

/// What a listener is told about a statement.
struct execute_event {
    std::string_view sql;                     ///< the SQL text as sent
    std::span<const parameter> parameters;    ///< the bound values
    driver::dialect sql_dialect;              ///< the dialect of the connection
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

/// The listeners of one engine; thread-safe, and free when no listener is registered.
class event_dispatcher {
public:
    /// Registers a listener and returns its id.
    listener_id listen(event_kind kind, execute_listener listener) {
        std::lock_guard lock{mutex_};
        const listener_id id = ++last_id_;
        listeners_.push_back({id, kind, std::move(listener)});
        count_.store(listeners_.size(), std::memory_order_release);
        return id;
    }
    /// Removes a listener; unknown ids are ignored.
    void remove(listener_id id) {
        std::lock_guard lock{mutex_};
        std::erase_if(listeners_, [id](const entry& item) { return item.id == id; });
        count_.store(listeners_.size(), std::memory_order_release);
    }
    /// Whether any listener is registered (checked without locking on every statement).
    [[nodiscard]] bool active() const noexcept { return count_.load(std::memory_order_acquire) != 0; }
    /// Calls every listener of `kind`.
    void dispatch(event_kind kind, const execute_event& event) const {
        std::lock_guard lock{mutex_};
        for (const auto& item : listeners_)
            if (item.kind == kind) item.listener(event);
    }

private:
    struct entry {
        listener_id id;
        event_kind kind;
        execute_listener listener;
    };
    mutable std::mutex mutex_;
    std::vector<entry> listeners_;
    std::atomic<std::size_t> count_{0};
    listener_id last_id_ = 0;
};

}  // namespace strata
