// strata/engine/pool.hpp - the connection pool: SQLAlchemy's QueuePool semantics, and a pool-less mode.
//
// Up to pool_size idle connections are kept; under load up to max_overflow more are opened and
// closed again when returned; a checkout that finds every connection busy waits at most
// pool_timeout, then throws strata::pool_timeout. Returned connections are reset (rolled back);
// a broken one is discarded, never handed out again.
#pragma once

#include <algorithm>
#include <chrono>
#include <optional>
#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>

#include "strata/core/error.hpp"
#include "strata/driver/connection.hpp"
#include "strata/engine/options.hpp"

namespace strata {

/// A snapshot of a pool's counters.
struct pool_status {
    std::size_t pool_size = 0;    ///< configured idle capacity
    std::size_t checked_in = 0;   ///< idle connections in the pool
    std::size_t checked_out = 0;  ///< connections in use
    std::size_t overflow = 0;     ///< open connections beyond pool_size
    std::size_t opened = 0;       ///< connections opened since the pool was created
    std::size_t peak_open = 0;    ///< most connections open at once
    std::size_t open = 0;         ///< connections open now (in use + idle)
};

/// A driver connection with the bookkeeping the pool needs.
struct pooled_connection {
    std::unique_ptr<driver::connection> connection;       ///< the open connection
    std::chrono::steady_clock::time_point created;         ///< when it was opened (for recycle)
};

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
    pooled_connection checkout() {
        const auto start = std::chrono::steady_clock::now();
        std::unique_lock lock{mutex_};
        while (true) {
            if (!idle_.empty()) {
                pooled_connection taken;
                if (options_.pool_reuse == pool_order::lifo) {
                    taken = std::move(idle_.back());
                    idle_.pop_back();
                } else {
                    taken = std::move(idle_.front());
                    idle_.pop_front();
                }
                ++checked_out_;
                lock.unlock();
                return validate(std::move(taken));
            }
            if (!options_.pooled || open_ < capacity()) {
                ++open_;
                peak_open_ = std::max(peak_open_, open_);
                ++checked_out_;
                lock.unlock();
                return open_new();
            }
            const auto deadline = start + options_.pool_timeout;
            if (available_.wait_until(lock, deadline) == std::cv_status::timeout && idle_.empty() &&
                open_ >= capacity()) {
                const auto waited = std::chrono::duration_cast<std::chrono::milliseconds>(
                    std::chrono::steady_clock::now() - start);
                throw pool_timeout("QueuePool limit of size " + std::to_string(options_.pool_size) + " overflow " +
                                   std::to_string(options_.max_overflow) + " reached; waited " +
                                   std::to_string(waited.count()) + " ms for a connection (pool_timeout " +
                                   std::to_string(options_.pool_timeout.count()) + " ms)");
            }
        }
    }

    /// Gives a connection back: reset, then kept idle, closed as overflow, or discarded if broken.
    /// A broken connection invalidates the pool (idle connections opened before now are replaced at
    /// their next checkout), since a server restart kills them all - SQLAlchemy's behaviour.
    void checkin(pooled_connection returned) noexcept {
        const bool broken = !returned.connection || returned.connection->is_broken();
        bool usable = !broken;
        if (usable) {
            try {
                returned.connection->reset();
                usable = !returned.connection->is_broken();
            } catch (...) {
                usable = false;
            }
        }
        std::unique_lock lock{mutex_};
        --checked_out_;
        if (broken) disposed_at_ = std::chrono::steady_clock::now();
        if (usable && options_.pooled && idle_.size() < options_.pool_size && !disposed_generation_mismatch(returned)) {
            idle_.push_back(std::move(returned));
        } else {
            --open_;
            lock.unlock();
            returned.connection.reset();  // close outside the lock
            lock.lock();
        }
        available_.notify_one();
    }

    /// Closes every idle connection; connections in use are closed when they come back.
    void dispose() {
        std::deque<pooled_connection> closing;
        {
            std::lock_guard lock{mutex_};
            closing.swap(idle_);
            open_ -= closing.size();
            disposed_at_ = std::chrono::steady_clock::now();
        }
        available_.notify_all();
    }

    /// The pool's counters now.
    [[nodiscard]] pool_status status() const {
        std::lock_guard lock{mutex_};
        return {options_.pool_size, idle_.size(), checked_out_, open_ > options_.pool_size ? open_ - options_.pool_size : 0,
                opened_, peak_open_, open_};
    }

private:
    [[nodiscard]] std::size_t capacity() const noexcept { return options_.pool_size + options_.max_overflow; }

    [[nodiscard]] bool disposed_generation_mismatch(const pooled_connection& item) const noexcept {
        return disposed_at_ && item.created <= *disposed_at_;
    }

    pooled_connection open_new() {
        try {
            pooled_connection fresh{connect_(), std::chrono::steady_clock::now()};
            std::lock_guard lock{mutex_};
            ++opened_;
            return fresh;
        } catch (...) {
            std::lock_guard lock{mutex_};
            --open_;
            --checked_out_;
            available_.notify_one();
            throw;
        }
    }

    /// Applies recycle and pre-ping to an idle connection just taken; replaces it when needed.
    pooled_connection validate(pooled_connection taken) {
        const bool expired = options_.pool_recycle &&
                             std::chrono::steady_clock::now() - taken.created > *options_.pool_recycle;
        bool invalidated = false;
        {
            std::lock_guard lock{mutex_};
            invalidated = disposed_generation_mismatch(taken);
        }
        const bool dead = invalidated || taken.connection->is_broken() ||
                          (options_.pool_pre_ping && !taken.connection->ping());
        if (!expired && !dead) return taken;
        taken.connection.reset();
        return open_new();  // the slot (open_, checked_out_) carries over to the replacement
    }

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
