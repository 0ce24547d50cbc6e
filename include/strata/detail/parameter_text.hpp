// strata/detail/parameter_text.hpp - a bound value as echo logs and error messages show it.
#pragma once

#include <string>

#include "strata/core/value.hpp"
#include "strata/detail/postgresql_text.hpp"
#include "strata/detail/timestamp_text.hpp"

namespace strata::detail {

/// A bound value as echo logs and error messages show it: text quoted and cut at 80 characters,
/// blobs by size.
inline std::string describe_parameter(const parameter& value) {
    if (value.is_null()) return "NULL";
    switch (value.kind()) {
        case value_kind::boolean:
            return value.as_bool() ? "true" : "false";
        case value_kind::integer:
            return std::to_string(value.as_integer());
        case value_kind::real: {
            std::string text;
            append_shortest_real(text, value.as_real());
            return text;
        }
        case value_kind::text: {
            const auto text = value.as_text();
            return "'" + std::string{text.substr(0, 80)} + (text.size() > 80 ? "...'" : "'");
        }
        case value_kind::blob:
            return "<" + std::to_string(value.as_text().size()) + " bytes>";
        case value_kind::timestamp:
            return "'" + timestamp_to_text(value.as_timestamp()) + "'";
        case value_kind::null:
            break;
    }
    return "NULL";
}

}  // namespace strata::detail
