// strata/orm/impl/object_state.hpp - the definitions behind strata/orm/object_state.hpp.
//
// Included by that header in header-only builds; under STRATA_SEPARATE_COMPILATION only by
// src/strata.cpp, so they are compiled once per program.
#pragma once

#include <cstdint>

#include "strata/core/error.hpp"
#include "strata/detail/linkage.hpp"
#include "strata/orm/object_state.hpp"

namespace strata::orm {

STRATA_COMPILED_LINKAGE void throw_empty_ref() {
    throw usage_error("dereferenced an empty strata::ref (no row matched, or it was moved from)");
}

STRATA_COMPILED_LINKAGE void touched_objects::add(tracked_object& item) noexcept {
    try {
        items_.push_back(&item);
    } catch (...) {
        overflowed_ = true;
        return;
    }
    item.touched = true;
    item.touched_index = static_cast<std::uint32_t>(items_.size() - 1);
    ++live_;
}

}  // namespace strata::orm
