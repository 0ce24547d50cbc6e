// strata/engine/pool.hpp - what an engine's connection pool reports and hands out.
//
// The pool itself (strata/engine/connection_pool.hpp) is the engine's internal: a program sees
// its counters through engine::pool_status() and its connections through strata::connection.
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>

#include "strata/driver/connection.hpp"

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
    std::unique_ptr<driver::connection> connection;  ///< the open connection
    std::chrono::steady_clock::time_point created;   ///< when it was opened (for recycle)
};

}  // namespace strata
