// strata/sql/cte.hpp - common table expressions: WITH name(columns) AS (SELECT ...), recursive ones too.
//
//   // every category under `root`, at any depth, with its depth:
//   auto tree = strata::select(col<&Category::id>, strata::literal(0).label("depth"))
//                   .where(col<&Category::id> == root)
//                   .cte("tree");
//   tree = tree.union_all(strata::select(col<&Category::id>, tree.column<1>() + 1)
//                             .join(tree, col<&Category::parent_id> == tree.column<0>()));
//   auto rows = strata::select(tree.column<0>(), tree.column<1>()).with_(tree);
//
// The first SELECT names the columns (a column's own name, or a label) and types them; a union
// added with union_all()/union_() reads the CTE itself and makes it WITH RECURSIVE. A statement
// names the CTEs it uses with with_(), the ORM's query<T> too.
#pragma once

#include <concepts>
#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <utility>

#include "strata/core/error.hpp"
#include "strata/sql/expression.hpp"
#include "strata/sql/node.hpp"
#include "strata/sql/statement_core.hpp"

namespace strata {

/// A named SELECT a statement reads like a table after with_(); made by select(...).cte("name").
template <class... Ts>
class common_table_expression {
public:
    /// The row of the SELECT it names.
    using row_type = std::tuple<Ts...>;

    /// `query` under the name `name` (letters, digits and '_').
    common_table_expression(const sql::select_core& query, std::string_view name) {
        if (!sql::is_plain_name(name, false))
            throw usage_error("cte() needs a name of letters, digits and '_', not '" + std::string{name} + "'");
        definition_.name = sql::permanent_name(name);
        definition_.query = std::make_shared<const sql::select_core>(query);
        definition_.columns = sql::output_names(query, "cte");
    }

    /// The name statements read it by.
    [[nodiscard]] sql::table_ref table() const noexcept { return {definition_.name, {}}; }
    /// What WITH renders.
    [[nodiscard]] const sql::cte_definition& definition() const noexcept { return definition_; }
    /// Its I-th column, typed as the first SELECT's: tree.column<0>() is tree.id.
    template <std::size_t I>
    [[nodiscard]] expression<std::tuple_element_t<I, row_type>> column() const {
        static_assert(I < sizeof...(Ts), "common_table_expression::column<I>(): I counts the columns from 0");
        return expression<std::tuple_element_t<I, row_type>>{sql::make_column(table(), definition_.columns[I])};
    }

    /// This CTE as `first SELECT UNION ALL recursive`, where `recursive` reads the CTE (joins it,
    /// uses its column<I>()): WITH RECURSIVE. It stops when `recursive` adds no rows.
    template <class Query>
    [[nodiscard]] common_table_expression union_all(const Query& recursive) const {
        return recursive_union(sql::compound_kind::union_all, recursive);
    }
    /// The same with UNION: rows already found are not added again, so a cycle ends.
    template <class Query>
    [[nodiscard]] common_table_expression union_(const Query& recursive) const {
        return recursive_union(sql::compound_kind::union_distinct, recursive);
    }

private:
    template <class Query>
    common_table_expression recursive_union(sql::compound_kind kind, const Query& recursive) const {
        static_assert(std::is_same_v<typename Query::row_type, row_type>,
                      "the recursive SELECT of a CTE returns the same column types as its first SELECT, in the "
                      "same order (literal(0) is std::int64_t; + on integers is too)");
        if (definition_.recursive)
            throw usage_error(
                "this CTE already has its recursive SELECT: a CTE unions one first and one recursive "
                "SELECT");
        sql::select_core body;
        body.compound.push_back({sql::compound_kind::union_all, definition_.query});
        body.compound.push_back({kind, std::make_shared<const sql::select_core>(recursive.core())});
        common_table_expression copy = *this;
        copy.definition_.query = std::make_shared<const sql::select_core>(std::move(body));
        copy.definition_.recursive = true;
        return copy;
    }

    sql::cte_definition definition_;
};

namespace sql {
/// A CTE a statement can name in with_().
template <class Source>
concept named_cte = requires(const Source& source) {
    { source.definition() } -> std::same_as<const cte_definition&>;
};
}  // namespace sql

}  // namespace strata
