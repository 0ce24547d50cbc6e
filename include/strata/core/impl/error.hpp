// strata/core/impl/error.hpp - the definitions behind strata/core/error.hpp (error messages).
//
// Included by that header in header-only builds; under STRATA_SEPARATE_COMPILATION only by
// src/strata.cpp, so they are compiled once per program.
#pragma once

#include <stdexcept>
#include <string>
#include <string_view>

#include "strata/core/error.hpp"
#include "strata/detail/linkage.hpp"

namespace strata {

STRATA_COMPILED_LINKAGE std::string database_error::compose(const std::string& message, const std::string& code,
                                                            const std::string& sql) {
    std::string text = message;
    if (!code.empty()) text += " [code " + code + "]";
    if (!sql.empty()) {
        constexpr std::size_t shown = 500;  // keep huge generated statements out of logs
        text += " [SQL: " + sql.substr(0, shown) + (sql.size() > shown ? "..." : "") + "]";
    }
    return text;
}

}  // namespace strata
