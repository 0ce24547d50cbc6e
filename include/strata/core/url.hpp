// strata/core/url.hpp - database URLs in SQLAlchemy's form, parsed and redacted.
//
//   sqlite://                         memory database (also sqlite:///:memory:)
//   sqlite:///relative/path.db        path relative to the working directory
//   sqlite:////absolute/path.db       absolute path
//   postgresql://user:password@host:port/dbname?param=value   (also postgres://)
//   postgresql:///dbname?host=/var/run/postgresql              unix socket directory
//
// Every part is percent-decoded. A password never appears in to_string(), in any message or in
// any exception: use redacted() whenever a URL is shown.
#pragma once

#include <algorithm>
#include <charconv>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "strata/core/error.hpp"
#include "strata/detail/linkage.hpp"

namespace strata {

/// A parsed database URL.
struct url {
    std::string scheme;                                      ///< "sqlite", "postgresql", or a registered driver's
    std::string username;                                    ///< decoded user name, may be empty
    std::string password;                                    ///< decoded password, never printed
    bool has_password = false;                               ///< whether the URL named a password (even empty)
    std::string host;                                        ///< decoded host name or IP address, may be empty
    std::optional<int> port;                                 ///< port, when given
    std::string database;                                    ///< decoded database name, or SQLite path
    std::vector<std::pair<std::string, std::string>> query;  ///< decoded query parameters in order

    /// The value of a query parameter, if present.
    [[nodiscard]] std::optional<std::string> query_value(std::string_view key) const {
        for (const auto& [name, value] : query)
            if (name == key) return value;
        return std::nullopt;
    }

    /// For SQLite: whether this names a memory database.
    [[nodiscard]] bool is_memory_database() const { return database.empty() || database == ":memory:"; }

    /// The URL with the password replaced by "***": the only form strata ever prints.
    [[nodiscard]] std::string redacted() const;
};

namespace detail {

/// Whether `c` may appear in a URL scheme (RFC 3986: letters, digits, '+', '-', '.').
constexpr bool is_scheme_character(char c) noexcept {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '+' || c == '-' ||
           c == '.';
}

/// Replaces the password of a possibly malformed URL with *** so it can go into an error message.
/// Errs on the side of hiding: everything from the first ':' after the scheme to the last '@' goes,
/// so a password holding an unescaped '/', '?' or '@', or a URL without a scheme, leaks nothing.
STRATA_COMPILED_LINKAGE std::string redact_raw_url(std::string_view raw);

STRATA_COMPILED_LINKAGE int hex_digit(char c);

STRATA_COMPILED_LINKAGE std::string percent_decode(std::string_view text, std::string_view raw_url,
                                                   std::string_view part);

}  // namespace detail

/// Parses a database URL; throws url_error saying what is wrong (never quoting the password).
STRATA_COMPILED_LINKAGE url parse_url(std::string_view raw);

}  // namespace strata

#if !defined(STRATA_SEPARATE_COMPILATION)
#include "strata/core/impl/url.hpp"
#endif
