// strata/driver/sqlite/registered_functions.hpp - hands the functions and collations of strata's
// function registry (strata/core/function_registry.hpp) to a SQLite connection: SQLite values
// become strata::parameter on the way in, and the result goes back as SQLite's own.
#pragma once

#include <sqlite3.h>

#include <array>
#include <exception>
#include <new>
#include <string>
#include <string_view>
#include <vector>

#include "strata/core/function_registry.hpp"
#include "strata/core/value.hpp"
#include "strata/detail/timestamp_text.hpp"

namespace strata::driver::sqlite_detail {

/// A SQLite argument as a parameter viewing its bytes (valid during the call).
inline parameter registered_argument(sqlite3_value* argument) {
    switch (sqlite3_value_type(argument)) {
        case SQLITE_INTEGER:
            return parameter::from_integer(sqlite3_value_int64(argument));
        case SQLITE_FLOAT:
            return parameter::from_real(sqlite3_value_double(argument));
        case SQLITE_NULL:
            return parameter::null_of(value_kind::null);
        case SQLITE_BLOB: {
            const auto* bytes = static_cast<const std::byte*>(sqlite3_value_blob(argument));
            return parameter::from_blob_view(blob_view{bytes, static_cast<std::size_t>(sqlite3_value_bytes(argument))});
        }
        default: {
            const auto* text = reinterpret_cast<const char*>(sqlite3_value_text(argument));
            return parameter::from_text_view(
                std::string_view{text, static_cast<std::size_t>(sqlite3_value_bytes(argument))});
        }
    }
}

/// Reports `value` as the function's result.
inline void registered_result(sqlite3_context* context, const parameter& value) {
    if (value.is_null()) return sqlite3_result_null(context);
    switch (value.kind()) {
        case value_kind::boolean:
        case value_kind::integer:
            return sqlite3_result_int64(context, value.as_integer());
        case value_kind::real:
            return sqlite3_result_double(context, value.as_real());
        case value_kind::blob:
            return sqlite3_result_blob(context, value.as_blob().data(), static_cast<int>(value.as_blob().size()),
                                       SQLITE_TRANSIENT);
        case value_kind::timestamp: {
            const auto text = strata::detail::timestamp_to_text(value.as_timestamp());
            return sqlite3_result_text(context, text.data(), static_cast<int>(text.size()), SQLITE_TRANSIENT);
        }
        default:
            return sqlite3_result_text(context, value.as_text().data(), static_cast<int>(value.as_text().size()),
                                       SQLITE_TRANSIENT);
    }
}

/// Reports a thrown exception as the statement's error.
inline void registered_failure(sqlite3_context* context) noexcept {
    try {
        throw;
    } catch (const std::bad_alloc&) {
        sqlite3_result_error_nomem(context);
    } catch (const std::exception& failure) {
        sqlite3_result_error(context, failure.what(), -1);
    } catch (...) {
        sqlite3_result_error(context, "a registered function failed", -1);
    }
}

inline void call_registered_scalar(sqlite3_context* context, int count, sqlite3_value** arguments) noexcept {
    const auto& function = *static_cast<const registered_scalar*>(sqlite3_user_data(context));
    try {
        // Called once per row: the arguments go on the stack, not into an allocation each time.
        constexpr int most_on_stack = 4;
        if (count <= most_on_stack) {
            std::array<parameter, most_on_stack> values;
            for (int i = 0; i < count; ++i) values[static_cast<std::size_t>(i)] = registered_argument(arguments[i]);
            registered_result(context, function.call({values.data(), static_cast<std::size_t>(count)}));
        } else {
            std::vector<parameter> values;
            values.reserve(static_cast<std::size_t>(count));
            for (int i = 0; i < count; ++i) values.push_back(registered_argument(arguments[i]));
            registered_result(context, function.call(values));
        }
    } catch (...) {
        registered_failure(context);
    }
}

/// The aggregate's state slot in SQLite's aggregate context (made on the first row).
inline void** aggregate_slot(sqlite3_context* context, bool make) {
    return static_cast<void**>(sqlite3_aggregate_context(context, make ? static_cast<int>(sizeof(void*)) : 0));
}

inline void step_registered_aggregate(sqlite3_context* context, int, sqlite3_value** arguments) noexcept {
    const auto& function = *static_cast<const registered_aggregate*>(sqlite3_user_data(context));
    void** slot = aggregate_slot(context, true);
    if (slot == nullptr) return sqlite3_result_error_nomem(context);
    try {
        if (*slot == nullptr) *slot = function.start();
        function.add(*slot, registered_argument(arguments[0]));
    } catch (...) {
        registered_failure(context);
    }
}

inline void inverse_registered_aggregate(sqlite3_context* context, int, sqlite3_value** arguments) noexcept {
    const auto& function = *static_cast<const registered_aggregate*>(sqlite3_user_data(context));
    void** slot = aggregate_slot(context, true);
    if (slot == nullptr || *slot == nullptr) return;
    try {
        function.remove(*slot, registered_argument(arguments[0]));
    } catch (...) {
        registered_failure(context);
    }
}

inline void value_registered_aggregate(sqlite3_context* context) noexcept {
    const auto& function = *static_cast<const registered_aggregate*>(sqlite3_user_data(context));
    void** slot = aggregate_slot(context, false);
    try {
        if (slot != nullptr && *slot != nullptr) return registered_result(context, function.value(*slot));
        void* empty = function.start();
        const auto value = function.value(empty);
        function.finish(empty);
        registered_result(context, value);
    } catch (...) {
        registered_failure(context);
    }
}

inline void final_registered_aggregate(sqlite3_context* context) noexcept {
    const auto& function = *static_cast<const registered_aggregate*>(sqlite3_user_data(context));
    value_registered_aggregate(context);
    void** slot = aggregate_slot(context, false);
    if (slot != nullptr && *slot != nullptr) {
        function.finish(*slot);
        *slot = nullptr;
    }
}

inline int compare_registered(void* collation, int left_size, const void* left, int right_size,
                              const void* right) noexcept {
    return static_cast<const registered_collation*>(collation)->compare(
        std::string_view{static_cast<const char*>(left), static_cast<std::size_t>(left_size)},
        std::string_view{static_cast<const char*>(right), static_cast<std::size_t>(right_size)});
}

/// Registers every function and collation of the registry on `database`; false when SQLite refused one.
inline bool register_functions(sqlite3* database) noexcept {
    constexpr int flags = SQLITE_UTF8 | SQLITE_DETERMINISTIC | SQLITE_INNOCUOUS;
    auto& registry = registered_functions();
    for (auto& function : registry.scalars)
        if (sqlite3_create_function_v2(database, std::string{function.name}.c_str(), function.arity, flags, &function,
                                       &call_registered_scalar, nullptr, nullptr, nullptr) != SQLITE_OK)
            return false;
    for (auto& function : registry.aggregates)
        if (sqlite3_create_window_function(database, std::string{function.name}.c_str(), 1, flags, &function,
                                           &step_registered_aggregate, &final_registered_aggregate,
                                           &value_registered_aggregate, &inverse_registered_aggregate,
                                           nullptr) != SQLITE_OK)
            return false;
    for (auto& collation : registry.collations)
        if (sqlite3_create_collation_v2(database, std::string{collation.name}.c_str(), SQLITE_UTF8, &collation,
                                        &compare_registered, nullptr) != SQLITE_OK)
            return false;
    return true;
}

}  // namespace strata::driver::sqlite_detail
