// strata/engine/options.hpp - everything create_engine() can be told, with SQLAlchemy's defaults.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace strata {

/// Which idle connection a checkout takes: the most recent (LIFO, SQLAlchemy's default since
/// 1.4's use_lifo option keeps fewer connections warm) or the oldest (FIFO).
enum class pool_order { lifo, fifo };

/// Options of create_engine(); written with designated initializers:
/// `create_engine(url, {.pool_size = 20, .max_overflow = 40, .pool_timeout = std::chrono::seconds{30}})`.
struct engine_options {
    std::size_t pool_size = 5;                           ///< connections kept open when idle
    std::size_t max_overflow = 10;                       ///< extra connections opened under load, closed on return
    std::chrono::milliseconds pool_timeout{30'000};      ///< how long a checkout waits before strata::pool_timeout
    bool pool_pre_ping = false;                          ///< test a connection at checkout, replace it if dead
    std::optional<std::chrono::seconds> pool_recycle{};  ///< replace connections older than this
    pool_order pool_reuse = pool_order::lifo;            ///< which idle connection a checkout takes
    bool pooled = true;                                  ///< false: a new connection per checkout (pgbouncer)
    bool echo = false;                                   ///< log every statement, its parameters and timing
    std::function<void(std::string_view)> echo_sink{};   ///< where echo lines go (default: stderr)
    bool hide_parameters = false;                        ///< keep bound values out of echo lines and errors
    bool server_side_prepare = true;                     ///< PostgreSQL: named prepared statements
    /// PostgreSQL: ask for TimeZone=UTC in libpq's startup `options` (pgbouncer refuses them: set
    /// false behind it, and strata checks at connect that the server's own TimeZone is UTC).
    bool startup_options = true;
    bool binary_results = true;                     ///< PostgreSQL: binary result format
    bool cursor_streaming = true;                   ///< PostgreSQL: stream via DECLARE/FETCH (else single-row mode)
    std::chrono::milliseconds busy_timeout{5'000};  ///< SQLite: wait on a locked database
    bool begin_immediate = false;                   ///< SQLite: BEGIN IMMEDIATE takes the write lock at once
    bool sqlite_case_sensitive_like = true;         ///< SQLite: LIKE tells case apart, as PostgreSQL's does
    /// PostgreSQL: URLs of read replicas (hot standbys of this primary); sessions read from them.
    std::vector<std::string> replicas{};
    /// How long a replica that failed (refused a connection, lost one) is left out before it is tried again.
    std::chrono::milliseconds replica_retry_interval{30'000};
    /// Reads go to the primary while a replica's replay lags more than this (checked at most once a second).
    std::optional<std::chrono::milliseconds> max_replica_lag{};
    /// After a session commits a write, its reads go to the primary for this long (none: for the rest of the session).
    std::optional<std::chrono::milliseconds> read_your_writes{};
};

}  // namespace strata
