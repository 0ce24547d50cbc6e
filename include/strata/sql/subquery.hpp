// strata/sql/subquery.hpp - a SELECT read as a table: FROM (SELECT ...) AS name, or JOIN it.
//
//   auto ranked = strata::select(col<&Order::user_id>, col<&Order::total>,
//                                strata::row_number().over(strata::partition_by(col<&Order::user_id>)
//                                                              .order_by(col<&Order::total>.desc())).label("place"))
//                     .subquery("ranked");
//   auto top_three = strata::select(ranked.column<0>(), ranked.column<1>()).from(ranked).where(ranked.column<2>() <=
//   3);
//
// Its columns go by the names the SELECT gives them (a column's own, or a label), which both
// databases read the same way; column<I>() is the I-th, typed as the SELECT typed it.
#pragma once

#include <concepts>
#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <tuple>
#include <utility>
#include <vector>

#include "strata/core/error.hpp"
#include "strata/sql/expression.hpp"
#include "strata/sql/node.hpp"
#include "strata/sql/statement_core.hpp"

namespace strata {

/// A SELECT read as a table named `name`; made by select(...).subquery("name").
template <class... Ts>
class subquery_table {
public:
    /// The row of the SELECT it reads.
    using row_type = std::tuple<Ts...>;

    /// `query` read as the table `name` (letters, digits and '_').
    subquery_table(const sql::select_core& query, std::string_view name)
        : query_(std::make_shared<const sql::select_core>(query)),
          name_(checked_name(name)),
          columns_(sql::output_names(*query_, "subquery")) {}

    /// The name the subquery goes by (what its columns are qualified with).
    [[nodiscard]] sql::table_ref table() const noexcept { return {name_, {}}; }
    /// The SELECT it reads.
    [[nodiscard]] const std::shared_ptr<const sql::select_core>& query() const noexcept { return query_; }
    /// Its I-th column, typed as the SELECT's: ranked.column<0>() is ranked.user_id.
    template <std::size_t I>
    [[nodiscard]] expression<std::tuple_element_t<I, row_type>> column() const {
        static_assert(I < sizeof...(Ts), "subquery_table::column<I>(): I counts the SELECT's columns from 0");
        return expression<std::tuple_element_t<I, row_type>>{sql::make_column(table(), columns_[I])};
    }

private:
    static std::string_view checked_name(std::string_view name) {
        if (!sql::is_plain_name(name, false))
            throw usage_error("subquery() needs a name of letters, digits and '_', not '" + std::string{name} + "'");
        return sql::permanent_name(name);
    }

    std::shared_ptr<const sql::select_core> query_;
    std::string_view name_;
    std::vector<std::string_view> columns_;
};

namespace sql {
/// A SELECT read as a table (subquery_table): FROM and JOIN render its query under its name.
template <class Source>
concept derived_source = requires(const Source& source) {
    { source.table() } -> std::same_as<table_ref>;
    { source.query() } -> std::convertible_to<std::shared_ptr<const select_core>>;
};
}  // namespace sql

}  // namespace strata
