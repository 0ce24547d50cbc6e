// strata/sql/select.hpp - select(...): a typed SELECT whose rows are std::tuple<Ts...>.
//
//   auto totals = strata::select(col<&Order::user_id>, strata::sum(col<&Order::total>))
//                     .group_by(col<&Order::user_id>);     // rows: tuple<int64_t, optional<int64_t>>
//
// Builders are generative, as in SQLAlchemy: each call returns a new statement and leaves the one
// it was called on unchanged (on a temporary it reuses the storage instead of copying).
#pragma once

#include <concepts>
#include <cstdint>
#include <memory>
#include <optional>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include "strata/core/dialect.hpp"
#include "strata/core/error.hpp"
#include "strata/sql/compiler.hpp"
#include "strata/sql/cte.hpp"
#include "strata/sql/expression.hpp"
#include "strata/sql/node.hpp"
#include "strata/sql/statement_core.hpp"
#include "strata/sql/subquery.hpp"

namespace strata {

namespace sql {
/// Specialized by the schema layer for mapped models: `static table_ref get()`.
template <class Model>
struct table_of;

/// Whether Model names a table (it is mapped).
template <class Model>
concept has_table = requires {
    { table_of<Model>::get() } -> std::same_as<table_ref>;
};

/// An ORDER BY item from an ordering or a bare expression.
template <class Item>
order_item to_order_item(const Item& item) {
    if constexpr (std::is_same_v<Item, ordering>)
        return item.item();
    else if constexpr (is_decimal_v<operand_value_t<Item>>)
        return order_item{make_decimal_ordering(to_node(item)), sort_direction::unspecified, nulls_order::unspecified};
    else
        return order_item{to_node(item), sort_direction::unspecified, nulls_order::unspecified};
}
}  // namespace sql

/// The table of a mapped model, for from(), joins and FOR UPDATE OF.
template <class Model>
sql::table_ref table_of() {
    if constexpr (!sql::has_table<Model>) {
        static_assert(sql::has_table<Model>, "this type is not mapped: specialize strata::mapping<T> with a table");
        return sql::table_ref{};
    } else {
        return sql::table_of<Model>::get();
    }
}

/// Options of a locking clause: FOR UPDATE [OF tables] [NOWAIT | SKIP LOCKED].
struct lock_options {
    bool nowait = false;                  ///< fail at once (lock_not_available) instead of waiting
    bool skip_locked = false;             ///< skip rows other transactions hold (job queues)
    std::vector<sql::table_ref> of = {};  ///< lock only these tables' rows (table_of<Model>())
    bool read = false;                    ///< FOR SHARE instead of FOR UPDATE (SQLAlchemy's read=True)
};

namespace sql {
/// A table under another name (strata::aliased<Model>, a CTE): what a join can name besides a model.
template <class Alias>
concept table_alias = !derived_source<Alias> && requires(const Alias& alias) {
    { alias.table() } -> std::same_as<table_ref>;
};

/// The JOIN of a subquery (subquery_table) ON `on`.
template <derived_source Source>
join_clause derived_join(const Source& source, node_ptr on, join_kind kind) {
    return {kind, source.table(), std::move(on), source.query()};
}
}  // namespace sql

/// A typed SELECT; rows read as std::tuple<Ts...>.
template <class... Ts>
class select_statement {
public:
    /// One row of the result.
    using row_type = std::tuple<Ts...>;

    /// Wraps a select core (use strata::select()).
    explicit select_statement(sql::select_core core) : core_(std::move(core)) {}

    /// The untyped statement.
    [[nodiscard]] const sql::select_core& core() const noexcept { return core_; }

    /// Adds a WHERE condition (several are ANDed).
    template <class Condition>
    [[nodiscard]] select_statement where(const Condition& condition) const& {
        return select_statement{*this}.where(condition);
    }
    /// Adds a WHERE condition (several are ANDed).
    template <class Condition>
    [[nodiscard]] select_statement where(const Condition& condition) && {
        sql::require_boolean<Condition>();
        core_.where = and_with(core_.where, sql::to_node(condition));
        return std::move(*this);
    }

    /// Names a FROM table explicitly (otherwise inferred from the columns).
    template <class Model>
    [[nodiscard]] select_statement from() const {
        select_statement copy = *this;
        copy.core_.from.push_back(table_of<Model>());
        return copy;
    }

    /// FROM a subquery (select(...).subquery("name")), before any other FROM table; one per SELECT.
    template <sql::derived_source Source>
    [[nodiscard]] select_statement from(const Source& source) const {
        if (core_.derived.query)
            throw usage_error("a SELECT reads one subquery in FROM: join the others (join(subquery, on))");
        select_statement copy = *this;
        copy.core_.derived = {source.query(), source.table().name};
        return copy;
    }
    /// INNER JOIN a subquery ON condition.
    template <sql::derived_source Source, class Condition>
    [[nodiscard]] select_statement join(const Source& source, const Condition& on) const {
        sql::require_boolean<Condition>();
        select_statement copy = *this;
        copy.core_.joins.push_back(sql::derived_join(source, sql::to_node(on), sql::join_kind::inner));
        return copy;
    }
    /// LEFT OUTER JOIN a subquery ON condition.
    template <sql::derived_source Source, class Condition>
    [[nodiscard]] select_statement left_join(const Source& source, const Condition& on) const {
        sql::require_boolean<Condition>();
        select_statement copy = *this;
        copy.core_.joins.push_back(sql::derived_join(source, sql::to_node(on), sql::join_kind::left_outer));
        return copy;
    }
    /// WITH the CTE (select(...).cte("name")) before this SELECT, which then reads it like a table.
    template <sql::named_cte Cte>
    [[nodiscard]] select_statement with_(const Cte& cte) const {
        select_statement copy = *this;
        copy.core_.with.push_back(cte.definition());
        return copy;
    }

    /// This SELECT read as the table `name`: FROM or JOIN it, read its columns with column<I>().
    [[nodiscard]] subquery_table<Ts...> subquery(std::string_view name) const { return {core_, name}; }
    /// This SELECT as the common table expression `name`; union_all() makes it recursive.
    [[nodiscard]] common_table_expression<Ts...> cte(std::string_view name) const { return {core_, name}; }

    /// INNER JOIN Model ON condition.
    template <class Model, class Condition>
    [[nodiscard]] select_statement join(const Condition& on) const {
        return join_table(table_of<Model>(), on, sql::join_kind::inner);
    }
    /// INNER JOIN an aliased table (strata::aliased<Model>("name")) ON condition.
    template <sql::table_alias Alias, class Condition>
    [[nodiscard]] select_statement join(const Alias& alias, const Condition& on) const {
        return join_table(alias.table(), on, sql::join_kind::inner);
    }
    /// LEFT OUTER JOIN an aliased table ON condition.
    template <sql::table_alias Alias, class Condition>
    [[nodiscard]] select_statement left_join(const Alias& alias, const Condition& on) const {
        return join_table(alias.table(), on, sql::join_kind::left_outer);
    }
    /// LEFT OUTER JOIN Model ON condition.
    template <class Model, class Condition>
    [[nodiscard]] select_statement left_join(const Condition& on) const {
        return join_table(table_of<Model>(), on, sql::join_kind::left_outer);
    }
    /// JOIN of any table reference (aliases included).
    template <class Condition>
    [[nodiscard]] select_statement join_table(sql::table_ref table, const Condition& on, sql::join_kind kind) const {
        sql::require_boolean<Condition>();
        select_statement copy = *this;
        copy.core_.joins.push_back({kind, table, sql::to_node(on)});
        return copy;
    }

    /// GROUP BY items.
    template <class... Items>
    [[nodiscard]] select_statement group_by(const Items&... items) const {
        select_statement copy = *this;
        (copy.core_.group_by.push_back(sql::to_node(items)), ...);
        return copy;
    }
    /// HAVING condition (several are ANDed).
    template <class Condition>
    [[nodiscard]] select_statement having(const Condition& condition) const {
        sql::require_boolean<Condition>();
        select_statement copy = *this;
        copy.core_.having = and_with(copy.core_.having, sql::to_node(condition));
        return copy;
    }
    /// ORDER BY items: expressions, or col.asc() / col.desc() with nulls_first() / nulls_last().
    template <class... Items>
    [[nodiscard]] select_statement order_by(const Items&... items) const& {
        return select_statement{*this}.order_by(items...);
    }
    /// ORDER BY items.
    template <class... Items>
    [[nodiscard]] select_statement order_by(const Items&... items) && {
        (core_.order_by.push_back(sql::to_order_item(items)), ...);
        return std::move(*this);
    }
    /// LIMIT count (a bound parameter).
    [[nodiscard]] select_statement limit(std::int64_t count) const& { return select_statement{*this}.limit(count); }
    /// LIMIT count.
    [[nodiscard]] select_statement limit(std::int64_t count) && {
        core_.limit = sql::make_parameter(parameter::from_integer(count));
        return std::move(*this);
    }
    /// OFFSET count (a bound parameter).
    [[nodiscard]] select_statement offset(std::int64_t count) const& { return select_statement{*this}.offset(count); }
    /// OFFSET count.
    [[nodiscard]] select_statement offset(std::int64_t count) && {
        core_.offset = sql::make_parameter(parameter::from_integer(count));
        return std::move(*this);
    }
    /// SELECT DISTINCT.
    [[nodiscard]] select_statement distinct() const {
        select_statement copy = *this;
        copy.core_.distinct = true;
        return copy;
    }

    /// FOR UPDATE (PostgreSQL; left out on SQLite, whose write lock comes from BEGIN IMMEDIATE).
    [[nodiscard]] select_statement for_update(lock_options options = {}) const {
        const auto strength = options.read ? sql::lock_strength::share : sql::lock_strength::update;
        return locked(strength, std::move(options));
    }
    /// FOR NO KEY UPDATE.
    [[nodiscard]] select_statement for_no_key_update(lock_options options = {}) const {
        return locked(sql::lock_strength::no_key_update, std::move(options));
    }
    /// FOR SHARE.
    [[nodiscard]] select_statement for_share(lock_options options = {}) const {
        return locked(sql::lock_strength::share, std::move(options));
    }
    /// FOR KEY SHARE.
    [[nodiscard]] select_statement for_key_share(lock_options options = {}) const {
        return locked(sql::lock_strength::key_share, std::move(options));
    }

    /// This one-column query as a scalar subquery expression (NULL when it finds no row).
    [[nodiscard]] auto scalar_subquery() const {
        static_assert(sizeof...(Ts) == 1, "scalar_subquery() needs a select of exactly one column");
        using value = sql::nullable_t<std::tuple_element_t<0, row_type>>;
        return expression<value>{sql::make_subquery(std::make_shared<const sql::select_core>(core_), false)};
    }

    /// The SQL text and parameters for a dialect (text cached by statement shape).
    [[nodiscard]] sql::compiled_statement compile(dialect target) const { return sql::compile(core_, target); }

private:
    static sql::node_ptr and_with(const sql::node_ptr& existing, sql::node_ptr added) {
        if (!existing) return added;
        return sql::make_operator(sql::node_kind::binary, " AND ", sql::precedence::and_, {existing, std::move(added)});
    }
    [[nodiscard]] select_statement locked(sql::lock_strength strength, lock_options options) const {
        if (options.nowait && options.skip_locked)
            throw usage_error("a locking clause takes NOWAIT or SKIP LOCKED, not both");
        select_statement copy = *this;
        copy.core_.lock = {strength, options.nowait, options.skip_locked, std::move(options.of)};
        return copy;
    }

    sql::select_core core_;
};

namespace sql {
/// A compound SELECT of `queries` joined by `kind` (union_all() and the like).
template <class... Ts, class... More>
select_statement<Ts...> combine(compound_kind kind, const select_statement<Ts...>& first, const More&... more) {
    static_assert(sizeof...(More) >= 1, "a union combines two or more SELECTs");
    static_assert((std::is_same_v<More, select_statement<Ts...>> && ...),
                  "every SELECT of a union returns the same column types, in the same order");
    select_core combined;
    const auto add = [&](const select_core& query) {
        if (!query.compound.empty())
            throw usage_error(
                "a union inside a union: pass every SELECT to one union_all(a, b, c) (the databases "
                "disagree on how INTERSECT binds next to UNION)");
        if (!query.order_by.empty() || query.limit || query.offset || query.lock.strength != lock_strength::none)
            throw usage_error(
                "a SELECT inside a union cannot have order_by, limit, offset or a lock: order and "
                "limit the union itself");
        combined.compound.push_back({kind, std::make_shared<const select_core>(query)});
    };
    add(first.core());
    (add(more.core()), ...);
    return select_statement<Ts...>{std::move(combined)};
}
}  // namespace sql

/// SELECT ... UNION SELECT ...: the rows of every query, duplicates removed; order_by (by the
/// first SELECT's columns), limit and offset apply to the combined rows.
template <class... Ts, class... More>
select_statement<Ts...> union_(const select_statement<Ts...>& first, const More&... more) {
    return sql::combine(sql::compound_kind::union_distinct, first, more...);
}
/// SELECT ... UNION ALL SELECT ...: the rows of every query, duplicates kept.
template <class... Ts, class... More>
select_statement<Ts...> union_all(const select_statement<Ts...>& first, const More&... more) {
    return sql::combine(sql::compound_kind::union_all, first, more...);
}
/// SELECT ... INTERSECT SELECT ...: the rows every query returns.
template <class... Ts, class... More>
select_statement<Ts...> intersect(const select_statement<Ts...>& first, const More&... more) {
    return sql::combine(sql::compound_kind::intersect, first, more...);
}
/// SELECT ... EXCEPT SELECT ...: the rows of the first query that the others do not return.
template <class... Ts, class... More>
select_statement<Ts...> except_(const select_statement<Ts...>& first, const More&... more) {
    return sql::combine(sql::compound_kind::except, first, more...);
}

/// SELECT items...: columns, expressions, aggregates; rows read as tuple<their value types...>.
template <class... Items>
select_statement<sql::operand_value_t<Items>...> select(const Items&... items) {
    static_assert(sizeof...(Items) >= 1, "select() needs at least one column or expression");
    sql::select_core core;
    core.columns.reserve(sizeof...(Items));
    (core.columns.push_back(sql::to_node(items)), ...);
    return select_statement<sql::operand_value_t<Items>...>{std::move(core)};
}

}  // namespace strata
