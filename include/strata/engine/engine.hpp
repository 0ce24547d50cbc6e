// strata/engine/engine.hpp - create_engine(url, options): a driver, a pool and events behind one handle.
#pragma once

#include <fmt/core.h>

#include <functional>
#include <chrono>
#include <memory>
#include <string>
#include <string_view>

#include "strata/core/url.hpp"
#include "strata/detail/timestamp_text.hpp"
#include "strata/driver/registry.hpp"
#include "strata/engine/connection.hpp"
#include "strata/engine/engine_state.hpp"
#include "strata/engine/events.hpp"
#include "strata/engine/options.hpp"
#include "strata/engine/pool.hpp"

namespace strata {

namespace detail {
/// Formats a parameter for echo logs; long values are cut, blobs shown by size.
inline std::string describe_parameter(const parameter& value) {
    if (value.is_null()) return "NULL";
    switch (value.kind()) {
        case value_kind::boolean: return value.as_bool() ? "true" : "false";
        case value_kind::integer: return std::to_string(value.as_integer());
        case value_kind::real: return fmt::format("{}", value.as_real());
        case value_kind::text: {
            const auto text = value.as_text();
            return "'" + std::string{text.substr(0, 80)} + (text.size() > 80 ? "...'" : "'");
        }
        case value_kind::blob: return "<" + std::to_string(value.as_text().size()) + " bytes>";
        case value_kind::timestamp: return "'" + timestamp_to_text(value.as_timestamp()) + "'";
        case value_kind::null: break;
    }
    return "NULL";
}
}  // namespace detail

/// A database, as a program sees it: where it is, how to connect, a pool, and statement events.
/// Copies share the same pool and listeners (a handle, like SQLAlchemy's Engine object).
class engine {
public:
    /// Wraps engine state (use create_engine()).
    explicit engine(std::shared_ptr<detail::engine_state> state) noexcept : state_(std::move(state)) {}

    /// Checks a connection out of the pool (waiting up to pool_timeout).
    [[nodiscard]] connection connect() const { return connection{state_, state_->pool.checkout()}; }

    /// The dialect of this engine's driver.
    [[nodiscard]] driver::dialect sql_dialect() const noexcept { return state_->entry.sql_dialect; }
    /// The URL with its password hidden.
    [[nodiscard]] std::string url() const { return state_->address.redacted(); }
    /// The options the engine was created with (after adjustments such as SQLite memory databases).
    [[nodiscard]] const engine_options& options() const noexcept { return state_->options; }

    /// Registers a listener; returns its id for remove_listener().
    listener_id listen(event_kind kind, execute_listener listener) const {
        return state_->events.listen(kind, std::move(listener));
    }
    /// Removes a listener.
    void remove_listener(listener_id id) const { state_->events.remove(id); }

    /// Pool counters: idle, in use, overflow.
    [[nodiscard]] strata::pool_status pool_status() const { return state_->pool.status(); }
    /// Closes idle connections (those in use close when returned).
    void dispose() const { state_->pool.dispose(); }

private:
    std::shared_ptr<detail::engine_state> state_;
};

/// Creates an engine for a URL; the driver is chosen by the URL's scheme.
///
/// A SQLite memory database exists only inside its one connection, so its engine keeps exactly
/// one connection (pool_size 1, no overflow), shared one checkout at a time, as SQLAlchemy does.
inline engine create_engine(std::string_view database_url, engine_options options = {}) {
    url address = parse_url(database_url);
    driver::driver_entry entry = driver::find_driver(address.scheme);
    if (entry.sql_dialect == driver::dialect::sqlite && address.is_memory_database()) {
        options.pool_size = 1;
        options.max_overflow = 0;
        options.pooled = true;
    }
    driver::connect_options connect_settings;
    connect_settings.server_side_prepare = options.server_side_prepare;
    connect_settings.binary_results = options.binary_results;
    connect_settings.busy_timeout = options.busy_timeout;
    connect_settings.cursor_streaming = options.cursor_streaming;
    std::function<void(std::string_view)> log = options.echo_sink;
    if (!log) log = [](std::string_view line) { fmt::print(stderr, "{}\n", line); };
    auto connect = [address, entry, connect_settings, echo = options.echo, log] {
        if (echo) log("[strata] connect " + address.redacted());
        return entry.connect(address, connect_settings);
    };
    auto state = std::make_shared<detail::engine_state>(address, entry, options, std::move(connect));
    if (options.echo) {
        state->events.listen(event_kind::after_execute, [log](const execute_event& event) {
            std::string values;
            for (const auto& value : event.parameters)
                values += (values.empty() ? "" : ", ") + detail::describe_parameter(value);
            log(fmt::format("[strata] {} | ({}) | {:.3f} ms", event.sql, values,
                            std::chrono::duration<double, std::milli>(event.elapsed).count()));
        });
    }
    return engine{std::move(state)};
}

}  // namespace strata
