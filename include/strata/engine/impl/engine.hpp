// strata/engine/impl/engine.hpp - the definitions behind strata/engine/engine.hpp (creating engines).
//
// Included by that header in header-only builds; under STRATA_SEPARATE_COMPILATION only by
// src/strata.cpp, so they are compiled once per program.
#pragma once

#include <fmt/core.h>
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "strata/detail/linkage.hpp"
#include "strata/engine/engine.hpp"

namespace strata::detail {

STRATA_COMPILED_LINKAGE std::string describe_parameter(const parameter& value) {
    if (value.is_null()) return "NULL";
    switch (value.kind()) {
        case value_kind::boolean:
            return value.as_bool() ? "true" : "false";
        case value_kind::integer:
            return std::to_string(value.as_integer());
        case value_kind::real:
            return fmt::format("{}", value.as_real());
        case value_kind::text: {
            const auto text = value.as_text();
            return "'" + std::string{text.substr(0, 80)} + (text.size() > 80 ? "...'" : "'");
        }
        case value_kind::blob:
            return "<" + std::to_string(value.as_text().size()) + " bytes>";
        case value_kind::timestamp:
            return "'" + timestamp_to_text(value.as_timestamp()) + "'";
        case value_kind::null:
            break;
    }
    return "NULL";
}

}  // namespace strata::detail

namespace strata {

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
