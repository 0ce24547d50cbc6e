// strata/core/error.hpp - the one exception hierarchy of strata, rooted at strata::error.
//
// Database errors follow the DBAPI (PEP 249) classification that SQLAlchemy and psycopg users
// know, with finer types where callers branch on them (unique_violation, lock_not_available, ...),
// so `catch (const strata::unique_violation&)` works the same on PostgreSQL and SQLite.
#pragma once

#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "strata/detail/linkage.hpp"

namespace strata {

/// Root of every exception strata throws.
class error : public std::runtime_error {
public:
    /// An error with a message only (interface errors: URLs, results, pool).
    explicit error(const std::string& message) : std::runtime_error(message) {}
};

/// Which database reported an error: the code field is read according to it.
enum class error_source { none, sqlite, postgresql, mariadb };

/// An error reported by the database or its client library; carries SQL, code, server message
/// and the statement's bound values.
class database_error : public error {
public:
    /// Builds the error; `code` is a SQLSTATE (PostgreSQL) or an extended result code (SQLite).
    database_error(std::string server_message, std::string code, std::string sql,
                   error_source source = error_source::none)
        : error(server_message),
          server_message_(std::move(server_message)),
          code_(std::move(code)),
          sql_(std::move(sql)),
          source_(source) {
        message_ = compose();
    }

    /// The full message: the server's, its code, the SQL and the bound values.
    [[nodiscard]] const char* what() const noexcept override { return message_.c_str(); }
    /// The SQL text of the statement that failed (empty when none was running).
    [[nodiscard]] const std::string& sql() const noexcept { return sql_; }
    /// PostgreSQL SQLSTATE such as "23505", SQLite's extended result code such as "2067", or a
    /// MariaDB error number such as "1062".
    [[nodiscard]] const std::string& code() const noexcept { return code_; }
    /// The PostgreSQL SQLSTATE, or empty for SQLite errors.
    [[nodiscard]] std::string sqlstate() const { return source_ == error_source::postgresql ? code_ : std::string{}; }
    /// The message as the server (or SQLite) worded it, without strata's decoration.
    [[nodiscard]] const std::string& server_message() const noexcept { return server_message_; }
    /// Which database produced the error.
    [[nodiscard]] error_source source() const noexcept { return source_; }
    /// The failing statement's bound values as logs show them ('text', 42, NULL, <16 bytes>);
    /// empty when it had none or the engine hides them (engine_options::hide_parameters).
    [[nodiscard]] const std::vector<std::string>& parameters() const noexcept { return parameters_; }
    /// Whether the engine withheld the bound values from this error.
    [[nodiscard]] bool parameters_hidden() const noexcept { return parameters_hidden_; }
    /// Records the statement's bound values (the engine does, for every statement that fails).
    void set_parameters(std::vector<std::string> described, bool hidden) {
        parameters_ = std::move(described);
        parameters_hidden_ = hidden;
        message_ = compose();
    }

private:
    std::string compose() const;

    std::string server_message_;
    std::string code_;
    std::string sql_;
    error_source source_;
    std::vector<std::string> parameters_;
    bool parameters_hidden_ = false;
    std::string message_;
};

/// A constraint was violated (SQLSTATE class 23, SQLITE_CONSTRAINT).
class integrity_error : public database_error {
public:
    using database_error::database_error;
};
/// A UNIQUE or PRIMARY KEY constraint was violated.
class unique_violation : public integrity_error {
public:
    using integrity_error::integrity_error;
};
/// A FOREIGN KEY constraint was violated.
class foreign_key_violation : public integrity_error {
public:
    using integrity_error::integrity_error;
};
/// A NOT NULL constraint was violated.
class not_null_violation : public integrity_error {
public:
    using integrity_error::integrity_error;
};
/// A CHECK constraint was violated.
class check_violation : public integrity_error {
public:
    using integrity_error::integrity_error;
};

/// The database is unreachable, busy, out of resources, or the connection broke.
class operational_error : public database_error {
public:
    using database_error::database_error;
};
/// A lock could not be taken at once (FOR UPDATE NOWAIT, SQLITE_BUSY, lock_timeout).
class lock_not_available : public operational_error {
public:
    using operational_error::operational_error;
};
/// A serializable transaction must be retried (SQLSTATE 40001).
class serialization_failure : public operational_error {
public:
    using operational_error::operational_error;
};
/// The transaction was chosen as a deadlock victim and must be retried (SQLSTATE 40P01).
class deadlock_detected : public operational_error {
public:
    using operational_error::operational_error;
};

/// The SQL is wrong: syntax error, unknown table or column, wrong number of parameters.
class programming_error : public database_error {
public:
    using database_error::database_error;
};
/// A value does not fit: out of range, invalid text representation, division by zero.
class data_error : public database_error {
public:
    using database_error::database_error;
};
/// The database found an internal inconsistency.
class internal_error : public database_error {
public:
    using database_error::database_error;
};
/// The database or driver does not support what was asked.
class not_supported_error : public database_error {
public:
    using database_error::database_error;
};

/// Rethrows a database error as the same type with `context` added to its message (e.g. the
/// failing row of a bulk insert), so callers still catch unique_violation and friends.
[[noreturn]] inline void rethrow_with_context(const database_error& error, const std::string& context) {
    auto message = error.server_message() + " (" + context + ")";
    auto code = error.code();
    auto sql = error.sql();
    const auto source = error.source();
    const auto rethrow_if = [&]<class Type>() {
        if (dynamic_cast<const Type*>(&error)) {
            Type copy(std::move(message), std::move(code), std::move(sql), source);
            copy.set_parameters(error.parameters(), error.parameters_hidden());
            throw copy;
        }
    };
    // Most derived first, so each error keeps its own type.
    rethrow_if.template operator()<unique_violation>();
    rethrow_if.template operator()<foreign_key_violation>();
    rethrow_if.template operator()<not_null_violation>();
    rethrow_if.template operator()<check_violation>();
    rethrow_if.template operator()<integrity_error>();
    rethrow_if.template operator()<lock_not_available>();
    rethrow_if.template operator()<serialization_failure>();
    rethrow_if.template operator()<deadlock_detected>();
    rethrow_if.template operator()<operational_error>();
    rethrow_if.template operator()<programming_error>();
    rethrow_if.template operator()<data_error>();
    rethrow_if.template operator()<internal_error>();
    rethrow_if.template operator()<not_supported_error>();
    database_error copy(std::move(message), std::move(code), std::move(sql), source);
    copy.set_parameters(error.parameters(), error.parameters_hidden());
    throw copy;
}

/// A database URL is malformed or names an unknown scheme; never contains the password.
class url_error : public error {
public:
    using error::error;
};
/// A query expected exactly one row (or at least one) and got none.
class no_result_found : public error {
public:
    using error::error;
};
/// A query expected at most one row and got more.
class multiple_results_found : public error {
public:
    using error::error;
};
/// No pooled connection became free within pool_timeout.
class pool_timeout : public error {
public:
    using error::error;
};
/// A value read from or written to the database cannot be converted to the C++ type asked for.
class conversion_error : public error {
public:
    using error::error;
};
/// The API was used in a way it does not allow (a result read after it ended, a closed connection).
class usage_error : public error {
public:
    using error::error;
};
/// A session whose flush failed was used before rollback(): the failure rolled its transaction
/// back, so what it wrote earlier in that transaction is gone too (SQLAlchemy's PendingRollbackError).
class pending_rollback_error : public usage_error {
public:
    using usage_error::usage_error;
};
/// A flush's UPDATE or DELETE of an object matched no row: someone else deleted it, or its
/// primary key was changed behind the session's back (SQLAlchemy's StaleDataError). The flush
/// is rolled back rather than losing the change silently.
class stale_data_error : public error {
public:
    using error::error;
};

}  // namespace strata

#if !defined(STRATA_SEPARATE_COMPILATION)
#include "strata/core/impl/error.hpp"
#endif
