// strata/driver/postgresql/copy_format.hpp - encoding rows for COPY ... FROM STDIN, text and binary.
//
// Binary COPY is ~1.35x faster than text here (benchmarks/bulk_insert.cpp), but the server
// checks each field against the column's exact type: an int4 column takes 4 bytes, not 8. So
// binary is used only when every column's type (learnt by describing an INSERT of those
// columns) has an encoder for the value kind strata binds; otherwise the text format, which the
// server parses like any literal, keeps INSERT's leniency.
#pragma once

#include <bit>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>

#include "strata/core/error.hpp"
#include "strata/core/value.hpp"
#include "strata/detail/postgresql_text.hpp"
#include "strata/driver/postgresql/binary.hpp"

namespace strata::driver::postgresql_detail {

/// Appends an integer big-endian in sizeof(Integer) bytes.
template <class Integer>
inline void append_big_endian(std::string& out, Integer value) {
    const auto bits = swap_network_order(static_cast<std::make_unsigned_t<Integer>>(value));
    out.append(reinterpret_cast<const char*>(&bits), sizeof bits);
}

/// Throws the data_error PostgreSQL itself would raise for a NUL byte in text.
[[noreturn]] inline void refuse_nul_byte(std::string_view column) {
    throw data_error("a text value for column " + std::string{column} +
                         " contains a NUL byte, which PostgreSQL text cannot hold (use a blob)",
                     "22021", "COPY", error_source::postgresql);
}

/// Appends a value in COPY text format (backslash escapes, \N for NULL).
inline void append_copy_text(std::string& out, const parameter& value, std::string_view column) {
    if (value.is_null()) {
        out += "\\N";
        return;
    }
    if (strata::detail::append_postgresql_scalar(out, value)) return;
    switch (value.kind()) {
        case value_kind::blob: {
            static constexpr char hex[] = "0123456789abcdef";
            out += "\\\\x";  // COPY unescapes \\ to \, giving bytea's \x hex input
            for (const auto byte : value.as_blob()) {
                out += hex[static_cast<unsigned>(byte) >> 4];
                out += hex[static_cast<unsigned>(byte) & 15];
            }
            return;
        }
        case value_kind::text:
            for (const char c : value.as_text()) {
                switch (c) {
                    case '\\':
                        out += "\\\\";
                        break;
                    case '\t':
                        out += "\\t";
                        break;
                    case '\n':
                        out += "\\n";
                        break;
                    case '\r':
                        out += "\\r";
                        break;
                    case '\0':
                        refuse_nul_byte(column);
                    default:
                        out += c;
                }
            }
            return;
        case value_kind::null:
            out += "\\N";
            return;
        case value_kind::boolean:
        case value_kind::integer:
        case value_kind::real:
        case value_kind::timestamp:
            return;  // written above
    }
}

/// Whether binary COPY can send a value of `kind` into a column of type `type_oid` exactly as
/// an INSERT parameter would arrive.
[[nodiscard]] inline bool binary_copy_supports(unsigned type_oid, value_kind kind) noexcept {
    switch (kind) {
        case value_kind::boolean:
            return type_oid == oid::boolean;
        case value_kind::integer:
            return type_oid == oid::int2 || type_oid == oid::int4 || type_oid == oid::int8;
        case value_kind::real:
            return type_oid == oid::float8 || type_oid == oid::float4;
        case value_kind::text:
            return type_oid == oid::text || type_oid == oid::varchar || type_oid == oid::bpchar;
        case value_kind::blob:
            return type_oid == oid::bytea;
        case value_kind::timestamp:
            return type_oid == oid::timestamp || type_oid == oid::timestamptz;
        case value_kind::null:
            return false;
    }
    return false;
}

/// Appends one field of a binary COPY tuple: its length (-1 for NULL) and its bytes in the
/// column type's binary format. Integers out of the column's range raise the server's error.
inline void append_copy_binary(std::string& out, const parameter& value, unsigned type_oid, std::string_view column) {
    if (value.is_null()) {
        append_big_endian<std::int32_t>(out, -1);
        return;
    }
    switch (value.kind()) {
        case value_kind::boolean:
            append_big_endian<std::int32_t>(out, 1);
            out += value.as_bool() ? '\1' : '\0';
            return;
        case value_kind::integer: {
            const auto integer = value.as_integer();
            const auto out_of_range = [&](const char* type) {
                throw data_error("value " + std::to_string(integer) + " is out of range for type " + type +
                                     " (column " + std::string{column} + ")",
                                 "22003", "COPY", error_source::postgresql);
            };
            if (type_oid == oid::int8) {
                append_big_endian<std::int32_t>(out, 8);
                append_big_endian<std::int64_t>(out, integer);
            } else if (type_oid == oid::int4) {
                if (integer < std::numeric_limits<std::int32_t>::min() ||
                    integer > std::numeric_limits<std::int32_t>::max())
                    out_of_range("integer");
                append_big_endian<std::int32_t>(out, 4);
                append_big_endian<std::int32_t>(out, static_cast<std::int32_t>(integer));
            } else {
                if (integer < std::numeric_limits<std::int16_t>::min() ||
                    integer > std::numeric_limits<std::int16_t>::max())
                    out_of_range("smallint");
                append_big_endian<std::int32_t>(out, 2);
                append_big_endian<std::int16_t>(out, static_cast<std::int16_t>(integer));
            }
            return;
        }
        case value_kind::real:
            if (type_oid == oid::float4) {
                append_big_endian<std::int32_t>(out, 4);
                append_big_endian<std::uint32_t>(out,
                                                 std::bit_cast<std::uint32_t>(static_cast<float>(value.as_real())));
            } else {
                append_big_endian<std::int32_t>(out, 8);
                append_big_endian<std::uint64_t>(out, std::bit_cast<std::uint64_t>(value.as_real()));
            }
            return;
        case value_kind::timestamp:
            append_big_endian<std::int32_t>(out, 8);
            append_big_endian<std::int64_t>(out, to_postgres_microseconds(value.as_timestamp()));
            return;
        case value_kind::blob: {
            const auto bytes = value.as_text();
            append_big_endian<std::int32_t>(out, static_cast<std::int32_t>(bytes.size()));
            out.append(bytes);
            return;
        }
        case value_kind::text: {
            const auto text = value.as_text();
            if (text.find('\0') != std::string_view::npos) refuse_nul_byte(column);
            append_big_endian<std::int32_t>(out, static_cast<std::int32_t>(text.size()));
            out.append(text);
            return;
        }
        case value_kind::null:
            append_big_endian<std::int32_t>(out, -1);
            return;
    }
}

/// The 19 bytes that open a binary COPY stream: signature, flags, header extension length.
inline void append_binary_copy_header(std::string& out) {
    out.append("PGCOPY\n\377\r\n\0", 11);
    append_big_endian<std::int32_t>(out, 0);
    append_big_endian<std::int32_t>(out, 0);
}

}  // namespace strata::driver::postgresql_detail
