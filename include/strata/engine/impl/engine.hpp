// strata/engine/impl/engine.hpp - the definitions behind strata/engine/engine.hpp (creating engines).
//
// Included by that header in header-only builds; under STRATA_SEPARATE_COMPILATION only by
// src/strata.cpp, so they are compiled once per program.
#pragma once

#include <chrono>
#include <cstdio>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "strata/detail/linkage.hpp"
#include "strata/detail/parameter_text.hpp"
#include "strata/engine/engine.hpp"

namespace strata {

namespace detail {
/// A duration in milliseconds with three decimals, as echo lines show it.
inline std::string milliseconds_text(std::chrono::nanoseconds elapsed) {
    char buffer[32];
    const int written =
        std::snprintf(buffer, sizeof buffer, "%.3f", std::chrono::duration<double, std::milli>(elapsed).count());
    return {buffer, written > 0 ? static_cast<std::size_t>(written) : 0};
}
}  // namespace detail

STRATA_COMPILED_LINKAGE engine create_engine(std::string_view database_url, engine_options options) {
    url address = parse_url(database_url);
    driver::driver_entry entry = driver::find_driver(address.scheme);
    if (entry.sql_dialect == driver::dialect::sqlite && address.is_memory_database()) {
        options.pool_size = 1;
        options.max_overflow = 0;
        options.pooled = true;
    }
    driver::connect_options connect_settings;
    connect_settings.server_side_prepare = options.server_side_prepare;
    connect_settings.startup_options = options.startup_options;
    connect_settings.binary_results = options.binary_results;
    connect_settings.busy_timeout = options.busy_timeout;
    connect_settings.cursor_streaming = options.cursor_streaming;
    connect_settings.sqlite_case_sensitive_like = options.sqlite_case_sensitive_like;
    std::function<void(std::string_view)> log = options.echo_sink;
    if (!log)
        log = [](std::string_view line) {
            std::fwrite(line.data(), 1, line.size(), stderr);
            std::fputc('\n', stderr);
        };
    auto connect = [address, entry, connect_settings, echo = options.echo, log] {
        if (echo) log("[strata] connect " + address.redacted());
        return entry.connect(address, connect_settings);
    };
    auto state = std::make_shared<detail::engine_state>(address, entry, options, std::move(connect));
    if (options.echo) {
        // Each statement is logged before it runs, so the one that fails or hangs is in the log;
        // its outcome follows on a line of its own.
        state->events.listen(event_kind::before_execute,
                             [log, hidden = options.hide_parameters](const execute_event& event) {
                                 std::string values;
                                 if (hidden && !event.parameters.empty()) {
                                     values = "parameters hidden";
                                 } else {
                                     for (const auto& value : event.parameters)
                                         values += (values.empty() ? "" : ", ") + detail::describe_parameter(value);
                                 }
                                 log("[strata] " + std::string{event.sql} + " | (" + values + ")");
                             });
        state->events.listen(event_kind::after_execute, [log](const execute_event& event) {
            log("[strata] ok in " + detail::milliseconds_text(event.elapsed) + " ms");
        });
        state->events.listen(event_kind::execute_failed, [log](const execute_event& event) {
            log("[strata] failed in " + detail::milliseconds_text(event.elapsed) +
                " ms: " + event.failure->server_message() + " [code " + event.failure->code() + "]");
        });
    }
    return engine{std::move(state)};
}

}  // namespace strata
