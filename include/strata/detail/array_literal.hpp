// strata/detail/array_literal.hpp - a list of bound values as one text parameter: a PostgreSQL
// array literal ('{1,2,NULL}') or a JSON array for SQLite's json_each.
//
// A long IN list sent as one parameter stays under the drivers' parameter limits (libpq: 65,535;
// SQLite: 32,766) and, on PostgreSQL, lets one prepared statement serve every list length.
#pragma once

#include <cmath>
#include <cstddef>
#include <string>
#include <string_view>

#include "strata/core/error.hpp"
#include "strata/core/value.hpp"
#include "strata/detail/postgresql_text.hpp"
#include "strata/detail/timestamp_text.hpp"

namespace strata::detail {

/// Appends one value as an element of a PostgreSQL array literal.
inline void append_array_element(std::string& out, const parameter& value) {
    if (value.is_null()) {
        out += "NULL";
        return;
    }
    if (value.kind() == value_kind::timestamp) {  // quoted: its space would end the element
        out += '"';
        append_postgresql_scalar(out, value);
        out += '"';
        return;
    }
    if (append_postgresql_scalar(out, value)) return;
    out += '"';
    if (value.kind() == value_kind::blob) {
        static constexpr char digits[] = "0123456789abcdef";
        out += "\\\\x";  // the element's text is \x<hex>, bytea's hex input; the backslash is escaped
        for (const char c : value.as_text()) {
            const auto byte = static_cast<unsigned char>(c);
            out += digits[byte >> 4];
            out += digits[byte & 15];
        }
    } else {
        for (const char c : value.as_text()) {
            if (c == '"' || c == '\\') out += '\\';
            out += c;
        }
    }
    out += '"';
}

/// Appends one value as an element of a JSON array that SQLite's json_each reads back as the value
/// SQLite's driver would have bound (booleans as 0/1, NaN as the text 'NaN', timestamps as text).
/// Throws data_error for what JSON text cannot carry to SQLite: a NUL byte (json_each cuts the
/// text there) and blobs; and for a timestamp neither database stores (outside 0000-9999).
inline void append_json_element(std::string& out, const parameter& value, std::string_view sql) {
    if (value.is_null()) {
        out += "null";
        return;
    }
    switch (value.kind()) {
        case value_kind::boolean:
            out += value.as_bool() ? '1' : '0';
            return;
        case value_kind::integer:
            out += std::to_string(value.as_integer());
            return;
        case value_kind::real: {
            const double real = value.as_real();
            if (std::isnan(real))
                out += "\"NaN\"";
            else if (std::isinf(real))
                out += real > 0 ? "9e999" : "-9e999";  // SQLite reads these as infinities
            else
                append_shortest_real(out, real);
            return;
        }
        case value_kind::text: {
            static constexpr char digits[] = "0123456789abcdef";
            out += '"';
            for (const char c : value.as_text()) {
                const auto byte = static_cast<unsigned char>(c);
                if (c == '\0')
                    throw data_error(
                        "a text value with a NUL byte cannot be one of the more than 1,000 values of an "
                        "IN list on SQLite or MariaDB (they travel as one JSON text): use a shorter list",
                        "", std::string{sql}, error_source::none);
                if (c == '"' || c == '\\') {
                    out += '\\';
                    out += c;
                } else if (byte < 0x20) {
                    out += "\\u00";
                    out += digits[byte >> 4];
                    out += digits[byte & 15];
                } else {
                    out += c;
                }
            }
            out += '"';
            return;
        }
        case value_kind::timestamp:
            if (!in_four_digit_years(value.as_timestamp()))  // as the drivers' own binding refuses it
                throw data_error(outside_four_digit_years(value.as_timestamp(), "SQLite and MariaDB"), "",
                                 std::string{sql}, error_source::none);
            out += '"';
            out += timestamp_to_text(value.as_timestamp());
            out += '"';
            return;
        case value_kind::blob:
        case value_kind::null:
            break;
    }
    throw data_error("blobs cannot travel in a JSON list", "", std::string{sql}, error_source::none);
}

}  // namespace strata::detail
