// strata/core/impl/uuid.hpp - the definitions behind strata/core/uuid.hpp.
//
// Included by that header in header-only builds; under STRATA_SEPARATE_COMPILATION only by
// src/strata.cpp, so they are compiled once per program.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <random>

#include "strata/core/uuid.hpp"
#include "strata/detail/linkage.hpp"

namespace strata::detail {

STRATA_COMPILED_LINKAGE std::array<std::uint8_t, 16> random_uuid_bytes() {
    thread_local std::mt19937_64 generator{[] {
        std::random_device entropy;
        std::seed_seq seed{entropy(), entropy(), entropy(), entropy(), entropy(), entropy(), entropy(), entropy()};
        return std::mt19937_64{seed};
    }()};
    std::array<std::uint8_t, 16> bytes{};
    for (std::size_t half = 0; half < 2; ++half) {
        const std::uint64_t value = generator();
        for (std::size_t i = 0; i < 8; ++i) bytes[half * 8 + i] = static_cast<std::uint8_t>(value >> (8 * i));
    }
    return bytes;
}

}  // namespace strata::detail
