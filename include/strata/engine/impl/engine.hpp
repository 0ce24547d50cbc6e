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
#include "strata/detail/timestamp_text.hpp"
#include "strata/driver/registry.hpp"
#include "strata/engine/engine.hpp"
#include "strata/engine/engine_state.hpp"

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

namespace detail {
/// Nanoseconds on the steady clock.
inline std::int64_t steady_nanoseconds() noexcept {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

/// How far `replica` lags behind its primary, in milliseconds: 0 while it has replayed all it
/// received (an idle primary sends nothing, so the last replay's age alone would mislead).
inline double replica_lag_milliseconds(connection& replica) {
    auto lag = replica.native().execute(
        "SELECT CASE WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0 ELSE "
        "COALESCE(EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp()) * 1000, 0) END::float8",
        {});
    return lag->next() ? lag->read_real(0) : 0.0;
}
}  // namespace detail

STRATA_COMPILED_LINKAGE connection engine::connect() const { return connection{state_, state_->pool.checkout()}; }

STRATA_COMPILED_LINKAGE bool engine::has_replicas() const noexcept { return !state_->replicas.empty(); }

STRATA_COMPILED_LINKAGE dialect engine::sql_dialect() const noexcept { return state_->entry.sql_dialect; }

STRATA_COMPILED_LINKAGE std::string engine::url() const { return state_->address.redacted(); }

STRATA_COMPILED_LINKAGE const engine_options& engine::options() const noexcept { return state_->options; }

STRATA_COMPILED_LINKAGE listener_id engine::listen(event_kind kind, execute_listener listener) const {
    return state_->events->listen(kind, std::move(listener));
}

STRATA_COMPILED_LINKAGE void engine::remove_listener(listener_id id) const { state_->events->remove(id); }

STRATA_COMPILED_LINKAGE strata::pool_status engine::pool_status() const { return state_->pool.status(); }

STRATA_COMPILED_LINKAGE void engine::dispose() const { state_->pool.dispose(); }

STRATA_COMPILED_LINKAGE connection engine::connect_for_read() const {
    const auto count = state_->replicas.size();
    if (count == 0) return connect();
    constexpr std::int64_t lag_check_interval = 1'000'000'000;  // lag is read at most once a second
    const std::size_t start = state_->next_replica.fetch_add(1, std::memory_order_relaxed);
    for (std::size_t offset = 0; offset < count; ++offset) {
        const std::size_t index = (start + offset) % count;
        auto& health = *state_->health[index];
        const std::int64_t now = detail::steady_nanoseconds();
        if (now < health.down_until.load(std::memory_order_acquire)) continue;
        const bool lag_due = state_->options.max_replica_lag &&
                             now - health.lag_checked.load(std::memory_order_relaxed) >= lag_check_interval;
        if (health.lagging.load(std::memory_order_relaxed) && !lag_due) continue;
        const auto& replica = state_->replicas[index];
        try {
            connection candidate{replica, replica->pool.checkout()};
            if (health.down_until.load(std::memory_order_acquire) != 0) {  // back after a failure
                if (!candidate.native().ping()) throw operational_error("the replica did not answer a ping", "", "");
                health.down_until.store(0, std::memory_order_release);
            }
            if (lag_due) {
                health.lag_checked.store(now, std::memory_order_relaxed);
                const double lag = detail::replica_lag_milliseconds(candidate);
                const bool lagging = lag > static_cast<double>(state_->options.max_replica_lag->count());
                health.lagging.store(lagging, std::memory_order_relaxed);
                if (lagging) continue;
            }
            return candidate;
        } catch (const database_error& failure) {
            if (!detail::server_unavailable(failure)) throw;
            replica_failed(replica->server);
        } catch (const pool_timeout&) {  // every connection to it busy: the next one, or the primary
        }
    }
    return connect();
}

STRATA_COMPILED_LINKAGE void engine::replica_failed(std::string_view server) const {
    for (std::size_t index = 0; index < state_->replicas.size(); ++index) {
        if (state_->replicas[index]->server != server) continue;
        auto& health = *state_->health[index];
        const auto interval =
            std::chrono::duration_cast<std::chrono::nanoseconds>(state_->options.replica_retry_interval).count();
        health.down_until.store(detail::steady_nanoseconds() + interval, std::memory_order_release);
        state_->replicas[index]->pool.dispose();  // its idle connections are dead too
    }
}

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
    if (!options.replicas.empty() && entry.sql_dialect != driver::dialect::postgresql)
        throw usage_error("read replicas are for PostgreSQL engines: a " + address.scheme +
                          " engine has none (leave engine_options::replicas empty)");
    for (std::size_t index = 0; index < options.replicas.size(); ++index) {
        url replica_address = parse_url(options.replicas[index]);
        if (driver::find_driver(replica_address.scheme).sql_dialect != driver::dialect::postgresql)
            throw usage_error("replica " + std::to_string(index) + " (" + replica_address.redacted() +
                              ") is not a PostgreSQL URL");
        auto replica_connect = [replica_address, entry, connect_settings, echo = options.echo, log] {
            if (echo) log("[strata] connect " + replica_address.redacted());
            return entry.connect(replica_address, connect_settings);
        };
        state->replicas.push_back(std::make_shared<detail::engine_state>(replica_address, entry, options,
                                                                         std::move(replica_connect), state->events,
                                                                         "replica " + std::to_string(index)));
        state->health.push_back(std::make_unique<detail::replica_health>());
    }
    if (options.echo) {
        // Each statement is logged before it runs, so the one that fails or hangs is in the log;
        // its outcome follows on a line of its own.
        state->events->listen(event_kind::before_execute,
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
        state->events->listen(event_kind::after_execute, [log](const execute_event& event) {
            log("[strata] ok in " + detail::milliseconds_text(event.elapsed) + " ms");
        });
        state->events->listen(event_kind::execute_failed, [log](const execute_event& event) {
            log("[strata] failed in " + detail::milliseconds_text(event.elapsed) +
                " ms: " + event.failure->server_message() + " [code " + event.failure->code() + "]");
        });
    }
    return engine{std::move(state)};
}

}  // namespace strata
