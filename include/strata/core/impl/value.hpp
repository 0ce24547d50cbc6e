// strata/core/impl/value.hpp - the definitions behind strata/core/value.hpp (how values are shown).
//
// Included by that header in header-only builds; under STRATA_SEPARATE_COMPILATION only by
// src/strata.cpp, so they are compiled once per program.
#pragma once

#include <fmt/core.h>
#include <string>

#include "strata/core/value.hpp"
#include "strata/detail/linkage.hpp"
#include "strata/detail/timestamp_text.hpp"

namespace strata::detail {

STRATA_COMPILED_LINKAGE std::string describe_parameter(const parameter& value) {
    if (value.is_null()) return "NULL";
    switch (value.kind()) {
        case value_kind::boolean:
            return value.as_bool() ? "true" : "false";
        case value_kind::integer:
            return std::to_string(value.as_integer());
        case value_kind::real:
            return fmt::format("{}", value.as_real());
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
