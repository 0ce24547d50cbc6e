// strata/core/impl/function_registry.hpp - the definitions behind strata/core/function_registry.hpp.
//
// Included by that header in header-only builds; under STRATA_SEPARATE_COMPILATION only by
// src/strata.cpp, so they are compiled once per program.
#pragma once

#include "strata/core/function_registry.hpp"
#include "strata/detail/linkage.hpp"

namespace strata {

STRATA_COMPILED_LINKAGE function_registry& registered_functions() {
    static function_registry registry;
    return registry;
}

}  // namespace strata
