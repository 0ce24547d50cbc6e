// strata/driver/sqlite/errors.hpp - SQLite result codes -> strata's typed exceptions.
#pragma once

#include <sqlite3.h>

#include <string>

#include "strata/core/error.hpp"

namespace strata::driver::sqlite_detail {

/// Throws the strata exception for an SQLite extended result code.
[[noreturn]] inline void throw_error(int extended_code, std::string message, std::string sql) {
    auto code = std::to_string(extended_code);
    const auto source = error_source::sqlite;
    switch (extended_code) {
        case SQLITE_CONSTRAINT_UNIQUE:
        case SQLITE_CONSTRAINT_PRIMARYKEY:
            throw unique_violation(std::move(message), std::move(code), std::move(sql), source);
        case SQLITE_CONSTRAINT_FOREIGNKEY:
            throw foreign_key_violation(std::move(message), std::move(code), std::move(sql), source);
        case SQLITE_CONSTRAINT_NOTNULL:
            throw not_null_violation(std::move(message), std::move(code), std::move(sql), source);
        case SQLITE_CONSTRAINT_CHECK:
            throw check_violation(std::move(message), std::move(code), std::move(sql), source);
        default:
            break;
    }
    switch (extended_code & 0xff) {
        case SQLITE_CONSTRAINT:
            throw integrity_error(std::move(message), std::move(code), std::move(sql), source);
        case SQLITE_BUSY:
        case SQLITE_LOCKED:
            throw lock_not_available(std::move(message), std::move(code), std::move(sql), source);
        case SQLITE_ERROR:
        case SQLITE_RANGE:
        case SQLITE_MISUSE:
        case SQLITE_AUTH:
            throw programming_error(std::move(message), std::move(code), std::move(sql), source);
        case SQLITE_MISMATCH:
        case SQLITE_TOOBIG:
            throw data_error(std::move(message), std::move(code), std::move(sql), source);
        case SQLITE_INTERNAL:
        case SQLITE_CORRUPT:
        case SQLITE_NOTADB:
        case SQLITE_FORMAT:
            throw internal_error(std::move(message), std::move(code), std::move(sql), source);
        default:
            throw operational_error(std::move(message), std::move(code), std::move(sql), source);
    }
}

}  // namespace strata::driver::sqlite_detail
