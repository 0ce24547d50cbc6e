// strata/sql/node.hpp - the runtime expression tree every statement is made of.
//
// Typed front ends (expression<T>, col<&T::member>) build these nodes; the compiler walks them.
// Nodes are immutable once built and shared, so the same column node or sub-expression can
// appear in many statements without copying. Names held as string_view point at static storage
// (mapping declarations, operator spellings); text that is built at run time (labels, aliases)
// is owned by the node.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "strata/core/value.hpp"
#include "strata/detail/linkage.hpp"

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
    cast,               ///< CAST(x AS type): `text` is the type on PostgreSQL, `owned_text` on SQLite
    per_dialect,        ///< children[0] on PostgreSQL, [1] on SQLite, [2] (or [0]) on MariaDB: spelled apart
    window,             ///< f(...) OVER (PARTITION BY children[1] ORDER BY children[2] owned_text)
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
STRATA_COMPILED_LINKAGE std::string_view numbered_alias(std::string_view table, unsigned number);

/// `text` at one address for the rest of the run (a name built at run time, such as a subquery's or a
/// label's, made fit for a table_ref or a column node, whose shapes identify text by address).
STRATA_COMPILED_LINKAGE std::string_view permanent_name(std::string_view text);

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
STRATA_COMPILED_LINKAGE node_ptr finish(std::shared_ptr<node> built);

/// Builds a column node.
STRATA_COMPILED_LINKAGE node_ptr make_column(table_ref table, std::string_view name);

/// Where a mapped column keeps its node: constant-initialized per column (no guard, no code per
/// column), the node made at the first use and kept for the rest of the run.
struct column_slot {
    std::string_view table;                              ///< the column's table
    std::string_view name;                               ///< the column's name
    mutable std::atomic<const node_ptr*> made{nullptr};  ///< the node once made (never freed)
};

/// column_node's first call for a slot: makes the node and keeps it in the slot.
STRATA_COMPILED_LINKAGE const node_ptr& make_column_node(const column_slot& slot);

/// The node of a slot's column: one node per column for the whole program, made at the first call
/// (after it, one load: what a guarded static per column cost, without its code per column).
inline const node_ptr& column_node(const column_slot& slot) {
    if (const node_ptr* made = slot.made.load(std::memory_order_acquire)) [[likely]]
        return *made;
    return make_column_node(slot);
}

/// Builds a bound-parameter node owning its value.
STRATA_COMPILED_LINKAGE node_ptr make_parameter(const parameter& value);

/// Builds `expression AS name`.
STRATA_COMPILED_LINKAGE node_ptr make_label(node_ptr expression, std::string_view name);

/// Builds a keyword node (static SQL text such as NULL or *).
STRATA_COMPILED_LINKAGE node_ptr make_keyword(std::string_view text);
/// CAST(operand AS type): `postgresql_type` and `sqlite_type` are static SQL type names.
STRATA_COMPILED_LINKAGE node_ptr make_cast(node_ptr operand, std::string_view postgresql_type,
                                           std::string_view sqlite_type);
/// `postgresql` rendered on PostgreSQL, `sqlite` on SQLite and `mariadb` on MariaDB (when null,
/// MariaDB takes PostgreSQL's): one expression the databases spell apart.
STRATA_COMPILED_LINKAGE node_ptr make_per_dialect(node_ptr postgresql, node_ptr sqlite, node_ptr mariadb = nullptr);
/// Whether `text` is a plain SQL name: letters, digits and '_' (and '.' when `dotted`), not starting
/// with a digit - what strata lets into SQL unquoted from a user's string (a function, an alias).
STRATA_COMPILED_LINKAGE bool is_plain_name(std::string_view text, bool dotted);

/// Builds an operator node of the given kind over its operands.
STRATA_COMPILED_LINKAGE node_ptr make_operator(node_kind kind, std::string_view spelling, precedence binding,
                                               std::vector<node_ptr> operands);

/// Builds a function call node.
STRATA_COMPILED_LINKAGE node_ptr make_function(std::string_view name, std::vector<node_ptr> arguments,
                                               bool distinct = false);

/// Whether two trees are the same SQL: equal structure, and bound values only when they are one
/// node (so the compiler gives them one placeholder).
STRATA_COMPILED_LINKAGE bool same_expression(const node& left, const node& right);

/// Whether `columns` select `expression` (itself, or under a label).
STRATA_COMPILED_LINKAGE bool selects(const std::vector<node_ptr>& columns, const node& expression);

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
/// may send it as one array, of `array_type` on PostgreSQL: static text, by default the values'
/// kind's, array_type_name), else a plain list of expressions.
STRATA_COMPILED_LINKAGE node_ptr make_value_list(std::vector<node_ptr> items, std::string_view array_type = {});

}  // namespace strata::sql

#if !defined(STRATA_SEPARATE_COMPILATION)
#include "strata/sql/impl/node.hpp"
#endif
