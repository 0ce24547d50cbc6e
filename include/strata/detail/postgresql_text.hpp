// strata/detail/postgresql_text.hpp - a value in PostgreSQL's text input form, for the formats
// that carry values as text: COPY's text format and array literals ('{1,2,NULL}').
//
// Only the scalar kinds whose text needs no quoting or escaping are written here; text and bytes
// are escaped by each format's own rules.
#pragma once

#include <array>
#include <charconv>
#include <cmath>
#include <string>

#include "strata/core/value.hpp"
#include "strata/detail/timestamp_text.hpp"

namespace strata::detail {

/// Appends a finite double in its shortest text that reads back to the same bits.
inline void append_shortest_real(std::string& out, double value) {
    std::array<char, 32> buffer{};
    out.append(buffer.data(), std::to_chars(buffer.data(), buffer.data() + buffer.size(), value).ptr);
}

/// Appends a boolean (t/f), integer, real (NaN, Infinity, -Infinity, else shortest) or timestamp
/// ("YYYY-MM-DD HH:MM:SS.ffffff", "... BC" before year 1) as PostgreSQL reads it; false, appending nothing, for a NULL,
/// text or a blob.
inline bool append_postgresql_scalar(std::string& out, const parameter& value) {
    if (value.is_null()) return false;
    switch (value.kind()) {
        case value_kind::boolean:
            out += value.as_bool() ? 't' : 'f';
            return true;
        case value_kind::integer: {
            std::array<char, 24> buffer{};
            out.append(buffer.data(),
                       std::to_chars(buffer.data(), buffer.data() + buffer.size(), value.as_integer()).ptr);
            return true;
        }
        case value_kind::real: {
            const double real = value.as_real();
            if (std::isnan(real))
                out += "NaN";
            else if (std::isinf(real))
                out += real > 0 ? "Infinity" : "-Infinity";
            else
                append_shortest_real(out, real);
            return true;
        }
        case value_kind::timestamp: {
            char buffer[32];
            out.append(buffer, format_timestamp(value.as_timestamp(), buffer, year_style::postgresql));
            return true;
        }
        case value_kind::text:
        case value_kind::blob:
        case value_kind::null:
            break;
    }
    return false;
}

}  // namespace strata::detail
