// strata/core/impl/decimal.hpp - the definitions behind strata/core/decimal.hpp.
//
// Included by that header in header-only builds; under STRATA_SEPARATE_COMPILATION only by
// src/strata.cpp, so they are compiled once per program.
#pragma once

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include "strata/core/decimal.hpp"
#include "strata/core/error.hpp"
#include "strata/core/function_registry.hpp"
#include "strata/detail/linkage.hpp"

namespace strata {

namespace detail {
/// The most a decimal's exponent may shift its point: beyond NUMERIC's own range (131,072 digits
/// before the point, 16,383 after), so a hostile "1e999999999" cannot ask for a gigabyte of zeros.
inline constexpr std::int64_t decimal_exponent_limit = 200'000;

/// `digits` without leading zeros ("0" when nothing is left).
inline std::string without_leading_zeros(std::string digits) {
    const auto first = digits.find_first_not_of('0');
    if (first == std::string::npos) return "0";
    digits.erase(0, first);
    return digits;
}

/// The coefficient of `digits` at scale `from` written at the larger scale `to` (zeros appended).
inline std::string at_scale(const std::string& digits, std::int32_t from, std::int32_t to) {
    return digits == "0" ? digits : digits + std::string(static_cast<std::size_t>(to - from), '0');
}

/// Compares two digit strings without leading zeros as numbers.
inline int compare_magnitudes(const std::string& left, const std::string& right) noexcept {
    if (left.size() != right.size()) return left.size() < right.size() ? -1 : 1;
    const int order = left.compare(right);
    return order < 0 ? -1 : order > 0 ? 1 : 0;
}

/// left + right for digit strings.
inline std::string add_magnitudes(const std::string& left, const std::string& right) {
    std::string sum;
    sum.reserve(std::max(left.size(), right.size()) + 1);
    int carry = 0;
    for (std::size_t i = 0; i < std::max(left.size(), right.size()) || carry; ++i) {
        int digit = carry;
        if (i < left.size()) digit += left[left.size() - 1 - i] - '0';
        if (i < right.size()) digit += right[right.size() - 1 - i] - '0';
        sum.push_back(static_cast<char>('0' + digit % 10));
        carry = digit / 10;
    }
    std::reverse(sum.begin(), sum.end());
    return without_leading_zeros(std::move(sum));
}

/// larger - smaller for digit strings, larger >= smaller.
inline std::string subtract_magnitudes(const std::string& larger, const std::string& smaller) {
    std::string difference;
    difference.reserve(larger.size());
    int borrow = 0;
    for (std::size_t i = 0; i < larger.size(); ++i) {
        int digit = larger[larger.size() - 1 - i] - '0' - borrow;
        if (i < smaller.size()) digit -= smaller[smaller.size() - 1 - i] - '0';
        borrow = digit < 0 ? 1 : 0;
        difference.push_back(static_cast<char>('0' + digit + 10 * borrow));
    }
    std::reverse(difference.begin(), difference.end());
    return without_leading_zeros(std::move(difference));
}

[[noreturn]] inline void throw_not_decimal(std::string_view text) {
    throw conversion_error("'" + std::string{text.substr(0, 64)} + (text.size() > 64 ? "...'" : "'") +
                           " is not a decimal number");
}
}  // namespace detail

STRATA_COMPILED_LINKAGE decimal::decimal(std::int64_t value) : negative_(value < 0) {
    // The magnitude as unsigned, so INT64_MIN has one.
    const std::uint64_t magnitude =
        value < 0 ? std::uint64_t{0} - static_cast<std::uint64_t>(value) : static_cast<std::uint64_t>(value);
    digits_ = std::to_string(magnitude);
}

STRATA_COMPILED_LINKAGE decimal decimal::parse(std::string_view text) {
    std::size_t position = 0;
    decimal result;
    bool negative = false;
    if (position < text.size() && (text[position] == '+' || text[position] == '-')) negative = text[position++] == '-';
    std::string digits;
    std::int64_t scale = 0;
    bool any_digit = false;
    for (; position < text.size() && text[position] >= '0' && text[position] <= '9'; ++position) {
        digits.push_back(text[position]);
        any_digit = true;
    }
    if (position < text.size() && text[position] == '.') {
        for (++position; position < text.size() && text[position] >= '0' && text[position] <= '9'; ++position) {
            digits.push_back(text[position]);
            ++scale;
            any_digit = true;
        }
    }
    if (!any_digit) detail::throw_not_decimal(text);
    if (position < text.size() && (text[position] == 'e' || text[position] == 'E')) {
        ++position;
        std::int64_t exponent = 0;
        const char* start = text.data() + position;
        if (position < text.size() && text[position] == '+') ++start;
        const auto [end, code] = std::from_chars(start, text.data() + text.size(), exponent);
        if (code != std::errc{} || end == start || exponent > detail::decimal_exponent_limit ||
            exponent < -detail::decimal_exponent_limit)
            detail::throw_not_decimal(text);
        position = static_cast<std::size_t>(end - text.data());
        scale -= exponent;
    }
    if (position != text.size()) detail::throw_not_decimal(text);
    if (scale < 0) {
        digits.append(static_cast<std::size_t>(-scale), '0');
        scale = 0;
    }
    if (scale > detail::decimal_exponent_limit) detail::throw_not_decimal(text);
    result.digits_ = detail::without_leading_zeros(std::move(digits));
    result.scale_ = static_cast<std::int32_t>(scale);
    result.negative_ = negative && result.digits_ != "0";
    return result;
}

STRATA_COMPILED_LINKAGE std::string decimal::to_string() const {
    std::string text = negative_ ? "-" : "";
    const auto scale = static_cast<std::size_t>(scale_);
    if (scale == 0) return text + digits_;
    // At least one digit before the point: 0.05 is "0" + "." + "05".
    const std::string padded =
        digits_.size() <= scale ? std::string(scale + 1 - digits_.size(), '0') + digits_ : digits_;
    text.append(padded, 0, padded.size() - scale);
    text += '.';
    text.append(padded, padded.size() - scale, scale);
    return text;
}

STRATA_COMPILED_LINKAGE double decimal::to_double() const {
    const std::string text = to_string();
    double value = 0;
    std::from_chars(text.data(), text.data() + text.size(), value);
    return value;
}

STRATA_COMPILED_LINKAGE decimal decimal::rounded(std::int32_t digits) const {
    decimal result = *this;
    if (digits >= scale_) {
        result.digits_ = detail::at_scale(digits_, scale_, digits);
        result.scale_ = digits;
        return result;
    }
    if (digits < 0) throw usage_error("decimal::rounded() takes the digits to keep after the point, 0 or more");
    const auto dropped = static_cast<std::size_t>(scale_ - digits);
    std::string kept = digits_.size() > dropped ? digits_.substr(0, digits_.size() - dropped) : "0";
    // The first dropped digit decides: 5 or more rounds the magnitude up (half away from zero).
    const std::size_t first_dropped = digits_.size() >= dropped ? digits_.size() - dropped : std::string::npos;
    const bool round_up = first_dropped != std::string::npos && digits_[first_dropped] >= '5';
    if (round_up) kept = detail::add_magnitudes(kept, "1");
    result.digits_ = detail::without_leading_zeros(std::move(kept));
    result.scale_ = digits;
    result.negative_ = negative_ && result.digits_ != "0";
    return result;
}

STRATA_COMPILED_LINKAGE int decimal::compare(const decimal& left, const decimal& right) noexcept {
    if (left.negative_ != right.negative_) return left.negative_ ? -1 : 1;
    const std::int32_t scale = std::max(left.scale_, right.scale_);
    try {
        const int magnitude = detail::compare_magnitudes(detail::at_scale(left.digits_, left.scale_, scale),
                                                         detail::at_scale(right.digits_, right.scale_, scale));
        return left.negative_ ? -magnitude : magnitude;
    } catch (...) {  // out of memory aligning the scales: order by the rest of the text, not by nothing
        return left.to_string() < right.to_string() ? -1 : 1;
    }
}

STRATA_COMPILED_LINKAGE decimal operator+(const decimal& left, const decimal& right) {
    const std::int32_t scale = std::max(left.scale_, right.scale_);
    const std::string a = detail::at_scale(left.digits_, left.scale_, scale);
    const std::string b = detail::at_scale(right.digits_, right.scale_, scale);
    decimal sum;
    sum.scale_ = scale;
    if (left.negative_ == right.negative_) {
        sum.digits_ = detail::add_magnitudes(a, b);
        sum.negative_ = left.negative_;
    } else if (detail::compare_magnitudes(a, b) >= 0) {
        sum.digits_ = detail::subtract_magnitudes(a, b);
        sum.negative_ = left.negative_;
    } else {
        sum.digits_ = detail::subtract_magnitudes(b, a);
        sum.negative_ = right.negative_;
    }
    if (sum.digits_ == "0") sum.negative_ = false;
    return sum;
}

STRATA_COMPILED_LINKAGE decimal operator-(const decimal& left, const decimal& right) { return left + -right; }

STRATA_COMPILED_LINKAGE decimal operator*(const decimal& left, const decimal& right) {
    // Schoolbook multiplication in base 10: the coefficients are short (a price, a quantity).
    std::vector<std::uint32_t> product(left.digits_.size() + right.digits_.size(), 0);
    for (std::size_t i = left.digits_.size(); i-- > 0;) {
        std::uint32_t carry = 0;
        const auto a = static_cast<std::uint32_t>(left.digits_[i] - '0');
        for (std::size_t j = right.digits_.size(); j-- > 0;) {
            const auto b = static_cast<std::uint32_t>(right.digits_[j] - '0');
            const std::uint32_t cell = product[i + j + 1] + a * b + carry;
            product[i + j + 1] = cell % 10;
            carry = cell / 10;
        }
        product[i] += carry;
    }
    std::string digits;
    digits.reserve(product.size());
    for (const auto digit : product) digits.push_back(static_cast<char>('0' + digit));
    decimal result;
    result.digits_ = detail::without_leading_zeros(std::move(digits));
    result.scale_ = left.scale_ + right.scale_;
    result.negative_ = left.negative_ != right.negative_ && result.digits_ != "0";
    return result;
}

namespace detail {

/// The decimal a SQLite value holds (text, an integer or a real as it prints).
inline decimal decimal_of(const parameter& value) {
    if (value.kind() == value_kind::integer || value.kind() == value_kind::boolean) return decimal{value.as_integer()};
    if (value.kind() == value_kind::real) {
        char buffer[32];
        const auto end = std::to_chars(buffer, buffer + sizeof buffer, value.as_real()).ptr;
        return decimal::parse(std::string_view{buffer, static_cast<std::size_t>(end - buffer)});
    }
    return decimal::parse(value.as_text());
}

/// A two-argument decimal function: NULL when either argument is.
template <decimal (*Operation)(const decimal&, const decimal&)>
parameter decimal_function(std::span<const parameter> arguments) {
    if (arguments[0].is_null() || arguments[1].is_null()) return parameter::null_of(value_kind::text);
    return parameter::from_text(Operation(decimal_of(arguments[0]), decimal_of(arguments[1])).to_string());
}
inline decimal decimal_plus(const decimal& left, const decimal& right) { return left + right; }
inline decimal decimal_minus(const decimal& left, const decimal& right) { return left - right; }
inline decimal decimal_times(const decimal& left, const decimal& right) { return left * right; }

/// strata_decimal_sum's state: the total and how many non-NULL values it holds (a window frame's
/// rows leave it again; none left is NULL, as sum() of no value is).
struct decimal_sum {
    decimal total;
    std::int64_t values = 0;
};

}  // namespace detail

STRATA_COMPILED_LINKAGE bool detail::register_decimal_functions() {
    auto& registry = registered_functions();
    registry.scalars.push_back({"strata_decimal_add", 2, &detail::decimal_function<&detail::decimal_plus>});
    registry.scalars.push_back({"strata_decimal_sub", 2, &detail::decimal_function<&detail::decimal_minus>});
    registry.scalars.push_back({"strata_decimal_mul", 2, &detail::decimal_function<&detail::decimal_times>});
    registry.aggregates.push_back({"strata_decimal_sum", []() -> void* { return new detail::decimal_sum; },
                                   [](void* state, const parameter& value) {
                                       if (value.is_null()) return;
                                       auto& sum = *static_cast<detail::decimal_sum*>(state);
                                       sum.total = sum.total + detail::decimal_of(value);
                                       ++sum.values;
                                   },
                                   [](void* state, const parameter& value) {
                                       if (value.is_null()) return;
                                       auto& sum = *static_cast<detail::decimal_sum*>(state);
                                       sum.total = sum.total - detail::decimal_of(value);
                                       --sum.values;
                                   },
                                   [](const void* state) {
                                       const auto& sum = *static_cast<const detail::decimal_sum*>(state);
                                       return sum.values > 0 ? parameter::from_text(sum.total.to_string())
                                                             : parameter::null_of(value_kind::text);
                                   },
                                   [](void* state) noexcept { delete static_cast<detail::decimal_sum*>(state); }});
    // By value when both sides are numbers, else byte order: a collation must not fail, and text
    // that is no number never equals one that is.
    registry.collations.push_back({"strata_decimal", [](std::string_view left, std::string_view right) noexcept {
                                       try {
                                           return decimal::compare(decimal::parse(left), decimal::parse(right));
                                       } catch (...) {
                                           const int order = left.compare(right);
                                           return order < 0 ? -1 : order > 0 ? 1 : 0;
                                       }
                                   }});
    return true;
}

}  // namespace strata
