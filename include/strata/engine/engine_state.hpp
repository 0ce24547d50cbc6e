// strata/engine/engine_state.hpp - what an engine shares with its connections (internal).
//
// Only the compiled parts of engine and connection (their impl headers) read it, so that a
// separately compiled program's translation units parse none of the pool's and the listeners'
// machinery: engine.hpp and connection.hpp hold it through a declared, incomplete type.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "strata/core/url.hpp"
#include "strata/driver/connection.hpp"
#include "strata/driver/registry.hpp"
#include "strata/engine/connection_pool.hpp"
#include "strata/engine/event_dispatcher.hpp"
#include "strata/engine/options.hpp"

namespace strata::detail {

/// What an engine knows of one of its read replicas' health (times on the steady clock, in ns).
struct replica_health {
    std::atomic<std::int64_t> down_until{0};   ///< left out until then; not 0: failed since it last answered
    std::atomic<std::int64_t> lag_checked{0};  ///< when its lag was last read
    std::atomic<bool> lagging{false};          ///< its lag was above max_replica_lag then
};

/// The state behind an engine handle; connections keep it alive while they are checked out. A
/// read replica has one of its own, which shares its primary's listeners.
struct engine_state {
    engine_state(url address, driver::driver_entry entry, const engine_options& settings,
                 connection_pool::connector connect, std::shared_ptr<event_dispatcher> dispatcher = nullptr,
                 std::string server_name = "primary")
        : address(std::move(address)),
          entry(std::move(entry)),
          options(settings),
          pool(std::move(connect), settings),
          events(dispatcher ? std::move(dispatcher) : std::make_shared<event_dispatcher>()),
          server(std::move(server_name)) {}

    url address;
    driver::driver_entry entry;
    engine_options options;
    connection_pool pool;
    std::shared_ptr<event_dispatcher> events;             ///< the listeners, shared with the replicas' states
    std::string server;                                   ///< what events call this server
    std::vector<std::shared_ptr<engine_state>> replicas;  ///< the read replicas (a primary's only)
    std::vector<std::unique_ptr<replica_health>> health;  ///< one per replica
    std::atomic<std::size_t> next_replica{0};             ///< round robin
};

}  // namespace strata::detail
