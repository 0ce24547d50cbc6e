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
    if constexpr (sql::is_decimal_v<value>) {
        // An exact total: SQLite's own sum() would read the decimals' text as doubles.
        const auto argument = sql::to_node(operand);
        return expression<std::optional<value>>{sql::make_per_dialect(
            sql::make_function("sum", {argument}), sql::make_function("strata_decimal_sum", {argument}))};
    } else if constexpr (!std::is_arithmetic_v<value>) {  // a user type of the numeric family sums as itself
        return expression<std::optional<value>>{sql::make_function("sum", {sql::to_node(operand)})};
    } else {
        using result = std::optional<std::conditional_t<std::is_floating_point_v<value>, double, std::int64_t>>;
        return expression<result>{sql::make_function("sum", {sql::to_node(operand)})};
    }
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

/// length(x) in characters (CHAR_LENGTH on MariaDB, whose length() counts bytes); NULL when x is.
template <sql::expression_like X>
auto length(const X& operand) {
    static_assert(sql::family_of<sql::operand_value_t<X>>() == sql::type_family::text, "length() needs text");
    using result =
        std::conditional_t<sql::is_optional_v<sql::operand_value_t<X>>, std::optional<std::int64_t>, std::int64_t>;
    const std::vector<sql::node_ptr> argument{sql::to_node(operand)};
    auto characters = sql::make_function("length", argument);
    return expression<result>{
        sql::make_per_dialect(characters, characters, sql::make_function("CHAR_LENGTH", argument))};
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
    if (!sql::is_plain_name(text, true))
        throw usage_error("func::call needs a function name, not SQL text: '" + std::string{text} + "'");
    return expression<R>{sql::make_function(text, {sql::to_node(arguments)...})};
}

/// nullif(a, b): NULL where a equals b, else a.
template <class A, class B>
expression<sql::nullable_t<sql::operand_value_t<A>>> nullif(const A& value, const B& null_when) {
    sql::require_comparable<A, B>();
    return expression<sql::nullable_t<sql::operand_value_t<A>>>{
        sql::make_function("nullif", {sql::to_node(value), sql::to_node(null_when)})};
}

namespace detail {
/// greatest()/least(): PostgreSQL's `postgresql` function, SQLite's multi-argument `sqlite` one.
template <class First, class... Rest>
expression<sql::operand_value_t<First>> extreme(std::string_view postgresql, std::string_view sqlite,
                                                const First& first, const Rest&... rest) {
    static_assert(sizeof...(Rest) >= 1, "greatest()/least() take two or more values");
    (sql::require_comparable<First, Rest>(), ...);
    static_assert(
        !sql::is_optional_v<sql::operand_value_t<First>> && (!sql::is_optional_v<sql::operand_value_t<Rest>> && ...),
        "greatest()/least() of a nullable operand: PostgreSQL skips NULLs and SQLite returns NULL, so the "
        "two would disagree; wrap the operand in coalesce(x, fallback)");
    const std::vector<sql::node_ptr> arguments{sql::to_node(first), sql::to_node(rest)...};
    return expression<sql::operand_value_t<First>>{
        sql::make_per_dialect(sql::make_function(postgresql, arguments), sql::make_function(sqlite, arguments))};
}
}  // namespace detail

/// greatest(a, b, ...): the largest (SQLite: max(a, b, ...)); operands must not be nullable.
template <class First, class... Rest>
expression<sql::operand_value_t<First>> greatest(const First& first, const Rest&... rest) {
    return detail::extreme("greatest", "max", first, rest...);
}

/// least(a, b, ...): the smallest (SQLite: min(a, b, ...)); operands must not be nullable.
template <class First, class... Rest>
expression<sql::operand_value_t<First>> least(const First& first, const Rest&... rest) {
    return detail::extreme("least", "min", first, rest...);
}

}  // namespace func

/// The parts of a timestamp extract() reads and date_trunc() truncates to.
enum class date_part : std::uint8_t { year, month, day, hour, minute, second };

namespace func {
namespace detail {
/// The result type of a function of a timestamp: R, optional when the operand is.
template <class R, class X>
using timestamp_result = std::conditional_t<sql::is_optional_v<sql::operand_value_t<X>>, std::optional<R>, R>;

/// date_part's names as PostgreSQL's date_part() and date_trunc() take them, in enumerator order.
inline constexpr std::string_view postgresql_part_names[] = {"'year'", "'month'",  "'day'",
                                                             "'hour'", "'minute'", "'second'"};

template <class X>
constexpr void require_timestamp() {
    static_assert(sql::family_of<sql::operand_value_t<X>>() == sql::type_family::timestamp,
                  "extract()/date_trunc() need a timestamp operand");
}
}  // namespace detail

/// extract(part, ts): the part of a timestamp as an integer (whole seconds for date_part::second):
/// CAST(floor(date_part('month', x)) AS BIGINT) on PostgreSQL, CAST(strftime('%m', x) AS INTEGER) on
/// SQLite, MONTH(x) on MariaDB.
template <class X>
expression<detail::timestamp_result<std::int64_t, X>> extract(date_part part, const X& operand) {
    detail::require_timestamp<X>();
    static constexpr std::string_view sqlite_formats[] = {"'%Y'", "'%m'", "'%d'", "'%H'", "'%M'", "'%S'"};
    static constexpr std::string_view mariadb_functions[] = {"YEAR", "MONTH", "DAY", "HOUR", "MINUTE", "SECOND"};
    const auto index = static_cast<std::size_t>(part);
    auto value = sql::to_node(operand);
    return expression<detail::timestamp_result<std::int64_t, X>>{sql::make_per_dialect(
        sql::make_cast(
            sql::make_function(
                "floor",
                {sql::make_function("date_part", {sql::make_keyword(detail::postgresql_part_names[index]), value})}),
            "BIGINT", "INTEGER"),
        sql::make_cast(sql::make_function("strftime", {sql::make_keyword(sqlite_formats[index]), value}), "BIGINT",
                       "INTEGER"),
        sql::make_function(mariadb_functions[index], {value}))};
}

/// date_trunc(part, ts): the timestamp cut down to its year, month, day, hour, minute or second:
/// date_trunc('month', x) on PostgreSQL, strftime('%Y-%m-01 00:00:00.000000', x) on SQLite (the
/// text strata stores, so the result compares and groups with stored timestamps), and on MariaDB
/// CAST(DATE_FORMAT(x, '%Y-%m-01') AS DATETIME(6)).
template <class X>
expression<detail::timestamp_result<timestamp, X>> date_trunc(date_part part, const X& operand) {
    detail::require_timestamp<X>();
    static constexpr std::string_view sqlite_formats[] = {"'%Y-01-01 00:00:00.000000'", "'%Y-%m-01 00:00:00.000000'",
                                                          "'%Y-%m-%d 00:00:00.000000'", "'%Y-%m-%d %H:00:00.000000'",
                                                          "'%Y-%m-%d %H:%M:00.000000'", "'%Y-%m-%d %H:%M:%S.000000'"};
    static constexpr std::string_view mariadb_formats[] = {
        "'%Y-01-01'", "'%Y-%m-01'", "'%Y-%m-%d'", "'%Y-%m-%d %H:00:00'", "'%Y-%m-%d %H:%i:00'", "'%Y-%m-%d %H:%i:%s'"};
    const auto index = static_cast<std::size_t>(part);
    auto value = sql::to_node(operand);
    return expression<detail::timestamp_result<timestamp, X>>{sql::make_per_dialect(
        sql::make_function("date_trunc", {sql::make_keyword(detail::postgresql_part_names[index]), value}),
        sql::make_function("strftime", {sql::make_keyword(sqlite_formats[index]), value}),
        sql::make_cast(sql::make_function("DATE_FORMAT", {value, sql::make_keyword(mariadb_formats[index])}),
                       "TIMESTAMP", "DATETIME(6)"))};
}

}  // namespace func

namespace detail {
/// CAST's type names for a C++ result type, on PostgreSQL and on SQLite.
template <class T>
constexpr std::pair<std::string_view, std::string_view> cast_types() {
    if constexpr (std::is_same_v<T, std::int64_t>)
        return {"BIGINT", "INTEGER"};
    else if constexpr (std::is_same_v<T, std::int32_t>)
        return {"INTEGER", "INTEGER"};
    else if constexpr (std::is_same_v<T, double>)
        return {"DOUBLE PRECISION", "REAL"};
    else if constexpr (std::is_same_v<T, std::string>)
        return {"TEXT", "TEXT"};
    else
        static_assert(!sizeof(T), "cast<T>: T is std::int64_t, std::int32_t, double or std::string");
}
}  // namespace detail

/// CAST(x AS type) read as T (std::int64_t, std::int32_t, double or std::string; optional when x
/// is): cast<std::string>(col<&Order::total>) is CAST(orders.total AS TEXT). Text that is not a
/// number is an error on PostgreSQL and 0 on SQLite.
template <class T, class X>
auto cast(const X& operand) {
    using result = std::conditional_t<sql::is_optional_v<sql::operand_value_t<X>>, std::optional<T>, T>;
    constexpr auto types = detail::cast_types<T>();
    return expression<result>{sql::make_cast(sql::to_node(operand), types.first, types.second)};
}

namespace sql {
/// The type literal(value) reads as: std::int64_t for every integer but bool (SQL's integers are
/// 64-bit), else the value's own type.
template <class Value>
using literal_value_t =
    std::conditional_t<std::is_integral_v<Value> && !std::is_same_v<Value, bool>, std::int64_t, operand_value_t<Value>>;
}  // namespace sql

/// A value as an expression (a bound parameter): select(col<&T::id>, literal(0).label("depth")).
template <class Value>
expression<sql::literal_value_t<Value>> literal(const Value& value) {
    if constexpr (std::is_integral_v<Value> && !std::is_same_v<Value, bool>)
        return expression<std::int64_t>{sql::make_parameter(parameter::from_integer(static_cast<std::int64_t>(value)))};
    else
        return expression<sql::literal_value_t<Value>>{sql::make_parameter(strata::to_parameter(value))};
}

}  // namespace strata
