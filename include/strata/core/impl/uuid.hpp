// strata/core/impl/uuid.hpp - the definitions behind strata/core/uuid.hpp.
//
// Included by that header in header-only builds; under STRATA_SEPARATE_COMPILATION only by
// src/strata.cpp, so they are compiled once per program.
#pragma once

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <mutex>
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

STRATA_COMPILED_LINKAGE std::array<std::uint8_t, 16> time_ordered_uuid_bytes() {
    static std::mutex guard;
    static std::uint64_t last_milliseconds = 0;
    static std::uint32_t counter = 0;
    auto bytes = random_uuid_bytes();
    auto milliseconds = static_cast<std::uint64_t>(
        std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
            .count());
    std::uint32_t sequence = 0;  // this UUID's counter, read under the lock
    {
        std::lock_guard lock{guard};
        if (milliseconds > last_milliseconds) {
            // A new millisecond starts the counter at a random value below half its range, so
            // that many more UUIDs fit in the millisecond before it runs out.
            counter = (static_cast<std::uint32_t>(bytes[6]) << 8 | bytes[7]) & 0x7FF;
            last_milliseconds = milliseconds;
        } else if (++counter > 0xFFF) {  // the same millisecond (or the clock stepped back)
            counter = 0;
            ++last_milliseconds;  // borrow the next millisecond rather than repeat an order
        }
        milliseconds = last_milliseconds;
        sequence = counter;
    }
    for (std::size_t i = 0; i < 6; ++i) bytes[i] = static_cast<std::uint8_t>(milliseconds >> (40 - 8 * i));
    bytes[6] = static_cast<std::uint8_t>(0x70 | (sequence >> 8));
    bytes[7] = static_cast<std::uint8_t>(sequence & 0xFF);
    bytes[8] = static_cast<std::uint8_t>((bytes[8] & 0x3F) | 0x80);
    return bytes;
}

}  // namespace strata::detail
