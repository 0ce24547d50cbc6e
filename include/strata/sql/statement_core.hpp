// strata/sql/statement_core.hpp - the untyped parts of SELECT, INSERT, UPDATE and DELETE.
//
// The typed builders (select_statement<Ts...> and friends) wrap these; the compiler reads them.
#pragma once

#include <cstdint>
#include <memory>
#include <string_view>
#include <utility>
#include <vector>

#include "strata/sql/node.hpp"

namespace strata::sql {

/// INNER JOIN or LEFT OUTER JOIN.
enum class join_kind : std::uint8_t { inner, left_outer };

/// One JOIN with its explicit ON clause.
struct join_clause {
    join_kind kind = join_kind::inner;
    table_ref table;
    node_ptr on;
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

struct select_core;

/// A subquery in FROM: (SELECT ...) AS name.
struct derived_table {
    std::shared_ptr<const select_core> query;  ///< the subquery; null: none
    std::string_view name;                     ///< its alias, which column references qualify with
};

/// Everything a SELECT says.
struct select_core {
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

    /// A hash of everything that decides the SQL text (not the bound values).
    [[nodiscard]] std::uint64_t shape() const noexcept {
        using detail::mix;
        using detail::mix_static;
        std::uint64_t hash = 0x5e1ec7;
        auto node_shape = [](const node_ptr& item) -> std::uint64_t { return item ? item->shape : 0; };
        for (const auto& column : columns) hash = mix(hash, node_shape(column));
        hash = mix(hash, columns.size());
        for (const auto& table : from) hash = mix_static(mix_static(hash, table.name), table.alias);
        hash = mix(hash, from.size());
        if (derived.query) hash = mix_static(mix(hash, derived.query->shape()), derived.name);
        for (const auto& join : joins)
            hash = mix(mix_static(mix_static(mix(hash, static_cast<std::uint64_t>(join.kind)), join.table.name),
                                  join.table.alias),
                       node_shape(join.on));
        hash = mix(hash, joins.size());
        hash = mix(hash, node_shape(where));
        for (const auto& item : group_by) hash = mix(hash, node_shape(item));
        hash = mix(hash, group_by.size());
        hash = mix(hash, node_shape(having));
        for (const auto& item : order_by)
            hash = mix(mix(mix(hash, node_shape(item.expression)), static_cast<std::uint64_t>(item.direction)),
                       static_cast<std::uint64_t>(item.nulls));
        hash = mix(hash, order_by.size());
        hash = mix(mix(hash, limit ? 1 : 0), offset ? 1 : 0);
        hash = mix(hash, distinct ? 1 : 0);
        hash = mix(mix(mix(hash, static_cast<std::uint64_t>(lock.strength)), lock.nowait ? 1 : 0),
                   lock.skip_locked ? 1 : 0);
        for (const auto& table : lock.of) hash = mix_static(hash, table.name);
        return hash;
    }
};

/// Builds a node holding a subquery: (SELECT ...), or EXISTS (SELECT ...) when `exists`.
inline node_ptr make_subquery(std::shared_ptr<const select_core> query, bool exists) {
    auto result = std::make_shared<node>();
    result->kind = exists ? node_kind::exists : node_kind::subquery;
    const auto query_shape = query->shape();
    result->query = std::move(query);
    auto finished = finish(std::move(result));
    // The query is not a child node: fold its shape in explicitly.
    std::const_pointer_cast<node>(finished)->shape = detail::mix(finished->shape, query_shape);
    return finished;
}

/// INSERT INTO table (columns) VALUES (...), (...) [RETURNING ...].
struct insert_core {
    table_ref table;
    std::vector<std::string_view> columns;
    std::vector<std::vector<node_ptr>> rows;
    std::vector<node_ptr> returning;
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
