// strata/engine/impl/connection_pool.hpp - the definitions behind strata/engine/connection_pool.hpp.
//
// Included by that header in header-only builds; under STRATA_SEPARATE_COMPILATION only by
// src/strata.cpp, so they are compiled once per program.
#pragma once

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>

#include "strata/core/error.hpp"
#include "strata/detail/linkage.hpp"
#include "strata/engine/connection_pool.hpp"

namespace strata {

STRATA_COMPILED_LINKAGE pooled_connection connection_pool::checkout() {
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
        if (available_.wait_until(lock, deadline) == std::cv_status::timeout && idle_.empty() && open_ >= capacity()) {
            const auto waited =
                std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start);
            throw pool_timeout("QueuePool limit of size " + std::to_string(options_.pool_size) + " overflow " +
                               std::to_string(options_.max_overflow) + " reached; waited " +
                               std::to_string(waited.count()) + " ms for a connection (pool_timeout " +
                               std::to_string(options_.pool_timeout.count()) + " ms)");
        }
    }
}

STRATA_COMPILED_LINKAGE void connection_pool::checkin(pooled_connection returned) noexcept {
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

STRATA_COMPILED_LINKAGE void connection_pool::dispose() {
    std::deque<pooled_connection> closing;
    {
        std::lock_guard lock{mutex_};
        closing.swap(idle_);
        open_ -= closing.size();
        disposed_at_ = std::chrono::steady_clock::now();
    }
    available_.notify_all();
}

STRATA_COMPILED_LINKAGE pooled_connection connection_pool::open_new() {
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

STRATA_COMPILED_LINKAGE pooled_connection connection_pool::validate(pooled_connection taken) {
    const bool expired =
        options_.pool_recycle && std::chrono::steady_clock::now() - taken.created > *options_.pool_recycle;
    bool invalidated = false;
    {
        std::lock_guard lock{mutex_};
        invalidated = disposed_generation_mismatch(taken);
    }
    const bool dead =
        invalidated || taken.connection->is_broken() || (options_.pool_pre_ping && !taken.connection->ping());
    if (!expired && !dead) return taken;
    taken.connection.reset();
    return open_new();  // the slot (open_, checked_out_) carries over to the replacement
}

}  // namespace strata
