// strata/core/uuid.hpp - strata::uuid: a UUID value, its v4 and v7 generators, and its mapping
// (PostgreSQL `uuid`; SQLite TEXT in the canonical lowercase form, so that equal UUIDs are equal
// text there and the same parameter compares on both databases).
//
//   struct Session { strata::uuid id = strata::uuid::v7(); ... };   // time-ordered keys
//   auto parsed = strata::uuid::parse("0b5e3f7c-1d2a-4c3b-9a8e-7f6d5c4b3a21");
#pragma once

#include <array>
#include <chrono>
#include <compare>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "strata/core/error.hpp"
#include "strata/core/type_traits.hpp"
#include "strata/core/url.hpp"  // detail::hex_digit
#include "strata/core/value.hpp"
#include "strata/detail/linkage.hpp"

namespace strata {

namespace detail {
/// 16 bytes from a per-thread generator seeded by the system's entropy source (compiled once:
/// <random> stays out of the translation units that include this header).
STRATA_COMPILED_LINKAGE std::array<std::uint8_t, 16> random_uuid_bytes();
/// A version 7 UUID's bytes: the Unix time in milliseconds, then a 12-bit counter that keeps the
/// process's UUIDs of one millisecond in order (RFC 9562's method 1), then random bits.
STRATA_COMPILED_LINKAGE std::array<std::uint8_t, 16> time_ordered_uuid_bytes();
}  // namespace detail

/// A 128-bit UUID (RFC 9562); the default is the nil UUID.
class uuid {
public:
    /// The nil UUID (all zero).
    constexpr uuid() noexcept = default;
    /// A UUID of these 16 bytes, in network order.
    constexpr explicit uuid(const std::array<std::uint8_t, 16>& bytes) noexcept : bytes_(bytes) {}

    /// Parses the canonical 36-character form (either case); conversion_error for anything else.
    static uuid parse(std::string_view text) {
        if (text.size() != 36) throw_not_uuid(text);
        std::array<std::uint8_t, 16> bytes{};
        std::size_t position = 0;
        for (std::size_t i = 0; i < 16; ++i) {
            if (position == 8 || position == 13 || position == 18 || position == 23) {
                if (text[position] != '-') throw_not_uuid(text);
                ++position;
            }
            const int high = detail::hex_digit(text[position]);
            const int low = detail::hex_digit(text[position + 1]);
            if (high < 0 || low < 0) throw_not_uuid(text);
            bytes[i] = static_cast<std::uint8_t>(high * 16 + low);
            position += 2;
        }
        return uuid{bytes};
    }

    /// A random UUID (version 4).
    static uuid v4() {
        auto bytes = random_bytes();
        bytes[6] = static_cast<std::uint8_t>((bytes[6] & 0x0F) | 0x40);
        bytes[8] = static_cast<std::uint8_t>((bytes[8] & 0x3F) | 0x80);
        return uuid{bytes};
    }

    /// A time-ordered UUID (version 7): 48 bits of Unix milliseconds, then random bits, so keys
    /// made later sort later (at millisecond granularity) and index inserts stay at the right edge.
    static uuid v7() { return uuid{detail::time_ordered_uuid_bytes()}; }

    /// The canonical lowercase form: 8-4-4-4-12 hex digits.
    [[nodiscard]] std::string to_string() const {
        static constexpr char digits[] = "0123456789abcdef";
        std::string text;
        text.reserve(36);
        for (std::size_t i = 0; i < 16; ++i) {
            if (i == 4 || i == 6 || i == 8 || i == 10) text += '-';
            text += digits[bytes_[i] >> 4];
            text += digits[bytes_[i] & 15];
        }
        return text;
    }
    /// The 16 bytes, in network order.
    [[nodiscard]] constexpr const std::array<std::uint8_t, 16>& bytes() const noexcept { return bytes_; }
    /// The version nibble (4 for v4(), 7 for v7(), 0 for nil).
    [[nodiscard]] constexpr int version() const noexcept { return bytes_[6] >> 4; }
    /// Byte order, which for v7 is creation order.
    friend constexpr auto operator<=>(const uuid&, const uuid&) noexcept = default;

private:
    [[noreturn]] static void throw_not_uuid(std::string_view text) {
        throw conversion_error("'" + std::string{text.substr(0, 64)} + "' is not a UUID (8-4-4-4-12 hex digits)");
    }
    static std::array<std::uint8_t, 16> random_bytes() { return detail::random_uuid_bytes(); }

    std::array<std::uint8_t, 16> bytes_{};
};

/// A UUID travels as its canonical text: PostgreSQL takes it into a `uuid` column (text parameters
/// are untyped there) and sends it back as text; SQLite stores the text.
template <>
struct type_traits<uuid> {
    static constexpr value_kind kind = value_kind::text;
    static constexpr std::string_view postgresql_type = "UUID";  ///< CREATE TABLE type
    /// The array an IN list travels as on PostgreSQL (TEXT[] would not compare with a uuid column).
    static constexpr std::string_view postgresql_array_type = "UUID[]";
    static constexpr std::string_view mariadb_type = "UUID";  ///< CREATE TABLE type (MariaDB 10.7+)
    static parameter to_parameter(const uuid& value) { return parameter::from_text(value.to_string()); }
    static uuid read(const field_reader& reader, std::size_t column) { return uuid::parse(reader.read_text(column)); }
};

}  // namespace strata

#if !defined(STRATA_SEPARATE_COMPILATION)
#include "strata/core/impl/uuid.hpp"
#endif
