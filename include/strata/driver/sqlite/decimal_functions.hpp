// strata/driver/sqlite/decimal_functions.hpp - exact decimal arithmetic inside SQLite.
//
// SQLite has no decimal type: strata stores strata::decimal as its text, and SQLite's own + and
// sum() would turn that text into a double. The SQL compiler renders decimal arithmetic and sums
// on SQLite as these functions, and decimal columns are declared COLLATE strata_decimal so that
// comparisons, ORDER BY, GROUP BY and DISTINCT go by value. Every SQLite connection strata opens
// registers them; another program opening the file needs them only to use those columns' order.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <exception>
#include <new>
#include <string>
#include <string_view>

#include "strata/core/decimal.hpp"
#include "strata/core/error.hpp"

namespace strata::driver::sqlite_detail {

/// The decimal an argument holds (text, an integer or a real as SQLite prints it).
inline decimal decimal_argument(sqlite3_value* argument) {
    if (sqlite3_value_type(argument) == SQLITE_INTEGER) return decimal{sqlite3_value_int64(argument)};
    const auto* text = reinterpret_cast<const char*>(sqlite3_value_text(argument));
    return decimal::parse(std::string_view{text, static_cast<std::size_t>(sqlite3_value_bytes(argument))});
}

/// Reports `value` as the function's text result.
inline void decimal_result(sqlite3_context* context, const decimal& value) {
    const std::string text = value.to_string();
    sqlite3_result_text(context, text.data(), static_cast<int>(text.size()), SQLITE_TRANSIENT);
}

/// strata_decimal_add / _sub / _mul(a, b): NULL when either is; an error naming a value that is not a number.
template <decimal (*Operation)(const decimal&, const decimal&)>
void decimal_binary(sqlite3_context* context, int, sqlite3_value** arguments) noexcept {
    if (sqlite3_value_type(arguments[0]) == SQLITE_NULL || sqlite3_value_type(arguments[1]) == SQLITE_NULL) {
        sqlite3_result_null(context);
        return;
    }
    try {
        decimal_result(context, Operation(decimal_argument(arguments[0]), decimal_argument(arguments[1])));
    } catch (const std::exception& failure) {
        sqlite3_result_error(context, failure.what(), -1);
    }
}

inline decimal decimal_add(const decimal& left, const decimal& right) { return left + right; }
inline decimal decimal_subtract(const decimal& left, const decimal& right) { return left - right; }
inline decimal decimal_multiply(const decimal& left, const decimal& right) { return left * right; }

/// strata_decimal_sum's running total, in SQLite's aggregate context (zeroed memory: not started).
struct decimal_sum_state {
    decimal* total;
    std::int64_t values;  ///< non-NULL values in the total (a window frame's rows leave it again)
};

/// One row of strata_decimal_sum(x): NULLs are skipped, as sum() skips them.
inline void decimal_sum_step(sqlite3_context* context, int, sqlite3_value** arguments) noexcept {
    auto* state = static_cast<decimal_sum_state*>(sqlite3_aggregate_context(context, sizeof(decimal_sum_state)));
    if (!state) {
        sqlite3_result_error_nomem(context);
        return;
    }
    if (sqlite3_value_type(arguments[0]) == SQLITE_NULL) return;
    try {
        const decimal value = decimal_argument(arguments[0]);
        if (state->total)
            *state->total = *state->total + value;
        else
            state->total = new decimal(value);
        ++state->values;
    } catch (const std::bad_alloc&) {
        sqlite3_result_error_nomem(context);
    } catch (const std::exception& failure) {
        sqlite3_result_error(context, failure.what(), -1);
    }
}

/// The total of strata_decimal_sum, NULL when no row had a value.
inline void decimal_sum_final(sqlite3_context* context) noexcept {
    auto* state = static_cast<decimal_sum_state*>(sqlite3_aggregate_context(context, 0));
    if (!state || !state->total) {
        sqlite3_result_null(context);
        return;
    }
    try {
        if (state->values > 0)
            decimal_result(context, *state->total);
        else
            sqlite3_result_null(context);
    } catch (const std::exception&) {
        sqlite3_result_error_nomem(context);
    }
    delete state->total;
    state->total = nullptr;
}

/// The running total of strata_decimal_sum used as a window function.
inline void decimal_sum_value(sqlite3_context* context) noexcept {
    auto* state = static_cast<decimal_sum_state*>(sqlite3_aggregate_context(context, 0));
    if (!state || !state->total || state->values == 0) {
        sqlite3_result_null(context);
        return;
    }
    try {
        decimal_result(context, *state->total);
    } catch (const std::exception&) {
        sqlite3_result_error_nomem(context);
    }
}

/// A row leaving strata_decimal_sum's window frame: its value comes off the total.
inline void decimal_sum_inverse(sqlite3_context* context, int, sqlite3_value** arguments) noexcept {
    auto* state = static_cast<decimal_sum_state*>(sqlite3_aggregate_context(context, sizeof(decimal_sum_state)));
    if (!state || !state->total || sqlite3_value_type(arguments[0]) == SQLITE_NULL) return;
    try {
        *state->total = *state->total - decimal_argument(arguments[0]);
        --state->values;
    } catch (const std::exception& failure) {
        sqlite3_result_error(context, failure.what(), -1);
    }
}

/// The strata_decimal collation: by value when both sides are numbers, else byte order (a
/// collation must not fail, and text that is not a number never equals one that is).
inline int decimal_collation(void*, int left_size, const void* left, int right_size, const void* right) noexcept {
    const std::string_view left_text{static_cast<const char*>(left), static_cast<std::size_t>(left_size)};
    const std::string_view right_text{static_cast<const char*>(right), static_cast<std::size_t>(right_size)};
    try {
        return decimal::compare(decimal::parse(left_text), decimal::parse(right_text));
    } catch (...) {
        const int order = left_text.compare(right_text);
        return order < 0 ? -1 : order > 0 ? 1 : 0;
    }
}

/// Registers the decimal functions and collation on `database`; false when SQLite refused one.
inline bool register_decimal_functions(sqlite3* database) noexcept {
    constexpr int flags = SQLITE_UTF8 | SQLITE_DETERMINISTIC | SQLITE_INNOCUOUS;
    return sqlite3_create_function_v2(database, "strata_decimal_add", 2, flags, nullptr, &decimal_binary<&decimal_add>,
                                      nullptr, nullptr, nullptr) == SQLITE_OK &&
           sqlite3_create_function_v2(database, "strata_decimal_sub", 2, flags, nullptr,
                                      &decimal_binary<&decimal_subtract>, nullptr, nullptr, nullptr) == SQLITE_OK &&
           sqlite3_create_function_v2(database, "strata_decimal_mul", 2, flags, nullptr,
                                      &decimal_binary<&decimal_multiply>, nullptr, nullptr, nullptr) == SQLITE_OK &&
           sqlite3_create_window_function(database, "strata_decimal_sum", 1, flags, nullptr, &decimal_sum_step,
                                          &decimal_sum_final, &decimal_sum_value, &decimal_sum_inverse,
                                          nullptr) == SQLITE_OK &&
           sqlite3_create_collation_v2(database, "strata_decimal", SQLITE_UTF8, nullptr, &decimal_collation, nullptr) ==
               SQLITE_OK;
}

}  // namespace strata::driver::sqlite_detail
