// strata/engine/engine.hpp - create_engine(url, options): a driver, a pool and events behind one handle.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "strata/core/dialect.hpp"
#include "strata/core/error.hpp"
#include "strata/detail/linkage.hpp"
#include "strata/engine/connection.hpp"
#include "strata/engine/events.hpp"
#include "strata/engine/options.hpp"
#include "strata/engine/pool.hpp"

namespace strata {

/// A database, as a program sees it: where it is, how to connect, a pool, and statement events.
/// Copies share the same pool and listeners (a handle, like SQLAlchemy's Engine object).
class engine {
public:
    /// Wraps engine state (use create_engine()).
    explicit engine(std::shared_ptr<detail::engine_state> state) noexcept : state_(std::move(state)) {}

    /// Checks a connection out of the pool (waiting up to pool_timeout); on the primary.
    [[nodiscard]] STRATA_COMPILED_LINKAGE connection connect() const;
    /// A connection for reads: a read replica's, taken in turn among those that are up and within
    /// max_replica_lag, else the primary's (no replicas configured, or none usable).
    [[nodiscard]] STRATA_COMPILED_LINKAGE connection connect_for_read() const;
    /// Whether the engine has read replicas.
    [[nodiscard]] STRATA_COMPILED_LINKAGE bool has_replicas() const noexcept;
    /// Leaves the replica `server` (a connection's or an event's server name) out for
    /// replica_retry_interval, closing its idle connections; the primary is never left out.
    STRATA_COMPILED_LINKAGE void replica_failed(std::string_view server) const;

    /// The dialect of this engine's driver.
    [[nodiscard]] STRATA_COMPILED_LINKAGE dialect sql_dialect() const noexcept;
    /// The URL with its password hidden.
    [[nodiscard]] STRATA_COMPILED_LINKAGE std::string url() const;
    /// The options the engine was created with (after adjustments such as SQLite memory databases).
    [[nodiscard]] STRATA_COMPILED_LINKAGE const engine_options& options() const noexcept;

    /// Registers a listener; returns its id for remove_listener().
    STRATA_COMPILED_LINKAGE listener_id listen(event_kind kind, execute_listener listener) const;
    /// Removes a listener.
    STRATA_COMPILED_LINKAGE void remove_listener(listener_id id) const;

    /// Pool counters: idle, in use, overflow.
    [[nodiscard]] STRATA_COMPILED_LINKAGE strata::pool_status pool_status() const;
    /// Closes idle connections (those in use close when returned).
    STRATA_COMPILED_LINKAGE void dispose() const;

private:
    std::shared_ptr<detail::engine_state> state_;
};

namespace detail {
/// Whether an error says the server cannot be reached or dropped the connection (SQLSTATE class
/// 08, a shutdown's 57P01-57P03, or a failure libpq reported without a code): a read that met it
/// on a replica is run again elsewhere.
[[nodiscard]] inline bool server_unavailable(const database_error& failure) noexcept {
    const std::string_view code = failure.code();
    return code.empty() || code.starts_with("08") || code == "57P01" || code == "57P02" || code == "57P03";
}
}  // namespace detail

/// Creates an engine for a URL; the driver is chosen by the URL's scheme.
///
/// A SQLite memory database exists only inside its one connection, so its engine keeps exactly
/// one connection (pool_size 1, no overflow), shared one checkout at a time, as SQLAlchemy does.
STRATA_COMPILED_LINKAGE engine create_engine(std::string_view database_url, engine_options options = {});

}  // namespace strata

#if !defined(STRATA_SEPARATE_COMPILATION)
#include "strata/engine/impl/engine.hpp"
#endif
