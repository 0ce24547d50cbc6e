// strata/detail/bytes_hash.hpp - the hash behind text and blob fingerprints (change detection).
//
// Every loaded text column is hashed when its row is read and again when a flush (or a streaming
// batch's release) looks for changes, so the hash is on the hot path of hydration. Eight bytes
// per step through a bijective multiply-xorshift, in two chains: a difference confined to one
// 8-byte block always changes the result (each step maps distinct states to distinct states).
#pragma once

#include <bit>
#include <cstdint>
#include <cstring>
#include <string_view>

namespace strata::detail {

/// One bijective mixing step (odd multiply, xorshift).
[[nodiscard]] constexpr std::uint64_t mix_block(std::uint64_t state) noexcept {
    state *= 0xbf58476d1ce4e5b9ULL;
    return state ^ (state >> 31);
}

/// A 64-bit fingerprint of bytes: equal bytes give equal fingerprints, and bytes that differ
/// within one 8-byte block always give different ones. It is compared for equality only, never
/// used to place keys in a table (key_hash mixes it first), so it has no final avalanche step.
///
/// Blocks alternate between two independent chains, combined at the end by an xor that is a
/// bijection of either chain given the other: a streamed row hashes its text twice (at load and
/// at release), and perf put 9% of a stream's time in the one chain's multiplies and loads.
[[nodiscard]] inline std::uint64_t hash_bytes(std::string_view bytes) noexcept {
    std::uint64_t first = 0x9e3779b97f4a7c15ULL ^ bytes.size();
    std::uint64_t second = 0xc2b2ae3d27d4eb4fULL;
    const char* next = bytes.data();
    std::size_t left = bytes.size();
    for (; left >= 16; left -= 16, next += 16) {
        std::uint64_t block[2];
        std::memcpy(block, next, 16);
        first = mix_block(first ^ block[0]);
        second = mix_block(second ^ block[1]);
    }
    const bool odd_block = left >= 8;
    if (odd_block) {
        std::uint64_t block = 0;
        std::memcpy(&block, next, 8);
        first = mix_block(first ^ block);
        next += 8;
        left -= 8;
    }
    if (left > 0) {
        // The tail as one block, read without a byte loop: a loop of byte stores followed by an
        // 8-byte load stalls store forwarding, which perf put at a quarter of the hash's time.
        // Each way below puts every tail byte into the block, so two tails of one length that
        // differ give different blocks.
        std::uint64_t block = 0;
        if (bytes.size() >= 8 && std::endian::native == std::endian::little) {
            std::memcpy(&block, next + left - 8, 8);  // ends at the last byte; drop the bytes hashed already
            block >>= (8 - left) * 8;
        } else if (left >= 4) {
            std::uint32_t low = 0;
            std::uint32_t high = 0;
            std::memcpy(&low, next, 4);
            std::memcpy(&high, next + left - 4, 4);
            block = low | (std::uint64_t{high} << 32);
        } else {
            block = std::uint64_t{static_cast<unsigned char>(next[0])} |
                    std::uint64_t{static_cast<unsigned char>(next[left / 2])} << 8 |
                    std::uint64_t{static_cast<unsigned char>(next[left - 1])} << 16;
        }
        auto& chain = odd_block ? second : first;                        // the chain that took one block fewer
        chain = mix_block(chain ^ block ^ (std::uint64_t{0xff} << 56));  // a tail differs from a full block
    }
    return first ^ std::rotl(second, 32);
}

}  // namespace strata::detail
