// strata/driver/postgresql/errors.hpp - SQLSTATE -> strata's typed exceptions (psycopg's DBAPI mapping).
#pragma once

#include <string>
#include <string_view>

#include "strata/core/error.hpp"

namespace strata::driver::postgresql_detail {

/// Throws the strata exception for a SQLSTATE (an empty state means the connection failed).
[[noreturn]] inline void throw_error(std::string message, std::string state, std::string sql) {
    const auto source = error_source::postgresql;
    const std::string_view code{state};
    const std::string_view category = code.substr(0, 2);
    if (code == "23505") throw unique_violation(std::move(message), std::move(state), std::move(sql), source);
    if (code == "23503") throw foreign_key_violation(std::move(message), std::move(state), std::move(sql), source);
    if (code == "23502") throw not_null_violation(std::move(message), std::move(state), std::move(sql), source);
    if (code == "23514") throw check_violation(std::move(message), std::move(state), std::move(sql), source);
    if (code == "55P03") throw lock_not_available(std::move(message), std::move(state), std::move(sql), source);
    if (code == "40001") throw serialization_failure(std::move(message), std::move(state), std::move(sql), source);
    if (code == "40P01") throw deadlock_detected(std::move(message), std::move(state), std::move(sql), source);
    if (category == "23") throw integrity_error(std::move(message), std::move(state), std::move(sql), source);
    if (category == "22") throw data_error(std::move(message), std::move(state), std::move(sql), source);
    if (category == "0A") throw not_supported_error(std::move(message), std::move(state), std::move(sql), source);
    if (category == "42" || category == "26" || category == "34" || category == "3D" || category == "3F" ||
        category == "44" || category == "07" || category == "0L" || category == "0P" || category == "28")
        throw programming_error(std::move(message), std::move(state), std::move(sql), source);
    if (category == "XX" || category == "2B" || category == "2D" || category == "2F" || category == "25" ||
        category == "27" || category == "39" || category == "0B" || category == "P0")
        throw internal_error(std::move(message), std::move(state), std::move(sql), source);
    throw operational_error(std::move(message), std::move(state), std::move(sql), source);
}

}  // namespace strata::driver::postgresql_detail
