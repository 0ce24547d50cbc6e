// strata/orm/impl/identity_map.hpp - the identity map of a single BIGINT key, instantiated once.
//
// Only for STRATA_SEPARATE_COMPILATION: src/strata.cpp includes this, and orm/identity_map.hpp
// declares the instantiation extern, so a user's translation units compile none of it.
#pragma once

#include <cstdint>
#include <tuple>

#include "strata/orm/identity_map.hpp"

#if defined(STRATA_SEPARATE_COMPILATION)
namespace strata::orm {
template class identity_map<std::tuple<std::int64_t>>;
}  // namespace strata::orm
#endif
