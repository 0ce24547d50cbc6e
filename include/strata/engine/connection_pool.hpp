// strata/engine/connection_pool.hpp - the connection pool: SQLAlchemy's QueuePool semantics, and a
// pool-less mode (internal: one per engine, reached through engine and connection).
//
// Up to pool_size idle connections are kept; under load up to max_overflow more are opened and
// closed again when returned; a checkout that finds every connection busy waits at most
// pool_timeout, then throws strata::pool_timeout. Returned connections are reset (rolled back);
// a broken one is discarded, never handed out again.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>

#include "strata/detail/linkage.hpp"
#include "strata/driver/connection.hpp"
#include "strata/engine/options.hpp"
#include "strata/engine/pool.hpp"

namespace strata {

/// Hands out connections; one per engine.
class connection_pool {
public:
    /// Opens one new connection.
    using connector = std::function<std::unique_ptr<driver::connection>()>;

    /// A pool over `connect` with the pool settings of `options`.
    connection_pool(connector connect, const engine_options& options)
        : connect_(std::move(connect)), options_(options) {}

    connection_pool(const connection_pool&) = delete;
    connection_pool& operator=(const connection_pool&) = delete;

    /// Takes a connection, opening one if allowed, else waiting up to pool_timeout.
    pooled_connection checkout();

    /// Gives a connection back: reset, then kept idle, closed as overflow, or discarded if broken.
    /// A broken connection invalidates the pool (idle connections opened before now are replaced at
    /// their next checkout), since a server restart kills them all - SQLAlchemy's behaviour.
    void checkin(pooled_connection returned) noexcept;

    /// Closes every idle connection; connections in use are closed when they come back.
    void dispose();

    /// The pool's counters now.
    [[nodiscard]] pool_status status() const {
        std::lock_guard lock{mutex_};
        return {options_.pool_size,
                idle_.size(),
                checked_out_,
                open_ > options_.pool_size ? open_ - options_.pool_size : 0,
                opened_,
                peak_open_,
                open_};
    }

private:
    [[nodiscard]] std::size_t capacity() const noexcept { return options_.pool_size + options_.max_overflow; }

    [[nodiscard]] bool disposed_generation_mismatch(const pooled_connection& item) const noexcept {
        return disposed_at_ && item.created <= *disposed_at_;
    }

    pooled_connection open_new();

    /// Applies recycle and pre-ping to an idle connection just taken; replaces it when needed.
    pooled_connection validate(pooled_connection taken);

    connector connect_;
    engine_options options_;
    mutable std::mutex mutex_;
    std::condition_variable available_;
    std::deque<pooled_connection> idle_;
    std::size_t open_ = 0;
    std::size_t checked_out_ = 0;
    std::size_t opened_ = 0;
    std::size_t peak_open_ = 0;
    std::optional<std::chrono::steady_clock::time_point> disposed_at_;
};

}  // namespace strata

#if !defined(STRATA_SEPARATE_COMPILATION)
#include "strata/engine/impl/connection_pool.hpp"
#endif
