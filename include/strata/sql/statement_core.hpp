// strata/sql/statement_core.hpp - the untyped parts of SELECT, INSERT, UPDATE and DELETE.
//
// The typed builders (select_statement<Ts...> and friends) wrap these; the compiler reads them.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string_view>
#include <utility>
#include <vector>

#include "strata/detail/linkage.hpp"
#include "strata/sql/node.hpp"

namespace strata::sql {

/// INNER JOIN or LEFT OUTER JOIN.
enum class join_kind : std::uint8_t { inner, left_outer };

struct select_core;

/// One JOIN with its explicit ON clause.
struct join_clause {
    join_kind kind = join_kind::inner;
    table_ref table;  ///< the joined table, or the name of the joined subquery
    node_ptr on;
    std::shared_ptr<const select_core> query = {};  ///< JOIN (SELECT ...) AS table.name; null: a table
};

/// ASC / DESC (or the dialect's default).
enum class sort_direction : std::uint8_t { unspecified, ascending, descending };
/// NULLS FIRST / NULLS LAST (or the dialect's default).
enum class nulls_order : std::uint8_t { unspecified, first, last };

/// One ORDER BY item.
struct order_item {
    node_ptr expression;
    sort_direction direction = sort_direction::unspecified;
    nulls_order nulls = nulls_order::unspecified;
};

/// Row-lock strength of SELECT ... FOR <strength>.
enum class lock_strength : std::uint8_t { none, update, no_key_update, share, key_share };

/// The locking clause: FOR UPDATE [OF t] [NOWAIT | SKIP LOCKED]; left out on SQLite, which has no row locks.
struct lock_clause {
    lock_strength strength = lock_strength::none;
    bool nowait = false;
    bool skip_locked = false;
    std::vector<table_ref> of;
};

/// A subquery in FROM: (SELECT ...) AS name.
struct derived_table {
    std::shared_ptr<const select_core> query;  ///< the subquery; null: none
    std::string_view name;                     ///< its alias, which column references qualify with
};

/// How a compound SELECT combines its queries' rows.
enum class compound_kind : std::uint8_t { union_distinct, union_all, intersect, except };

/// One query of a compound SELECT, and how it joins those before it.
struct compound_part {
    compound_kind kind = compound_kind::union_all;  ///< ignored for the first query
    std::shared_ptr<const select_core> query;
};

/// One common table expression of a WITH clause: name(columns) AS (query).
struct cte_definition {
    std::string_view name;                     ///< a permanent name (sql::permanent_name)
    std::vector<std::string_view> columns;     ///< its columns' names, permanent too
    std::shared_ptr<const select_core> query;  ///< its body; a recursive one is a UNION [ALL] of two queries
    bool recursive = false;                    ///< the body reads the CTE itself (WITH RECURSIVE)
};

/// Everything a SELECT says.
struct select_core {
    std::vector<cte_definition> with;  ///< WITH [RECURSIVE] ... before the SELECT
    std::vector<node_ptr> columns;
    std::vector<table_ref> from;  ///< explicit FROM tables; empty: inferred from the columns and clauses
    derived_table derived;        ///< FROM (subquery) AS name, before `from`'s tables
    std::vector<join_clause> joins;
    node_ptr where;
    std::vector<node_ptr> group_by;
    node_ptr having;
    std::vector<order_item> order_by;
    node_ptr limit;
    node_ptr offset;
    bool distinct = false;
    lock_clause lock;
    /// A compound SELECT (UNION and the like): its queries, in order. It then has no columns,
    /// tables or filters of its own; order_by, limit and offset apply to the combined rows.
    std::vector<compound_part> compound;

    // Declared here and defined once (sql/impl/statement_core.hpp): every query copies and
    // destroys a select_core, and its dozen members made these the largest inline functions
    // of a user's translation unit.
    STRATA_COMPILED_LINKAGE select_core();
    STRATA_COMPILED_LINKAGE select_core(const select_core& other);
    STRATA_COMPILED_LINKAGE select_core(select_core&& other) noexcept;
    STRATA_COMPILED_LINKAGE select_core& operator=(const select_core& other);
    STRATA_COMPILED_LINKAGE select_core& operator=(select_core&& other) noexcept;
    STRATA_COMPILED_LINKAGE ~select_core();

    /// A hash of everything that decides the SQL text (not the bound values).
    [[nodiscard]] STRATA_COMPILED_LINKAGE std::uint64_t shape() const noexcept;
};

/// The names a SELECT's columns go by when it is read as a table (a subquery in FROM, a CTE): a
/// column's own name or a label's, made permanent. A usage_error names an unlabelled expression or
/// a name used twice; `what` names the caller in it ("subquery", "cte").
STRATA_COMPILED_LINKAGE std::vector<std::string_view> output_names(const select_core& query, std::string_view what);

/// Builds a node holding a subquery: (SELECT ...), or EXISTS (SELECT ...) when `exists`.
STRATA_COMPILED_LINKAGE node_ptr make_subquery(std::shared_ptr<const select_core> query, bool exists);

/// An INSERT's ON CONFLICT clause (an upsert): DO NOTHING, or DO UPDATE SET ... [WHERE ...].
struct conflict_action {
    std::vector<std::string_view> target;  ///< the unique columns whose conflict it handles (empty: any)
    bool update = false;                   ///< DO UPDATE (else DO NOTHING)
    std::vector<std::pair<std::string_view, node_ptr>> assignments;  ///< DO UPDATE SET column = value
    node_ptr where;                                                  ///< DO UPDATE ... WHERE condition
};

/// INSERT INTO table (columns) VALUES (...), (...) [ON CONFLICT ...] [RETURNING ...].
struct insert_core {
    table_ref table;
    std::vector<std::string_view> columns;
    std::vector<std::vector<node_ptr>> rows;
    std::vector<node_ptr> returning;
    std::optional<conflict_action> on_conflict;  ///< none: a conflict is an error (unique_violation)
};

/// UPDATE table SET column = value, ... [WHERE ...] [RETURNING ...].
struct update_core {
    table_ref table;
    std::vector<std::pair<std::string_view, node_ptr>> assignments;
    node_ptr where;
    std::vector<node_ptr> returning;
};

/// DELETE FROM table [WHERE ...] [RETURNING ...].
struct delete_core {
    table_ref table;
    node_ptr where;
    std::vector<node_ptr> returning;
};

}  // namespace strata::sql

#if !defined(STRATA_SEPARATE_COMPILATION)
#include "strata/sql/impl/statement_core.hpp"
#endif
