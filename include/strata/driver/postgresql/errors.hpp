// strata/driver/postgresql/errors.hpp - SQLSTATE -> strata's typed exceptions (psycopg's DBAPI mapping).
#pragma once

#include <algorithm>
#include <string>
#include <string_view>

#include "strata/core/error.hpp"

namespace strata::driver::postgresql_detail {

/// What libpq's connection-level error text says, read in its verbose form
/// ("...failed: FATAL:  28P01: password authentication failed...\nLOCATION: ..."): the server's
/// SQLSTATE when it sent one, and the text without the code and the source location.
struct client_error_text {
    std::string state;    ///< the server's SQLSTATE, or empty when libpq gave none (a refused connection)
    std::string message;  ///< the text as a user reads it
};

/// Reads libpq's error text (connections carry PQERRORS_VERBOSE, so an error the server sent
/// outside a result - a FATAL at login or when the session is ended - keeps its SQLSTATE).
inline client_error_text read_client_error(std::string_view text) {
    client_error_text read;
    std::string_view rest = text;
    while (!rest.empty()) {
        const auto end = rest.find('\n');
        const std::string_view line = rest.substr(0, end);
        rest = end == std::string_view::npos ? std::string_view{} : rest.substr(end + 1);
        if (line.empty() || line.starts_with("LOCATION:")) continue;
        std::string kept{line};
        // "<severity>:  <SQLSTATE>: <text>", possibly after libpq's "connection to server ... failed: ".
        for (const std::string_view severity : {"FATAL:  ", "PANIC:  ", "ERROR:  "}) {
            const auto at = line.find(severity);
            if (at == std::string_view::npos) continue;
            const auto after = line.substr(at + severity.size());
            const bool has_state = after.size() > 7 && after.substr(5, 2) == ": " &&
                                   std::all_of(after.begin(), after.begin() + 5,
                                               [](char c) { return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z'); });
            if (!has_state) continue;
            if (read.state.empty()) read.state = std::string{after.substr(0, 5)};
            kept = std::string{line.substr(0, at + severity.size())} + std::string{after.substr(7)};
            break;
        }
        if (!read.message.empty()) read.message += '\n';
        read.message += kept;
    }
    while (!read.message.empty() && (read.message.back() == '\n' || read.message.back() == ' '))
        read.message.pop_back();
    return read;
}

/// Throws the strata exception for a SQLSTATE (an empty state means the connection failed).
[[noreturn]] inline void throw_error(std::string message, std::string state, std::string sql) {
    const auto source = error_source::postgresql;
    if ((state == "26000" || state == "42P05") && message.find("prepared statement") != std::string::npos)
        message +=
            "\nhint: a named prepared statement went missing or was taken: behind a pooler in transaction or "
            "statement mode (pgbouncer) a transaction may run on another server connection; create the engine "
            "with {.server_side_prepare = false}";
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
