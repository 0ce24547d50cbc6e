// strata/sql/expression.hpp - typed SQL expressions: expression<T>, operators, and their type rules.
//
// expression<T> is a node of the runtime tree plus T, the C++ type its value reads as. T drives
// two things: which comparisons compile (a text column cannot be compared with an integer), and
// the element types of a select's result tuples. Anything with a `to_expression()` member (such as
// strata::col<&User::email>) is an expression too; plain values become bound parameters.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "strata/core/type_traits.hpp"
#include "strata/core/value.hpp"
#include "strata/detail/range.hpp"
#include "strata/sql/node.hpp"
#include "strata/sql/statement_core.hpp"

namespace strata {

template <class T>
class expression;
class window;

namespace sql {

/// T without one level of std::optional.
template <class T>
struct strip_optional {
    using type = T;
};
template <class T>
struct strip_optional<std::optional<T>> {
    using type = T;
};
/// T without one level of std::optional.
template <class T>
using strip_optional_t = typename strip_optional<T>::type;
/// Whether T is a std::optional.
template <class T>
inline constexpr bool is_optional_v = !std::is_same_v<T, strip_optional_t<T>>;
/// std::optional<U> where U is T without optional: the type of a value that may be NULL.
template <class T>
using nullable_t = std::optional<strip_optional_t<T>>;

/// PostgreSQL's array type for an IN list compared with values of T (optional stripped): its
/// type's own where it declares one (type_traits<U>::postgresql_array_type: UUID[], NUMERIC[],
/// JSONB[], which TEXT[] would not compare with), else empty: the array of the values' kind.
template <class T>
constexpr std::string_view array_type_of() noexcept {
    using U = std::remove_cvref_t<strip_optional_t<std::remove_cvref_t<T>>>;
    if constexpr (requires { type_traits<U>::postgresql_array_type; })
        return type_traits<U>::postgresql_array_type;
    else
        return {};
}

/// Families of values SQL can compare with each other.
using type_family = strata::type_family;

/// The family of a C++ value type (optional stripped).
template <class T>
constexpr type_family family_of() {
    using U = std::remove_cvref_t<strip_optional_t<std::remove_cvref_t<T>>>;
    if constexpr (requires { type_traits<U>::family; })
        return type_traits<U>::family;
    else if constexpr (std::is_same_v<U, bool>)
        return type_family::boolean;
    else if constexpr (std::is_arithmetic_v<U>)
        return type_family::numeric;
    else if constexpr (std::is_same_v<U, std::string> || std::is_same_v<U, std::string_view>)
        return type_family::text;
    else if constexpr (std::is_same_v<U, timestamp>)
        return type_family::timestamp;
    else if constexpr (std::is_same_v<U, blob>)
        return type_family::blob;
    else
        return type_family::other;
}

/// The value type of a row value (a tuple of expressions).
template <class... Ts>
struct row_type {};

/// Whether T is an exact decimal (strata::decimal, or a type of the decimal family).
template <class T>
inline constexpr bool is_decimal_v = family_of<T>() == type_family::decimal;

/// Whether T is a floating-point number (optional stripped).
template <class T>
inline constexpr bool is_floating_v = std::is_floating_point_v<std::remove_cvref_t<strip_optional_t<T>>>;

/// Whether values of L and R can be compared in SQL: one family, or a decimal and an integer.
template <class L, class R>
struct comparable_types {
    static constexpr bool value =
        (family_of<L>() == family_of<R>() &&
         (family_of<L>() != type_family::other ||
          std::is_same_v<std::remove_cvref_t<strip_optional_t<L>>, std::remove_cvref_t<strip_optional_t<R>>>)) ||
        (is_decimal_v<L> && family_of<R>() == type_family::numeric && !is_floating_v<R>) ||
        (is_decimal_v<R> && family_of<L>() == type_family::numeric && !is_floating_v<L>);
};
template <class... Ls, class... Rs>
struct comparable_types<row_type<Ls...>, row_type<Rs...>> {
    static constexpr bool value = [] {
        if constexpr (sizeof...(Ls) != sizeof...(Rs))
            return false;
        else
            return (comparable_types<Ls, Rs>::value && ...);
    }();
};

/// Whether X is an expression (expression<T>, or has to_expression()).
template <class X>
concept expression_like = requires(const X& item) {
    typename std::remove_cvref_t<X>::value_type;
    { item.node() } -> std::convertible_to<node_ptr>;
}
|| requires(const X& item) { item.to_expression(); };

/// The value type of an operand: an expression's T, or the C++ type of a value (text for strings).
template <class X>
struct operand_value {
    using type = std::remove_cvref_t<X>;
};
template <class X>
requires requires(const X& item) { item.to_expression(); }
struct operand_value<X> {
    using type = typename decltype(std::declval<const X&>().to_expression())::value_type;
};
template <class X>
requires requires(const X& item) {
    typename X::value_type;
    item.node();
}
struct operand_value<X> {
    using type = typename X::value_type;
};
template <std::size_t N>
struct operand_value<char[N]> {
    using type = std::string;
};
template <>
struct operand_value<const char*> {
    using type = std::string;
};
template <>
struct operand_value<char*> {
    using type = std::string;
};
template <>
struct operand_value<std::string_view> {
    using type = std::string;
};
/// The value type of an operand.
template <class X>
using operand_value_t = typename operand_value<std::remove_cvref_t<X>>::type;

/// The node of an operand: its own for expressions, a bound parameter for values.
template <class X>
node_ptr to_node(const X& operand) {
    if constexpr (requires { operand.to_expression(); }) {
        return operand.to_expression().node();
    } else if constexpr (requires { operand.node(); }) {
        return operand.node();
    } else {
        return make_parameter(strata::to_parameter(operand));
    }
}

/// Fails to compile, with a message, unless L and R can be compared.
template <class L, class R>
constexpr void require_comparable() {
    static_assert(comparable_types<operand_value_t<L>, operand_value_t<R>>::value,
                  "these two operands cannot be compared in SQL: their C++ types belong to different families "
                  "(numbers, text, booleans, timestamps, blobs) or are different user types");
}

/// Fails to compile, with a message, unless X is numeric (a decimal included).
template <class X>
constexpr void require_numeric() {
    static_assert(family_of<operand_value_t<X>>() == type_family::numeric || is_decimal_v<operand_value_t<X>>,
                  "this SQL operation needs a numeric operand (an integer, double or decimal column or value)");
}

/// Fails to compile, with a message, unless X is boolean.
template <class X>
constexpr void require_boolean() {
    static_assert(family_of<operand_value_t<X>>() == type_family::boolean,
                  "AND, OR and NOT need boolean operands (comparisons, exists(), boolean columns)");
}

/// The numeric result type of arithmetic on L and R: double if either is, else int64; optional if either is.
template <class L, class R>
using plain_arithmetic_result_t = std::conditional_t<
    is_optional_v<L> || is_optional_v<R>,
    std::optional<std::conditional_t<std::is_floating_point_v<strip_optional_t<L>> ||
                                         std::is_floating_point_v<strip_optional_t<R>>,
                                     double, std::int64_t>>,
    std::conditional_t<std::is_floating_point_v<strip_optional_t<L>> || std::is_floating_point_v<strip_optional_t<R>>,
                       double, std::int64_t>>;

/// The decimal type of arithmetic where L or R is one (optional if either is).
template <class L, class R>
using decimal_arithmetic_result_t =
    std::conditional_t<is_optional_v<L> || is_optional_v<R>,
                       std::optional<std::conditional_t<is_decimal_v<L>, strip_optional_t<L>, strip_optional_t<R>>>,
                       std::conditional_t<is_decimal_v<L>, strip_optional_t<L>, strip_optional_t<R>>>;

/// The result type of arithmetic on L and R: a decimal if either is, else double if either is,
/// else int64; optional if either is.
template <class L, class R>
using arithmetic_result_t = typename std::conditional_t<is_decimal_v<L> || is_decimal_v<R>,
                                                        std::type_identity<decimal_arithmetic_result_t<L, R>>,
                                                        std::type_identity<plain_arithmetic_result_t<L, R>>>::type;

/// A decimal operand of SQLite's strata_decimal_* functions and collation: decimal expressions
/// as they are; anything else (an integer column, a bound value) cast to its text there.
STRATA_COMPILED_LINKAGE node_ptr make_decimal_comparison(std::string_view spelling, node_ptr left, bool left_decimal,
                                                         node_ptr right, bool right_decimal);
/// Decimal + - * on both databases: the operator on PostgreSQL, strata_decimal_add/_sub/_mul on SQLite.
STRATA_COMPILED_LINKAGE node_ptr make_decimal_arithmetic(std::string_view spelling, precedence binding,
                                                         const node_ptr& left, const node_ptr& right);
/// A decimal expression ordered by value on SQLite too (COLLATE strata_decimal); a column as it is,
/// since its declaration carries the collation.
STRATA_COMPILED_LINKAGE node_ptr make_decimal_ordering(node_ptr expression);

/// A LIKE pattern that matches `text` literally between `before` and `after` (wildcards): %, _ and
/// the escape character \ in `text` are escaped (strata's LIKE always says ESCAPE '\').
inline std::string like_literal(std::string_view before, std::string_view text, std::string_view after) {
    std::string pattern{before};
    for (const char c : text) {
        if (c == '%' || c == '_' || c == '\\') pattern += '\\';
        pattern += c;
    }
    pattern += after;
    return pattern;
}

}  // namespace sql

/// ORDER BY item: an expression with its direction and NULLS placement.
class ordering {
public:
    /// An ordering over `item` in `direction`.
    ordering(sql::node_ptr item, sql::sort_direction direction) : item_{std::move(item), direction, {}} {}
    /// Puts NULLs first.
    [[nodiscard]] ordering nulls_first() const {
        ordering copy = *this;
        copy.item_.nulls = sql::nulls_order::first;
        return copy;
    }
    /// Puts NULLs last.
    [[nodiscard]] ordering nulls_last() const {
        ordering copy = *this;
        copy.item_.nulls = sql::nulls_order::last;
        return copy;
    }
    /// The ORDER BY item.
    [[nodiscard]] const sql::order_item& item() const noexcept { return item_; }

private:
    sql::order_item item_;
};

/// Methods every expression has; Derived provides to_expression() or node().
template <class Derived, class T>
class expression_methods {
public:
    /// ORDER BY this ASC.
    [[nodiscard]] ordering asc() const { return {ordered_node(), sql::sort_direction::ascending}; }
    /// ORDER BY this DESC.
    [[nodiscard]] ordering desc() const { return {ordered_node(), sql::sort_direction::descending}; }
    /// this IS NULL.
    [[nodiscard]] expression<bool> is_null() const;
    /// this IS NOT NULL.
    [[nodiscard]] expression<bool> is_not_null() const;
    /// this AS name.
    [[nodiscard]] expression<T> label(std::string_view name) const;
    /// this aggregate OVER a window (strata/sql/window.hpp): sum(x).over(partition_by(y)).
    [[nodiscard]] expression<T> over(const window& frame) const;
    /// this aggregate OVER (): over all rows of the result.
    [[nodiscard]] expression<T> over() const;
    /// this BETWEEN low AND high.
    template <class Low, class High>
    [[nodiscard]] expression<bool> between(const Low& low, const High& high) const;
    /// this LIKE pattern.
    template <class Pattern>
    [[nodiscard]] expression<bool> like(const Pattern& pattern) const;
    /// this ILIKE pattern (SQLite: lower(this) LIKE lower(pattern)).
    template <class Pattern>
    [[nodiscard]] expression<bool> ilike(const Pattern& pattern) const;
    /// this LIKE '%text%' with `text` matched literally (its %, _ and \ escaped: SQLAlchemy's autoescape).
    [[nodiscard]] expression<bool> contains(std::string_view text) const;
    /// this LIKE 'text%' with `text` matched literally.
    [[nodiscard]] expression<bool> startswith(std::string_view text) const;
    /// this LIKE '%text' with `text` matched literally.
    [[nodiscard]] expression<bool> endswith(std::string_view text) const;
    /// this IN (values...) for a range of values; an empty range is never true.
    template <strata::detail::input_range Range>
    requires(!sql::expression_like<Range> && !std::is_convertible_v<const Range&, std::string_view>)
        [[nodiscard]] expression<bool> in_(const Range& values) const;
    /// this IN (SELECT ...).
    template <class Query>
    requires requires(const Query& query) { query.core(); }
    [[nodiscard]] expression<bool> in_(const Query& query) const;
    /// this NOT IN (values...); an empty range is always true.
    template <strata::detail::input_range Range>
    requires(!sql::expression_like<Range> && !std::is_convertible_v<const Range&, std::string_view>)
        [[nodiscard]] expression<bool> not_in(const Range& values) const;
    /// this NOT IN (SELECT ...).
    template <class Query>
    requires requires(const Query& query) { query.core(); }
    [[nodiscard]] expression<bool> not_in(const Query& query) const;

private:
    [[nodiscard]] sql::node_ptr self_node() const { return sql::to_node(static_cast<const Derived&>(*this)); }
    [[nodiscard]] sql::node_ptr ordered_node() const {
        if constexpr (sql::is_decimal_v<T>)
            return sql::make_decimal_ordering(self_node());
        else
            return self_node();
    }
    template <class Range>
    expression<bool> in_list(const Range& values, bool negated) const;
    template <class Query>
    expression<bool> in_subquery(const Query& query, bool negated) const;
};

/// A typed SQL expression whose value reads as T.
template <class T>
class expression : public expression_methods<expression<T>, T> {
public:
    /// The C++ type the expression's value reads as.
    using value_type = T;
    /// Wraps a node.
    explicit expression(sql::node_ptr item) noexcept : node_(std::move(item)) {}
    /// The node behind the expression.
    [[nodiscard]] const sql::node_ptr& node() const noexcept { return node_; }

private:
    sql::node_ptr node_;
};

template <class Derived, class T>
template <strata::detail::input_range Range>
requires(!sql::expression_like<Range> && !std::is_convertible_v<const Range&, std::string_view>)
    expression<bool> expression_methods<Derived, T>::in_(const Range& values)
const { return in_list(values, false); }
template <class Derived, class T>
template <class Query>
requires requires(const Query& query) { query.core(); }
expression<bool> expression_methods<Derived, T>::in_(const Query& query) const { return in_subquery(query, false); }
template <class Derived, class T>
template <strata::detail::input_range Range>
requires(!sql::expression_like<Range> && !std::is_convertible_v<const Range&, std::string_view>)
    expression<bool> expression_methods<Derived, T>::not_in(const Range& values)
const { return in_list(values, true); }
template <class Derived, class T>
template <class Query>
requires requires(const Query& query) { query.core(); }
expression<bool> expression_methods<Derived, T>::not_in(const Query& query) const { return in_subquery(query, true); }

template <class Derived, class T>
expression<bool> expression_methods<Derived, T>::is_null() const {
    return expression<bool>{
        sql::make_operator(sql::node_kind::unary_postfix, " IS NULL", sql::precedence::comparison, {self_node()})};
}

template <class Derived, class T>
expression<bool> expression_methods<Derived, T>::is_not_null() const {
    return expression<bool>{
        sql::make_operator(sql::node_kind::unary_postfix, " IS NOT NULL", sql::precedence::comparison, {self_node()})};
}

template <class Derived, class T>
expression<T> expression_methods<Derived, T>::label(std::string_view name) const {
    return expression<T>{sql::make_label(self_node(), name)};
}

template <class Derived, class T>
template <class Low, class High>
expression<bool> expression_methods<Derived, T>::between(const Low& low, const High& high) const {
    sql::require_comparable<T, Low>();
    sql::require_comparable<T, High>();
    return expression<bool>{sql::make_operator(sql::node_kind::between, "", sql::precedence::comparison,
                                               {self_node(), sql::to_node(low), sql::to_node(high)})};
}

template <class Derived, class T>
template <class Pattern>
expression<bool> expression_methods<Derived, T>::like(const Pattern& pattern) const {
    static_assert(sql::family_of<T>() == sql::type_family::text, "LIKE needs a text column or expression");
    sql::require_comparable<T, Pattern>();
    return expression<bool>{sql::make_operator(sql::node_kind::like, "", sql::precedence::comparison,
                                               {self_node(), sql::to_node(pattern)})};
}

template <class Derived, class T>
expression<bool> expression_methods<Derived, T>::contains(std::string_view text) const {
    return like(sql::like_literal("%", text, "%"));
}
template <class Derived, class T>
expression<bool> expression_methods<Derived, T>::startswith(std::string_view text) const {
    return like(sql::like_literal("", text, "%"));
}
template <class Derived, class T>
expression<bool> expression_methods<Derived, T>::endswith(std::string_view text) const {
    return like(sql::like_literal("%", text, ""));
}

template <class Derived, class T>
template <class Pattern>
expression<bool> expression_methods<Derived, T>::ilike(const Pattern& pattern) const {
    static_assert(sql::family_of<T>() == sql::type_family::text, "ILIKE needs a text column or expression");
    sql::require_comparable<T, Pattern>();
    auto item = std::make_shared<sql::node>();
    item->kind = sql::node_kind::like;
    item->binding = sql::precedence::comparison;
    item->flag = true;
    item->children = {self_node(), sql::to_node(pattern)};
    return expression<bool>{sql::finish(std::move(item))};
}

template <class Derived, class T>
template <class Range>
expression<bool> expression_methods<Derived, T>::in_list(const Range& values, bool negated) const {
    using element = strata::detail::range_value_t<Range>;
    sql::require_comparable<T, element>();
    std::vector<sql::node_ptr> items;
    if constexpr (strata::detail::sized_range<const Range>) items.reserve(std::size(values));
    for (const auto& value : values) items.push_back(sql::to_node(value));
    if (items.empty()) {
        auto item = std::make_shared<sql::node>();
        item->kind = sql::node_kind::empty_set;
        item->binding = sql::precedence::comparison;
        item->flag = negated;
        return expression<bool>{sql::finish(std::move(item))};
    }
    auto list = sql::make_value_list(std::move(items), sql::array_type_of<T>());
    return expression<bool>{sql::make_operator(sql::node_kind::binary, negated ? " NOT IN " : " IN ",
                                               sql::precedence::comparison, {self_node(), std::move(list)})};
}

template <class Derived, class T>
template <class Query>
expression<bool> expression_methods<Derived, T>::in_subquery(const Query& query, bool negated) const {
    static_assert(std::tuple_size_v<typename Query::row_type> == 1, "IN (SELECT ...) needs a one-column select");
    sql::require_comparable<T, std::tuple_element_t<0, typename Query::row_type>>();
    auto subquery = sql::make_subquery(std::make_shared<const sql::select_core>(query.core()), false);
    return expression<bool>{sql::make_operator(sql::node_kind::binary, negated ? " NOT IN " : " IN ",
                                               sql::precedence::comparison, {self_node(), std::move(subquery)})};
}

/// Operands where at least one side is an expression (so plain C++ comparisons are untouched).
template <class L, class R>
concept sql_operands = sql::expression_like<L> || sql::expression_like<R>;

namespace sql {
template <class L, class R>
expression<bool> comparison(const L& left, const R& right, std::string_view spelling) {
    static_assert(!std::is_same_v<std::remove_cvref_t<R>, std::nullptr_t> &&
                      !std::is_same_v<std::remove_cvref_t<L>, std::nullptr_t>,
                  "comparing with nullptr is never true in SQL: use .is_null() or .is_not_null()");
    require_comparable<L, R>();
    constexpr bool left_decimal = is_decimal_v<operand_value_t<L>>;
    constexpr bool right_decimal = is_decimal_v<operand_value_t<R>>;
    if constexpr (left_decimal || right_decimal)
        return expression<bool>{
            make_decimal_comparison(spelling, to_node(left), left_decimal, to_node(right), right_decimal)};
    else
        return expression<bool>{
            make_operator(node_kind::binary, spelling, precedence::comparison, {to_node(left), to_node(right)})};
}
template <class L, class R>
auto arithmetic(const L& left, const R& right, std::string_view spelling, precedence binding) {
    require_numeric<L>();
    require_numeric<R>();
    using left_value = operand_value_t<L>;
    using right_value = operand_value_t<R>;
    using result = arithmetic_result_t<left_value, right_value>;
    if constexpr (is_decimal_v<left_value> || is_decimal_v<right_value>) {
        static_assert(!is_floating_v<left_value> && !is_floating_v<right_value>,
                      "arithmetic mixes a decimal with a double, which would lose the decimal's exactness: make "
                      "the double a strata::decimal (decimal::parse(\"1.5\")) or cast the decimal to double");
        return expression<result>{make_decimal_arithmetic(spelling, binding, to_node(left), to_node(right))};
    } else {
        return expression<result>{make_operator(node_kind::binary, spelling, binding, {to_node(left), to_node(right)})};
    }
}
}  // namespace sql

/// left = right
template <class L, class R>
requires sql_operands<L, R> expression<bool>
operator==(const L& left, const R& right) { return sql::comparison(left, right, " = "); }
/// left != right (rendered <>)
template <class L, class R>
requires sql_operands<L, R> expression<bool>
operator!=(const L& left, const R& right) { return sql::comparison(left, right, " != "); }
/// left < right
template <class L, class R>
requires sql_operands<L, R> expression<bool>
operator<(const L& left, const R& right) { return sql::comparison(left, right, " < "); }
/// left <= right
template <class L, class R>
requires sql_operands<L, R> expression<bool>
operator<=(const L& left, const R& right) { return sql::comparison(left, right, " <= "); }
/// left > right
template <class L, class R>
requires sql_operands<L, R> expression<bool>
operator>(const L& left, const R& right) { return sql::comparison(left, right, " > "); }
/// left >= right
template <class L, class R>
requires sql_operands<L, R> expression<bool>
operator>=(const L& left, const R& right) { return sql::comparison(left, right, " >= "); }
/// left + right
template <class L, class R>
requires sql_operands<L, R>
auto operator+(const L& left, const R& right) { return sql::arithmetic(left, right, " + ", sql::precedence::additive); }
/// left - right
template <class L, class R>
requires sql_operands<L, R>
auto operator-(const L& left, const R& right) { return sql::arithmetic(left, right, " - ", sql::precedence::additive); }
/// left * right
template <class L, class R>
requires sql_operands<L, R>
auto operator*(const L& left, const R& right) {
    return sql::arithmetic(left, right, " * ", sql::precedence::multiplicative);
}
/// left / right
template <class L, class R>
requires sql_operands<L, R>
auto operator/(const L& left, const R& right) {
    static_assert(!sql::is_decimal_v<sql::operand_value_t<L>> && !sql::is_decimal_v<sql::operand_value_t<R>>,
                  "division of decimals has no exact result: multiply instead, or cast to double");
    auto quotient = sql::arithmetic(left, right, " / ", sql::precedence::multiplicative);
    if constexpr (sql::is_floating_v<sql::operand_value_t<L>> || sql::is_floating_v<sql::operand_value_t<R>>) {
        return quotient;
    } else {  // integers: MariaDB's / would give a decimal, its DIV truncates as the others' / does
        using result = decltype(quotient);
        const auto& divided = sql::to_node(quotient);
        return result{
            sql::make_per_dialect(divided, divided,
                                  sql::make_operator(sql::node_kind::binary, " DIV ", sql::precedence::multiplicative,
                                                     {divided->children[0], divided->children[1]}))};
    }
}
/// left AND right
template <class L, class R>
requires sql_operands<L, R> expression<bool>
operator&&(const L& left, const R& right) {
    sql::require_boolean<L>();
    sql::require_boolean<R>();
    return expression<bool>{sql::make_operator(sql::node_kind::binary, " AND ", sql::precedence::and_,
                                               {sql::to_node(left), sql::to_node(right)})};
}
/// left OR right
template <class L, class R>
requires sql_operands<L, R> expression<bool>
operator||(const L& left, const R& right) {
    sql::require_boolean<L>();
    sql::require_boolean<R>();
    return expression<bool>{sql::make_operator(sql::node_kind::binary, " OR ", sql::precedence::or_,
                                               {sql::to_node(left), sql::to_node(right)})};
}
/// NOT operand
template <sql::expression_like X>
expression<bool> operator!(const X& operand) {
    sql::require_boolean<X>();
    return expression<bool>{
        sql::make_operator(sql::node_kind::unary_prefix, "NOT ", sql::precedence::not_, {sql::to_node(operand)})};
}
/// -operand
template <sql::expression_like X>
auto operator-(const X& operand) {
    sql::require_numeric<X>();
    if constexpr (sql::is_decimal_v<sql::operand_value_t<X>>)
        return expression<sql::operand_value_t<X>>{sql::make_decimal_arithmetic(
            " - ", sql::precedence::additive, sql::make_keyword("0"), sql::to_node(operand))};
    else
        return expression<sql::operand_value_t<X>>{
            sql::make_operator(sql::node_kind::unary_prefix, "-", sql::precedence::unary, {sql::to_node(operand)})};
}

/// A row value (a, b, ...) for comparisons such as keyset pagination's (created_at, id) > (t, id).
template <class... Ts>
class row_value : public expression_methods<row_value<Ts...>, sql::row_type<Ts...>> {
public:
    /// The value type: a row of Ts.
    using value_type = sql::row_type<Ts...>;
    /// Wraps a list node.
    explicit row_value(sql::node_ptr item) noexcept : node_(std::move(item)) {}
    /// The list node.
    [[nodiscard]] const sql::node_ptr& node() const noexcept { return node_; }

private:
    sql::node_ptr node_;
};

/// Builds a row value from expressions and/or values: strata::tuple(col<&Post::created_at>, col<&Post::id>).
template <class... Items>
row_value<sql::operand_value_t<Items>...> tuple(const Items&... items) {
    static_assert(sizeof...(Items) >= 1, "a row value needs at least one item");
    return row_value<sql::operand_value_t<Items>...>{
        sql::make_operator(sql::node_kind::list, "", sql::precedence::atom, {sql::to_node(items)...})};
}

}  // namespace strata
