// strata/orm/relationship_keys.hpp - the columns a relationship joins on: one, or several (a
// composite key), what they reference, and the conditions over them (keys_in, all_of).
//
//   strata::one_to_many<&Order::lines, &Line::order_region, &Line::order_number>("order.lines")
//   strata::many_to_one<&Line::order, &Line::order_region, &Line::order_number>("line.order")
//   strata::many_to_many<&A::bs, strata::keys<&AB::a_x, &AB::a_y>, strata::keys<&AB::b_x, &AB::b_y>>("a.bs")
//
// Foreign-key column i references column i of the other model's primary key, unless the column
// says strata::references<&Other::member>. Several columns compare as row values: selectinload
// emits (a, b) IN (($1, $2), ...) on PostgreSQL and (a, b) IN (VALUES (?, ?), ...) on SQLite,
// whose row-value IN reads a list only since 3.37 but VALUES since row values exist (3.15).
#pragma once

#include <cstddef>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include "strata/core/dialect.hpp"
#include "strata/detail/linkage.hpp"
#include "strata/orm/model.hpp"
#include "strata/schema/mapping.hpp"
#include "strata/sql/expression.hpp"
#include "strata/sql/node.hpp"

namespace strata::orm {

/// The key_columns a declaration names: a member pointer is a key of one column.
template <class Type, auto Value>
struct normalized_keys {
    using type = key_columns<Value>;
};
template <auto... Members, auto Value>
struct normalized_keys<key_columns<Members...>, Value> {
    using type = key_columns<Members...>;
};
/// keys_of<&Book::author_id> is key_columns<&Book::author_id>; keys_of<strata::keys<a, b>> is key_columns<a, b>.
template <auto Key>
using keys_of = typename normalized_keys<std::remove_cv_t<decltype(Key)>, Key>::type;

/// The Index-th primary-key member of Model (one definition for loaders and key lists).
template <class Model, std::size_t Index>
inline constexpr auto primary_key_member =
    std::tuple_element_t<primary_key_elements<Model>[Index], schema::elements_of<Model>>::member;

/// The column foreign-key column ForeignKey (the Index-th of its key) references: its
/// references<> target, else the Index-th primary-key column of Referenced.
template <auto ForeignKey, class Referenced, std::size_t Index = 0>
constexpr auto referenced_member() {
    constexpr auto target = std::remove_cvref_t<decltype(column_of<ForeignKey>())>::target;
    if constexpr (!std::is_null_pointer_v<std::remove_cv_t<decltype(target)>>) {
        return target;
    } else {
        static_assert(Index < primary_key_elements<Referenced>.size(),
                      "a relationship's key has more columns than the primary key it references: name the "
                      "referenced columns with strata::references<&Model::member> on each key column");
        return primary_key_member<Referenced, Index>;
    }
}

template <class Keys, class Referenced>
struct referenced_keys;
template <auto... Members, class Referenced>
struct referenced_keys<key_columns<Members...>, Referenced> {
    template <std::size_t... Indexes>
    static auto build(std::index_sequence<Indexes...>)
        -> key_columns<referenced_member<Members, Referenced, Indexes>()...>;
    using type = decltype(build(std::make_index_sequence<sizeof...(Members)>{}));
};
/// The columns of Referenced that the key columns Keys point at, in order.
template <class Keys, class Referenced>
using referenced_keys_t = typename referenced_keys<Keys, Referenced>::type;

template <class Model, std::size_t... Indexes>
auto primary_key_columns_of(std::index_sequence<Indexes...>) -> key_columns<primary_key_member<Model, Indexes>...>;
/// Model's primary-key columns as key_columns.
template <class Model>
using primary_key_columns =
    decltype(primary_key_columns_of<Model>(std::make_index_sequence<primary_key_elements<Model>.size()>{}));
/// The conditions ANDed (one function for every key).
STRATA_COMPILED_LINKAGE sql::node_ptr all_of(std::vector<sql::node_ptr> conditions);
/// `columns` IN the keys in `values` (row after row, columns.size() values each, at least one
/// row): a IN ($1, ...) for one column (= ANY($1::`array_type`) on PostgreSQL: the column's, see
/// column_accessor::array_type); (a, b) IN (($1, $2), ...) - SQLite: IN (VALUES (?, ?), ...) - for several.
STRATA_COMPILED_LINKAGE sql::node_ptr keys_in(std::vector<sql::node_ptr> columns, std::vector<sql::node_ptr> values,
                                              dialect target, std::string_view array_type);

template <class Keys>
struct key_traits;

/// What the ORM knows of a key of Members (columns of one model) at compile time; what it does
/// with a key's values works on the model's description (key_values, orm/model.hpp).
template <auto First, auto... Rest>
struct key_traits<key_columns<First, Rest...>> {
    /// The model holding the columns.
    using model = schema::model_of<First>;
    /// The first column (the one whose options say ON DELETE).
    static constexpr auto first_member = First;
    /// Whether any column may be NULL (a join on it may find nothing).
    static constexpr bool nullable =
        sql::is_optional_v<schema::member_value_t<First>> || (sql::is_optional_v<schema::member_value_t<Rest>> || ...);
    /// Whether every column may be NULL (the key can be set to NULL).
    static constexpr bool all_nullable =
        sql::is_optional_v<schema::member_value_t<First>> && (sql::is_optional_v<schema::member_value_t<Rest>> && ...);
};

}  // namespace strata::orm

#if !defined(STRATA_SEPARATE_COMPILATION)
#include "strata/orm/impl/relationship_keys.hpp"
#endif
