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

STRATA_COMPILED_LINKAGE std::string database_error::compose() const {
    std::string text = server_message_;
    if (!code_.empty()) text += " [code " + code_ + "]";
    if (!sql_.empty()) {
        constexpr std::size_t shown = 500;  // keep huge generated statements out of logs
        text += " [SQL: " + sql_.substr(0, shown) + (sql_.size() > shown ? "..." : "") + "]";
    }
    if (parameters_hidden_) {
        text += " [parameters hidden: engine_options::hide_parameters]";
    } else if (!parameters_.empty()) {
        constexpr std::size_t listed = 20;  // a multi-row INSERT's thousands of values say nothing more
        text += " [parameters: (";
        for (std::size_t i = 0; i < parameters_.size() && i < listed; ++i) text += (i ? ", " : "") + parameters_[i];
        if (parameters_.size() > listed) text += ", ... " + std::to_string(parameters_.size() - listed) + " more";
        text += ")]";
    }
    return text;
}

}  // namespace strata
