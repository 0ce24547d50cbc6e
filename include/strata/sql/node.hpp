// strata/sql/node.hpp - the runtime expression tree every statement is made of.
//
// Typed front ends (expression<T>, col<&T::member>) build these nodes; the compiler walks them.
// Nodes are immutable once built and shared, so the same column node or sub-expression can
// appear in many statements without copying. Names held as string_view point at static storage
// (mapping declarations, operator spellings); text that is built at run time (labels, aliases)
// is owned by the node.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "strata/core/value.hpp"

namespace strata::sql {

struct node;
struct select_core;

/// A shared, immutable expression node.
using node_ptr = std::shared_ptr<const node>;

/// What a node is; the compiler renders each kind by its own rule.
enum class node_kind : std::uint8_t {
    column,             ///< table.column
    parameter,          ///< a bound value ($n / ?)
    keyword,            ///< SQL text from strata itself: NULL, *, TRUE
    unary_prefix,       ///< NOT x, -x
    unary_postfix,      ///< x IS NULL
    binary,             ///< x op y
    function,           ///< name(args), name(DISTINCT arg), count(*)
    list,               ///< (a, b, c): IN lists and row values
    between,            ///< x BETWEEN a AND b
    like,               ///< x LIKE p, x ILIKE p (rendered per dialect)
    case_when,          ///< CASE WHEN c THEN v ... ELSE e END
    subquery,           ///< (SELECT ...)
    exists,             ///< EXISTS (SELECT ...)
    label,              ///< x AS name
    empty_set,          ///< IN () of an empty range: always false (or true for NOT IN)
    value_list,         ///< IN's list of bound values of one kind; `text` names PostgreSQL's array type
    current_timestamp,  ///< the database's time now, UTC, as strata stores timestamps (rendered per dialect)
};

/// Operator precedence, high binds tighter; the compiler parenthesizes by it.
enum class precedence : std::uint8_t {
    lowest = 0,
    or_ = 1,
    and_ = 2,
    not_ = 3,
    comparison = 4,
    additive = 5,
    multiplicative = 6,
    unary = 7,
    atom = 9
};

/// A table as statements name it (static names from a mapping, optional alias).
struct table_ref {
    std::string_view name;   ///< the table's name
    std::string_view alias;  ///< an alias, or empty
    friend bool operator==(const table_ref&, const table_ref&) = default;
    /// The name columns are qualified with.
    [[nodiscard]] std::string_view qualifier() const noexcept { return alias.empty() ? name : alias; }
};

/// The alias `<table>_<number>` (SQLAlchemy's anonymous `books_1`), kept for the whole run: nodes
/// hold names as views, and statement shapes identify static text by its address.
inline std::string_view numbered_alias(std::string_view table, unsigned number) {
    static std::mutex guard;
    static std::deque<std::string> made;  // a deque never moves what it holds
    std::lock_guard lock{guard};
    auto alias = std::string{table} + "_" + std::to_string(number);
    for (const auto& existing : made)
        if (existing == alias) return existing;
    return made.emplace_back(std::move(alias));
}

/// One node of the tree; which fields mean something depends on `kind`.
struct node {
    node_kind kind = node_kind::keyword;
    precedence binding = precedence::atom;     ///< how tightly this node binds, for parentheses
    table_ref table;                           ///< column: its table
    std::string_view text;                     ///< column name, operator, function name or keyword (static)
    std::string owned_text;                    ///< label names and other run-time text
    parameter value;                           ///< parameter: the bound value (owned)
    std::vector<node_ptr> children;            ///< operands, arguments, list items
    std::shared_ptr<const select_core> query;  ///< subquery / exists
    bool flag = false;                         ///< function: DISTINCT; like: case-insensitive; empty_set: negated
    std::uint64_t shape = 0;                   ///< hash of everything that decides the SQL text (not the values)
};

namespace detail {
/// Mixes a value into a running shape hash (splitmix64 finalizer: cheap, well distributed).
[[nodiscard]] constexpr std::uint64_t mix(std::uint64_t seed, std::uint64_t value) noexcept {
    std::uint64_t x = seed ^ (value + 0x9e3779b97f4a7c15ULL + (seed << 6) + (seed >> 2));
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}
/// Static text is identified by address and length: same address, same text, for the whole run.
[[nodiscard]] inline std::uint64_t mix_static(std::uint64_t seed, std::string_view text) noexcept {
    return mix(mix(seed, reinterpret_cast<std::uintptr_t>(text.data())), text.size());
}
/// Run-time text is identified by content.
[[nodiscard]] inline std::uint64_t mix_text(std::uint64_t seed, std::string_view text) noexcept {
    return mix(seed, std::hash<std::string_view>{}(text));
}
}  // namespace detail

/// Computes a node's shape from its fields and its children's shapes; every make_* calls it last.
inline node_ptr finish(std::shared_ptr<node> built) {
    std::uint64_t shape =
        detail::mix(static_cast<std::uint64_t>(built->kind), static_cast<std::uint64_t>(built->binding));
    shape = detail::mix_static(shape, built->table.name);
    shape = detail::mix_static(shape, built->table.alias);
    shape = detail::mix_static(shape, built->text);
    if (!built->owned_text.empty()) shape = detail::mix_text(shape, built->owned_text);
    shape = detail::mix(shape, built->flag ? 1 : 2);
    for (const auto& child : built->children) shape = detail::mix(shape, child ? child->shape : 0);
    shape = detail::mix(shape, built->children.size());
    built->shape = shape;
    return built;
}

/// Builds a column node.
inline node_ptr make_column(table_ref table, std::string_view name) {
    auto result = std::make_shared<node>();
    result->kind = node_kind::column;
    result->table = table;
    result->text = name;
    return finish(std::move(result));
}

/// Builds a bound-parameter node owning its value.
inline node_ptr make_parameter(const parameter& value) {
    auto result = std::make_shared<node>();
    result->kind = node_kind::parameter;
    result->value = value.to_owned();
    return finish(std::move(result));
}

/// Builds a keyword node (static SQL text such as NULL or *).
inline node_ptr make_keyword(std::string_view text) {
    auto result = std::make_shared<node>();
    result->kind = node_kind::keyword;
    result->text = text;
    return finish(std::move(result));
}

/// Builds an operator node of the given kind over its operands.
inline node_ptr make_operator(node_kind kind, std::string_view spelling, precedence binding,
                              std::vector<node_ptr> operands) {
    auto result = std::make_shared<node>();
    result->kind = kind;
    result->text = spelling;
    result->binding = binding;
    result->children = std::move(operands);
    return finish(std::move(result));
}

/// Builds a function call node.
inline node_ptr make_function(std::string_view name, std::vector<node_ptr> arguments, bool distinct = false) {
    auto result = std::make_shared<node>();
    result->kind = node_kind::function;
    result->text = name;
    result->children = std::move(arguments);
    result->flag = distinct;
    return finish(std::move(result));
}

/// Whether two trees are the same SQL: equal structure, and bound values only when they are one
/// node (so the compiler gives them one placeholder).
inline bool same_expression(const node& left, const node& right) {
    if (&left == &right) return true;
    if (left.kind != right.kind || left.kind == node_kind::parameter || left.shape != right.shape ||
        left.text != right.text || left.owned_text != right.owned_text || !(left.table == right.table) ||
        left.flag != right.flag || left.query != right.query || left.children.size() != right.children.size())
        return false;
    for (std::size_t i = 0; i < left.children.size(); ++i)
        if (!same_expression(*left.children[i], *right.children[i])) return false;
    return true;
}

/// Whether `columns` select `expression` (itself, or under a label).
inline bool selects(const std::vector<node_ptr>& columns, const node& expression) {
    for (const auto& column : columns)
        if (same_expression(*column, expression) ||
            (column->kind == node_kind::label && same_expression(*column->children[0], expression)))
            return true;
    return false;
}

/// PostgreSQL's array type for bound values of a kind (static text, so it can enter a shape), or
/// empty for a kind no array carries.
[[nodiscard]] constexpr std::string_view array_type_name(value_kind kind) noexcept {
    switch (kind) {
        case value_kind::boolean:
            return "BOOLEAN[]";
        case value_kind::integer:
            return "BIGINT[]";
        case value_kind::real:
            return "DOUBLE PRECISION[]";
        case value_kind::text:
            return "TEXT[]";
        case value_kind::blob:
            return "BYTEA[]";
        case value_kind::timestamp:
            return "TIMESTAMP[]";
        case value_kind::null:
            break;
    }
    return {};
}

/// The list of an IN: a value_list when every item is a bound value of one kind (the compiler
/// may send it as one array), else a plain list of expressions.
inline node_ptr make_value_list(std::vector<node_ptr> items) {
    value_kind kind = value_kind::null;
    bool values_only = !items.empty();
    for (const auto& item : items) {
        if (!item || item->kind != node_kind::parameter || item->value.kind() == value_kind::null) {
            values_only = false;
            break;
        }
        if (kind == value_kind::null) kind = item->value.kind();
        if (item->value.kind() != kind) {
            values_only = false;
            break;
        }
    }
    if (!values_only) return make_operator(node_kind::list, "", precedence::atom, std::move(items));
    return make_operator(node_kind::value_list, array_type_name(kind), precedence::atom, std::move(items));
}

}  // namespace strata::sql
