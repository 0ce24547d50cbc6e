// strata/driver/mariadb/errors.hpp - MariaDB / MySQL error numbers -> strata's typed exceptions.
#pragma once

#include <string>

#include "strata/core/error.hpp"

namespace strata::driver::mariadb_detail {

/// Whether an error number says the connection is gone (the pool discards such a connection).
[[nodiscard]] inline bool is_connection_lost(unsigned number) noexcept {
    // CR_CONNECTION_ERROR, CR_CONN_HOST_ERROR, CR_SERVER_GONE_ERROR, CR_SERVER_LOST,
    // CR_SERVER_LOST_EXTENDED, ER_CONNECTION_KILLED, ER_SERVER_SHUTDOWN, ER_NEW_ABORTING_CONNECTION
    return number == 2002 || number == 2003 || number == 2006 || number == 2013 || number == 2055 || number == 1927 ||
           number == 1053 || number == 1152;
}

/// Throws the strata exception for a server or client error number (the code kept is the number).
[[noreturn]] inline void throw_error(unsigned number, std::string message, std::string sql) {
    const auto source = error_source::mariadb;
    std::string code = std::to_string(number);
    switch (number) {
        case 1062:  // ER_DUP_ENTRY
        case 1586:  // ER_DUP_ENTRY_WITH_KEY_NAME
            throw unique_violation(std::move(message), std::move(code), std::move(sql), source);
        case 1451:  // ER_ROW_IS_REFERENCED_2
        case 1452:  // ER_NO_REFERENCED_ROW_2
        case 1216:  // ER_NO_REFERENCED_ROW
        case 1217:  // ER_ROW_IS_REFERENCED
            throw foreign_key_violation(std::move(message), std::move(code), std::move(sql), source);
        case 1048:  // ER_BAD_NULL_ERROR
        case 1364:  // ER_NO_DEFAULT_FOR_FIELD
            throw not_null_violation(std::move(message), std::move(code), std::move(sql), source);
        case 4025:  // ER_CONSTRAINT_FAILED (MariaDB's CHECK)
        case 3819:  // ER_CHECK_CONSTRAINT_VIOLATED (MySQL's)
            throw check_violation(std::move(message), std::move(code), std::move(sql), source);
        case 1205:  // ER_LOCK_WAIT_TIMEOUT
        case 3572:  // ER_LOCK_NOWAIT
        case 1969:  // ER_STATEMENT_TIMEOUT
            throw lock_not_available(std::move(message), std::move(code), std::move(sql), source);
        case 1213:  // ER_LOCK_DEADLOCK
            throw deadlock_detected(std::move(message), std::move(code), std::move(sql), source);
        case 1406:  // ER_DATA_TOO_LONG
        case 1264:  // ER_WARN_DATA_OUT_OF_RANGE
        case 1366:  // ER_TRUNCATED_WRONG_VALUE_FOR_FIELD
        case 1292:  // ER_TRUNCATED_WRONG_VALUE
        case 1365:  // ER_DIVISION_BY_ZERO
        case 1690:  // ER_DATA_OUT_OF_RANGE
            throw data_error(std::move(message), std::move(code), std::move(sql), source);
        case 1064:  // ER_PARSE_ERROR
        case 1146:  // ER_NO_SUCH_TABLE
        case 1054:  // ER_BAD_FIELD_ERROR
        case 1050:  // ER_TABLE_EXISTS_ERROR
        case 1049:  // ER_BAD_DB_ERROR
        case 1045:  // ER_ACCESS_DENIED_ERROR
        case 1044:  // ER_DBACCESS_DENIED_ERROR
        case 1142:  // ER_TABLEACCESS_DENIED_ERROR
        case 1210:  // ER_WRONG_ARGUMENTS
        case 1243:  // ER_UNKNOWN_STMT_HANDLER
        case 1305:  // ER_SP_DOES_NOT_EXIST (an unknown function)
        case 1630:  // ER_FUNC_INEXISTENT_NAME_COLLISION
        case 2031:  // CR_PARAMS_NOT_BOUND
        case 2034:  // CR_INVALID_PARAMETER_NO
            throw programming_error(std::move(message), std::move(code), std::move(sql), source);
        case 1235:  // ER_NOT_SUPPORTED_YET
            throw not_supported_error(std::move(message), std::move(code), std::move(sql), source);
        default:
            break;
    }
    if (is_connection_lost(number) || number >= 2000) {
        throw operational_error(std::move(message), std::move(code), std::move(sql), source);
    }
    throw database_error(std::move(message), std::move(code), std::move(sql), source);
}

}  // namespace strata::driver::mariadb_detail
