// strata/driver/postgresql/binary.hpp - PostgreSQL's binary wire formats for the types strata reads.
#pragma once

#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <type_traits>

#include "strata/core/error.hpp"
#include "strata/core/value.hpp"
#include "strata/detail/timestamp_text.hpp"

namespace strata::driver::postgresql_detail {

/// Type OIDs from pg_type.h (stable across server versions).
namespace oid {
inline constexpr unsigned boolean = 16, bytea = 17, name = 19, int8 = 20, int2 = 21, int4 = 23, text = 25,
                          oid_type = 26, json = 114, float4 = 700, float8 = 701, unknown = 705, bpchar = 1042,
                          varchar = 1043, date = 1082, timestamp = 1114, timestamptz = 1184, numeric = 1700,
                          uuid = 2950, jsonb = 3802;
}  // namespace oid

/// Microseconds between 1970-01-01 (Unix) and 2000-01-01 (PostgreSQL's epoch).
inline constexpr std::int64_t postgres_epoch_offset_microseconds = 946'684'800'000'000LL;

/// `value` as PostgreSQL's binary timestamp (microseconds since 2000-01-01). Before PostgreSQL's
/// first timestamp (4714-11-24 BC) a data_error: there the subtraction would wrap around to a time
/// in year 294000 that PostgreSQL stores. (Its last, 294276 AD, is past strata::timestamp's.)
[[nodiscard]] inline std::int64_t to_postgres_microseconds(timestamp value) {
    constexpr std::int64_t first = -210'866'803'200'000'000LL;  // 4714-11-24 BC, in Unix microseconds
    const std::int64_t micros = value.time_since_epoch().count();
    if (micros < first)
        throw data_error("the timestamp " + strata::detail::timestamp_to_text(value) +
                             " is before the first PostgreSQL stores (4714-11-24 BC)",
                         "22008", "", error_source::postgresql);
    return micros - postgres_epoch_offset_microseconds;
}

/// PostgreSQL's binary timestamp (or a date's days, as microseconds) as a strata::timestamp;
/// nullopt where strata::timestamp ends first (after 294247-01-10), which the caller reports.
[[nodiscard]] inline std::optional<timestamp> from_postgres_microseconds(std::int64_t since_2000) noexcept {
    std::int64_t micros = 0;
    if (__builtin_add_overflow(since_2000, postgres_epoch_offset_microseconds, &micros)) return std::nullopt;
    return timestamp{std::chrono::microseconds{micros}};
}

/// Swaps between host and network (big-endian) byte order; the swap is its own inverse.
template <class Unsigned>
[[nodiscard]] inline Unsigned swap_network_order(Unsigned value) noexcept {
    if constexpr (std::endian::native == std::endian::little) {
        if constexpr (sizeof value == 8)
            return __builtin_bswap64(value);
        else if constexpr (sizeof value == 4)
            return __builtin_bswap32(value);
        else if constexpr (sizeof value == 2)
            return __builtin_bswap16(value);
    }
    return value;
}

/// Reads a big-endian integer of N bytes.
template <class Integer>
[[nodiscard]] inline Integer read_big_endian(const char* bytes) noexcept {
    std::make_unsigned_t<Integer> value;
    std::memcpy(&value, bytes, sizeof value);
    return static_cast<Integer>(swap_network_order(value));
}

/// Writes a 64-bit integer big-endian.
inline void write_big_endian(std::uint64_t value, char* bytes) noexcept {
    if constexpr (std::endian::native == std::endian::little) value = __builtin_bswap64(value);
    std::memcpy(bytes, &value, sizeof value);
}

/// A binary NUMERIC as decimal text ("-12.50", "NaN", "Infinity").
[[nodiscard]] inline std::string numeric_to_text(const char* bytes, int length) {
    if (length < 8) return "NaN";
    const int digit_count = read_big_endian<std::int16_t>(bytes);
    const int weight = read_big_endian<std::int16_t>(bytes + 2);
    const auto sign = static_cast<std::uint16_t>(read_big_endian<std::int16_t>(bytes + 4));
    const int display_scale = read_big_endian<std::int16_t>(bytes + 6);
    if (sign == 0xC000) return "NaN";
    if (sign == 0xD000) return "Infinity";
    if (sign == 0xF000) return "-Infinity";
    auto digit = [&](int index) -> int {
        return index >= 0 && index < digit_count
                   ? read_big_endian<std::int16_t>(bytes + 8 + 2 * static_cast<std::ptrdiff_t>(index))
                   : 0;
    };
    // Appends one base-10000 digit, zero-padded to 4 characters unless it leads the number.
    auto append_group = [](std::string& out, int value, bool pad) {
        const char characters[4] = {static_cast<char>('0' + value / 1000), static_cast<char>('0' + value / 100 % 10),
                                    static_cast<char>('0' + value / 10 % 10), static_cast<char>('0' + value % 10)};
        int first = 0;
        if (!pad)
            while (first < 3 && characters[first] == '0') ++first;
        out.append(characters + first, characters + 4);
    };
    std::string text;
    if (sign == 0x4000) text += '-';
    // Integer part: base-10000 digits 0..weight.
    if (weight < 0) {
        text += '0';
    } else {
        for (int index = 0; index <= weight; ++index) append_group(text, digit(index), index != 0);
    }
    if (display_scale > 0) {
        text += '.';
        std::string fraction;
        for (int index = weight + 1; static_cast<int>(fraction.size()) < display_scale; ++index)
            append_group(fraction, digit(index), true);
        text += fraction.substr(0, static_cast<std::size_t>(display_scale));
    }
    return text;
}

}  // namespace strata::driver::postgresql_detail
