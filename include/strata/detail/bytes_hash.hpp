// strata/detail/bytes_hash.hpp - the hash behind text and blob fingerprints (change detection).
//
// Every loaded text column is hashed when its row is read and again when a flush (or a streaming
// batch's release) looks for changes, so the hash is on the hot path of hydration. Eight bytes
// per step through a bijective multiply-xorshift: inlined, and a difference confined to one
// 8-byte block always changes the result (each step maps distinct states to distinct states).
#pragma once

#include <cstdint>
#include <cstring>
#include <string_view>

namespace strata::detail {

/// One bijective mixing step (odd multiply, xorshift).
[[nodiscard]] constexpr std::uint64_t mix_block(std::uint64_t state) noexcept {
    state *= 0xbf58476d1ce4e5b9ULL;
    return state ^ (state >> 31);
}

/// A 64-bit hash of bytes for fingerprints (not for tables exposed to untrusted keys).
[[nodiscard]] inline std::uint64_t hash_bytes(std::string_view bytes) noexcept {
    std::uint64_t state = 0x9e3779b97f4a7c15ULL ^ bytes.size();
    const char* next = bytes.data();
    std::size_t left = bytes.size();
    for (; left >= 8; left -= 8, next += 8) {
        std::uint64_t block = 0;
        std::memcpy(&block, next, 8);
        state = mix_block(state ^ block);
    }
    if (left > 0) {
        std::uint64_t block = 0;
        std::memcpy(&block, next, left);
        state = mix_block(state ^ block ^ (std::uint64_t{0xff} << 56));  // a tail differs from a full block
    }
    state ^= state >> 33;
    state *= 0x94d049bb133111ebULL;
    return state ^ (state >> 29);
}

}  // namespace strata::detail
