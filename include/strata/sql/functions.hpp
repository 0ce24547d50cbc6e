// strata/sql/functions.hpp - SQL functions and aggregates with the result types SQL gives them.
//
// Aggregates that return NULL on an empty group (sum, avg, min, max) are std::optional; count is
// never NULL. coalesce is non-optional as soon as one argument is.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "strata/core/error.hpp"
#include "strata/core/value.hpp"
#include "strata/sql/expression.hpp"
#include "strata/sql/node.hpp"

namespace strata {

/// count(*)
inline expression<std::int64_t> count() {
    return expression<std::int64_t>{sql::make_function("count", {sql::make_keyword("*")})};
}

/// count(x): rows where x is not NULL.
template <sql::expression_like X>
expression<std::int64_t> count(const X& operand) {
    return expression<std::int64_t>{sql::make_function("count", {sql::to_node(operand)})};
}

/// count(DISTINCT x)
template <sql::expression_like X>
expression<std::int64_t> count_distinct(const X& operand) {
    return expression<std::int64_t>{sql::make_function("count", {sql::to_node(operand)}, true)};
}

/// sum(x): int64 for integers, double for doubles; NULL on an empty group.
template <sql::expression_like X>
auto sum(const X& operand) {
    sql::require_numeric<X>();
    using value = sql::strip_optional_t<sql::operand_value_t<X>>;
    using result = std::optional<std::conditional_t<std::is_floating_point_v<value>, double, std::int64_t>>;
    return expression<result>{sql::make_function("sum", {sql::to_node(operand)})};
}

/// avg(x) as a double; NULL on an empty group.
template <sql::expression_like X>
expression<std::optional<double>> avg(const X& operand) {
    sql::require_numeric<X>();
    return expression<std::optional<double>>{sql::make_function("avg", {sql::to_node(operand)})};
}

/// min(x); NULL on an empty group.
template <sql::expression_like X>
expression<sql::nullable_t<sql::operand_value_t<X>>> min(const X& operand) {
    return expression<sql::nullable_t<sql::operand_value_t<X>>>{sql::make_function("min", {sql::to_node(operand)})};
}

/// max(x); NULL on an empty group.
template <sql::expression_like X>
expression<sql::nullable_t<sql::operand_value_t<X>>> max(const X& operand) {
    return expression<sql::nullable_t<sql::operand_value_t<X>>>{sql::make_function("max", {sql::to_node(operand)})};
}

namespace sql {
template <class First, class... Rest>
constexpr bool any_not_optional() {
    return !is_optional_v<operand_value_t<First>> || (!is_optional_v<operand_value_t<Rest>> || ...);
}
}  // namespace sql

/// coalesce(a, b, ...): the first non-NULL; not optional when any argument is not.
template <class First, class... Rest>
auto coalesce(const First& first, const Rest&... rest) {
    (sql::require_comparable<First, Rest>(), ...);
    using value = sql::strip_optional_t<sql::operand_value_t<First>>;
    using result = std::conditional_t<sql::any_not_optional<First, Rest...>(), value, std::optional<value>>;
    return expression<result>{sql::make_function("coalesce", {sql::to_node(first), sql::to_node(rest)...})};
}

/// lower(x)
template <sql::expression_like X>
expression<sql::operand_value_t<X>> lower(const X& operand) {
    static_assert(sql::family_of<sql::operand_value_t<X>>() == sql::type_family::text, "lower() needs text");
    return expression<sql::operand_value_t<X>>{sql::make_function("lower", {sql::to_node(operand)})};
}

/// upper(x)
template <sql::expression_like X>
expression<sql::operand_value_t<X>> upper(const X& operand) {
    static_assert(sql::family_of<sql::operand_value_t<X>>() == sql::type_family::text, "upper() needs text");
    return expression<sql::operand_value_t<X>>{sql::make_function("upper", {sql::to_node(operand)})};
}

/// length(x) in characters; NULL when x is.
template <sql::expression_like X>
auto length(const X& operand) {
    static_assert(sql::family_of<sql::operand_value_t<X>>() == sql::type_family::text, "length() needs text");
    using result =
        std::conditional_t<sql::is_optional_v<sql::operand_value_t<X>>, std::optional<std::int64_t>, std::int64_t>;
    return expression<result>{sql::make_function("length", {sql::to_node(operand)})};
}

/// CASE WHEN ... THEN ... [ELSE ...] END, built with case_when(c, v).when(c, v).else_(v).
template <class T>
class case_builder {
public:
    /// Starts with the first WHEN.
    case_builder(sql::node_ptr condition, sql::node_ptr value) : parts_{std::move(condition), std::move(value)} {}
    /// Adds WHEN condition THEN value.
    template <class Condition, class Value>
    [[nodiscard]] case_builder when(const Condition& condition, const Value& value) const {
        sql::require_boolean<Condition>();
        sql::require_comparable<T, Value>();
        case_builder copy = *this;
        copy.parts_.push_back(sql::to_node(condition));
        copy.parts_.push_back(sql::to_node(value));
        return copy;
    }
    /// Ends with ELSE value.
    template <class Value>
    [[nodiscard]] expression<T> else_(const Value& value) const {
        sql::require_comparable<T, Value>();
        auto parts = parts_;
        parts.push_back(sql::to_node(value));
        return expression<T>{
            sql::make_operator(sql::node_kind::case_when, "", sql::precedence::atom, std::move(parts))};
    }
    /// Ends without ELSE: NULL when nothing matches.
    [[nodiscard]] expression<sql::nullable_t<T>> end() const {
        return expression<sql::nullable_t<T>>{
            sql::make_operator(sql::node_kind::case_when, "", sql::precedence::atom, parts_)};
    }

private:
    std::vector<sql::node_ptr> parts_;
};

/// Starts a CASE expression: case_when(condition, value).
template <class Condition, class Value>
case_builder<sql::operand_value_t<Value>> case_when(const Condition& condition, const Value& value) {
    sql::require_boolean<Condition>();
    return {sql::to_node(condition), sql::to_node(value)};
}

/// EXISTS (SELECT ...)
template <class Query>
requires requires(const Query& query) { query.core(); }
expression<bool> exists(const Query& query) {
    return expression<bool>{sql::make_subquery(std::make_shared<const sql::select_core>(query.core()), true)};
}

/// SQL functions by name, SQLAlchemy's `func`: func::now(), func::call<R>("date_trunc", ...).
namespace func {

/// The database's current time (transaction start on PostgreSQL, statement time on SQLite), UTC,
/// read as strata::timestamp; usable in select(), insert().value() and update().set().
inline expression<timestamp> now() {
    auto item = std::make_shared<sql::node>();
    item->kind = sql::node_kind::current_timestamp;
    return expression<timestamp>{sql::finish(std::move(item))};
}

/// CURRENT_TIMESTAMP: the same as now().
inline expression<timestamp> current_timestamp() { return now(); }

/// A call of the SQL function `name` (a string literal: letters, digits, '_' and '.') on
/// `arguments` (columns, expressions or values), read as R: func::call<std::int64_t>("abs", x).
template <class R, std::size_t N, class... Arguments>
expression<R> call(const char (&name)[N], const Arguments&... arguments) {
    const std::string_view text{name, N - 1};
    const bool identifier =
        !text.empty() && !(text[0] >= '0' && text[0] <= '9') && std::all_of(text.begin(), text.end(), [](char c) {
            return c == '_' || c == '.' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
        });
    if (!identifier) throw usage_error("func::call needs a function name, not SQL text: '" + std::string{text} + "'");
    return expression<R>{sql::make_function(text, {sql::to_node(arguments)...})};
}

}  // namespace func

/// A SQL boolean literal (TRUE / FALSE as bound parameters, so both dialects take it).
inline expression<bool> literal(bool value) {
    return expression<bool>{sql::make_parameter(parameter::from_bool(value))};
}

}  // namespace strata
