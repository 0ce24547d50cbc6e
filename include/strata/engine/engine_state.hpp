// strata/engine/engine_state.hpp - what an engine shares with its connections (internal).
#pragma once

#include <memory>

#include "strata/core/url.hpp"
#include "strata/driver/connection.hpp"
#include "strata/driver/registry.hpp"
#include "strata/engine/events.hpp"
#include "strata/engine/options.hpp"
#include "strata/engine/pool.hpp"

namespace strata::detail {

/// The state behind an engine handle; connections keep it alive while they are checked out.
struct engine_state {
    engine_state(url address, driver::driver_entry entry, const engine_options& settings,
                 connection_pool::connector connect)
        : address(std::move(address)), entry(std::move(entry)), options(settings), pool(std::move(connect), settings) {}

    url address;
    driver::driver_entry entry;
    engine_options options;
    connection_pool pool;
    event_dispatcher events;
};

}  // namespace strata::detail
