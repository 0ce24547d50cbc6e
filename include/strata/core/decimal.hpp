// strata/core/decimal.hpp - strata::decimal: an exact decimal number of any size, and its mapping
// (PostgreSQL NUMERIC, read in binary; SQLite TEXT, compared, summed and multiplied exactly by
// functions this header adds to strata's function registry, which every SQLite connection
// registers: a program that never includes it compiles none of them).
//
//   struct Product { std::int64_t id = 0; strata::decimal price; };
//   auto total = strata::decimal::parse("19.99") * 3;                  // 59.97, exactly
//   select(strata::sum(col<&Line::price> * col<&Line::quantity>))      // optional<decimal>
#pragma once

#include <compare>
#include <cstdint>
#include <string>
#include <string_view>

#include "strata/core/error.hpp"
#include "strata/core/type_traits.hpp"
#include "strata/core/value.hpp"
#include "strata/detail/linkage.hpp"

namespace strata {

/// An exact decimal: a coefficient of any number of digits and a scale (digits after the point).
/// Values compare by their number (1.5 == 1.50), and print with their scale ("1.50"), as NUMERIC does.
class decimal {
public:
    /// Zero.
    decimal() = default;
    /// An integer, exactly (scale 0).
    STRATA_COMPILED_LINKAGE decimal(
        std::int64_t value);  // NOLINT(google-explicit-constructor): 5 is a decimal as SQL has it

    /// Parses "-12.340", "+5", ".5", "1e3" or "1.5E-2"; conversion_error for anything else (NaN and
    /// infinities included: a decimal holds a number).
    static STRATA_COMPILED_LINKAGE decimal parse(std::string_view text);

    /// The digits with the point, no exponent: "-12.340".
    [[nodiscard]] STRATA_COMPILED_LINKAGE std::string to_string() const;
    /// How many digits follow the point.
    [[nodiscard]] std::int32_t scale() const noexcept { return scale_; }
    /// Whether the value is below zero.
    [[nodiscard]] bool is_negative() const noexcept { return negative_; }
    /// Whether the value is zero.
    [[nodiscard]] bool is_zero() const noexcept { return digits_ == "0"; }
    /// The nearest double.
    [[nodiscard]] STRATA_COMPILED_LINKAGE double to_double() const;
    /// The value with `digits` digits after the point, a dropped half rounded away from zero
    /// (PostgreSQL's round(numeric, s) and NUMERIC(p, s)); more digits pad with zeros.
    [[nodiscard]] STRATA_COMPILED_LINKAGE decimal rounded(std::int32_t digits) const;

    /// Compares by value: -1, 0 or 1.
    [[nodiscard]] static STRATA_COMPILED_LINKAGE int compare(const decimal& left, const decimal& right) noexcept;
    /// The exact sum.
    friend STRATA_COMPILED_LINKAGE decimal operator+(const decimal& left, const decimal& right);
    /// The exact difference.
    friend STRATA_COMPILED_LINKAGE decimal operator-(const decimal& left, const decimal& right);
    /// The exact product (its scale is the sum of the two scales).
    friend STRATA_COMPILED_LINKAGE decimal operator*(const decimal& left, const decimal& right);
    /// The negated value.
    friend decimal operator-(const decimal& value) {
        decimal negated = value;
        negated.negative_ = !value.negative_ && !value.is_zero();
        return negated;
    }
    /// Equal by value: 1.5 == 1.50.
    friend bool operator==(const decimal& left, const decimal& right) noexcept { return compare(left, right) == 0; }
    /// Ordered by value.
    friend std::strong_ordering operator<=>(const decimal& left, const decimal& right) noexcept {
        return compare(left, right) <=> 0;
    }

private:
    std::string digits_ = "0";  ///< the coefficient's digits, without leading zeros ("0" for zero)
    std::int32_t scale_ = 0;    ///< digits of the coefficient after the point, 0 or more
    bool negative_ = false;     ///< never set for zero
};

/// NUMERIC on PostgreSQL (read in binary, sent as text the server reads exactly); TEXT on SQLite,
/// whose `strata_decimal` collation orders and compares it by value.
template <>
struct type_traits<decimal> {
    static constexpr value_kind kind = value_kind::text;
    static constexpr type_family family = type_family::decimal;     ///< exact arithmetic, by-value comparison
    static constexpr std::string_view postgresql_type = "NUMERIC";  ///< CREATE TABLE type
    /// The array an IN list travels as on PostgreSQL (TEXT[] would not compare with a NUMERIC column).
    static constexpr std::string_view postgresql_array_type = "NUMERIC[]";
    static constexpr std::string_view sqlite_type = "TEXT COLLATE strata_decimal";  ///< CREATE TABLE type
    /// MariaDB's widest DECIMAL: 35 digits before the point, 30 after (it keeps no scale per value).
    static constexpr std::string_view mariadb_type = "DECIMAL(65,30)";
    static parameter to_parameter(const decimal& value) { return parameter::from_text(value.to_string()); }
    static decimal read(const field_reader& reader, std::size_t column) {
        return decimal::parse(reader.read_text(column));
    }
};

namespace detail {
/// Adds strata_decimal_add/_sub/_mul, the strata_decimal_sum aggregate and the strata_decimal
/// collation to strata's function registry (for SQLite, which has no decimal type).
STRATA_COMPILED_LINKAGE bool register_decimal_functions();
/// Registered before main in every program that includes this header.
inline const bool decimal_functions_registered = register_decimal_functions();
}  // namespace detail

}  // namespace strata

#if !defined(STRATA_SEPARATE_COMPILATION)
#include "strata/core/impl/decimal.hpp"
#endif
