// strata/engine/impl/connection.hpp - the definitions behind strata/engine/connection.hpp (running
// a statement with its events).
//
// Included by that header in header-only builds; under STRATA_SEPARATE_COMPILATION only by
// src/strata.cpp, so they are compiled once per program.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "strata/detail/linkage.hpp"
#include "strata/detail/parameter_text.hpp"
#include "strata/engine/connection.hpp"
#include "strata/engine/engine_state.hpp"

namespace strata {

STRATA_COMPILED_LINKAGE void connection::begin() {
    native().begin(state_->options.begin_immediate ? driver::begin_mode::immediate : driver::begin_mode::deferred);
}

STRATA_COMPILED_LINKAGE std::string_view connection::server() const noexcept {
    return state_ ? std::string_view{state_->server} : "";
}

STRATA_COMPILED_LINKAGE void connection::close() noexcept {
    if (pooled_.connection && state_) state_->pool.checkin(std::move(pooled_));
    pooled_.connection.reset();
}

STRATA_COMPILED_LINKAGE result connection::execute_parameters(std::string_view sql,
                                                              std::span<const parameter> parameters) {
    return run(sql, parameters, [&] { return native().execute(sql, parameters); });
}

STRATA_COMPILED_LINKAGE result connection::execute_batch(std::string_view sql, std::span<const parameter> values,
                                                         std::size_t rows) {
    return run(sql, values, [&] { return native().execute_batch(sql, values, rows); });
}

STRATA_COMPILED_LINKAGE result connection::execute_streaming(std::string_view sql,
                                                             std::span<const parameter> parameters,
                                                             std::size_t batch_rows) {
    return run(sql, parameters, [&] { return native().execute_streaming(sql, parameters, batch_rows); });
}

STRATA_COMPILED_LINKAGE void connection::execute_script(std::string_view sql) {
    run(sql, {}, [&] {
        native().execute_script(sql);
        return std::unique_ptr<driver::result>{};
    });
}

STRATA_COMPILED_LINKAGE result connection::run(std::string_view sql, std::span<const parameter> parameters,
                                               strata::detail::function_ref<std::unique_ptr<driver::result>()> body) {
    auto& events = *state_->events;
    if (!events.active()) {
        try {
            return result{body()};
        } catch (database_error& failure) {
            attach_statement_parameters(failure, sql, parameters);
            throw;
        }
    }
    const execute_event before{sql, parameters, native().sql_dialect(), {}, nullptr, state_->server};
    events.dispatch(event_kind::before_execute, before);
    const auto start = std::chrono::steady_clock::now();
    std::unique_ptr<driver::result> outcome;
    try {
        outcome = body();
    } catch (database_error& failure) {
        attach_statement_parameters(failure, sql, parameters);
        const execute_event failed{
            sql, parameters, before.sql_dialect, std::chrono::steady_clock::now() - start, &failure, state_->server};
        events.dispatch(event_kind::execute_failed, failed);
        throw;
    }
    const execute_event after{sql,     parameters,    before.sql_dialect, std::chrono::steady_clock::now() - start,
                              nullptr, state_->server};
    events.dispatch(event_kind::after_execute, after);
    return result{std::move(outcome)};
}

STRATA_COMPILED_LINKAGE void connection::execute_checked(std::string_view sql, std::span<const parameter> parameters,
                                                         std::int64_t expected_rows,
                                                         std::function<void(std::int64_t matched)> on_mismatch) {
    hold(
        sql, parameters,
        [expected_rows, on_mismatch = std::move(on_mismatch)](result& answer) {
            if (const auto matched = answer.affected_rows(); matched != expected_rows) on_mismatch(matched);
        },
        true, {}, expected_rows);
}

STRATA_COMPILED_LINKAGE void connection::hold(std::string_view sql, std::span<const parameter> parameters,
                                              std::function<void(result& answer)> on_answer, bool may_refuse,
                                              std::function<void(const database_error& failure)> on_error,
                                              std::int64_t expected_rows) {
    // Outside a transaction nothing is sure to send it (returned to the pool, the connection
    // would drop it unsent): it runs now, as on a driver that holds nothing.
    if (!native().supports_held_statements() || !native().in_transaction()) {
        std::optional<result> answer;
        try {
            answer.emplace(execute_parameters(sql, parameters));
        } catch (const database_error& failure) {
            if (on_error) on_error(failure);
            throw;
        }
        if (on_answer) on_answer(*answer);
        return;
    }
    // A held statement's error comes out of a later call: its values go with it from the handler.
    const bool hide = state_->options.hide_parameters;
    driver::held_handler handler{
        [hide, on_answer = std::move(on_answer), on_error = std::move(on_error)](
            std::unique_ptr<driver::result> answer, database_error* failure, std::span<const parameter> values) {
            if (failure != nullptr) {
                attach_parameters(*failure, values, hide);
                if (on_error) on_error(*failure);
                return;
            }
            if (!on_answer) return;
            result rows{std::move(answer)};
            on_answer(rows);
        },
        may_refuse, expected_rows};
    run(sql, parameters, [&] {
        native().execute_held(sql, parameters, std::move(handler));
        return std::unique_ptr<driver::result>{};
    });
}

STRATA_COMPILED_LINKAGE void connection::attach_statement_parameters(database_error& failure, std::string_view sql,
                                                                     std::span<const parameter> parameters) const {
    if (!failure.sql().empty() && failure.sql() != sql) return;
    attach_parameters(failure, parameters, state_->options.hide_parameters);
}

STRATA_COMPILED_LINKAGE void connection::attach_parameters(database_error& failure,
                                                           std::span<const parameter> parameters, bool hide) {
    if (hide) {
        failure.set_parameters({}, !parameters.empty());
        return;
    }
    std::vector<std::string> described;
    described.reserve(parameters.size());
    for (const auto& value : parameters) described.push_back(detail::describe_parameter(value));
    failure.set_parameters(std::move(described), false);
}

}  // namespace strata
