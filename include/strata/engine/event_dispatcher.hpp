// strata/engine/event_dispatcher.hpp - the listeners an engine calls around each statement
// (internal: one per engine, shared with its replicas; a program registers through engine::listen).
#pragma once

#include <atomic>
#include <cstddef>
#include <mutex>
#include <vector>

#include "strata/engine/events.hpp"

namespace strata {

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
