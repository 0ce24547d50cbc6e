// strata/orm/relationship_keys.hpp - the columns a relationship joins on: one, or several (a
// composite key), and what loaders and the unit of work do with them.
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
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include "strata/core/dialect.hpp"
#include "strata/core/type_traits.hpp"
#include "strata/detail/linkage.hpp"
#include "strata/detail/tuple_elements.hpp"
#include "strata/orm/model.hpp"
#include "strata/schema/mapping.hpp"
#include "strata/sql/compiler.hpp"
#include "strata/sql/expression.hpp"
#include "strata/sql/node.hpp"
#include "strata/sql/statement_core.hpp"

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

/// Whether a value is NULL (an empty optional).
template <class Value>
bool is_null_value(const Value& value) {
    if constexpr (sql::is_optional_v<Value>)
        return !value.has_value();
    else
        return false;
}
/// The value inside an optional, or the value itself.
template <class Value>
const auto& unwrap_value(const Value& value) {
    if constexpr (sql::is_optional_v<Value>)
        return *value;
    else
        return value;
}

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
/// row): a IN ($1, ...) for one column; (a, b) IN (($1, $2), ...) - SQLite: IN (VALUES (?, ?), ...) -
/// for several. `decimal`: a single column holding decimals, whose values stay a plain list (an
/// array of them would be a TEXT[] on PostgreSQL, which a NUMERIC column cannot compare with).
STRATA_COMPILED_LINKAGE sql::node_ptr keys_in(std::vector<sql::node_ptr> columns, std::vector<sql::node_ptr> values,
                                              dialect target, bool decimal);

template <class Keys>
struct key_operations;

/// What loaders and the unit of work do with a key of Members (columns of one model).
template <auto First, auto... Rest>
struct key_operations<key_columns<First, Rest...>> {
    /// The model holding the columns.
    using model = schema::model_of<First>;
    /// The key's values, NULL taken out (std::tuple<int64_t> for one BIGINT column).
    using value_type = std::tuple<sql::strip_optional_t<schema::member_value_t<First>>,
                                  sql::strip_optional_t<schema::member_value_t<Rest>>...>;
    /// Number of columns.
    static constexpr std::size_t size = 1 + sizeof...(Rest);
    /// The first column (the one whose options say ON DELETE).
    static constexpr auto first_member = First;
    /// Whether any column may be NULL (a join on it may find nothing).
    static constexpr bool nullable =
        sql::is_optional_v<schema::member_value_t<First>> || (sql::is_optional_v<schema::member_value_t<Rest>> || ...);
    /// Whether every column may be NULL (the key can be set to NULL).
    static constexpr bool all_nullable =
        sql::is_optional_v<schema::member_value_t<First>> && (sql::is_optional_v<schema::member_value_t<Rest>> && ...);

    /// Whether the object's key is NULL (any column: a partial key references nothing).
    static bool is_null(const model& object) {
        return is_null_value(object.*First) || (is_null_value(object.*Rest) || ...);
    }
    /// The object's key (not NULL: check is_null first).
    static value_type values(const model& object) {
        return value_type{unwrap_value(object.*First), unwrap_value(object.*Rest)...};
    }
    /// Whether the object's key equals `key` (a tuple of as many values; nothing is copied).
    template <class Key>
    static bool equals(const model& object, const Key& key) {
        return !is_null(object) && equals_at(object, key, std::make_index_sequence<size>{});
    }
    /// Sets the object's key columns.
    static void assign(model& object, const value_type& key) {
        assign_at(object, key, std::make_index_sequence<size>{});
    }
    /// WHERE a = $1 AND b = $2: the columns equal `key`.
    static sql::node_ptr equals_values(const value_type& key) {
        return equals_values_at(key, std::make_index_sequence<size>{});
    }
    /// ON a = x AND b = y: the columns equal the Other key's columns.
    template <class Other>
    static sql::node_ptr equals_columns() {
        return equals_columns_as<Other>(table_of<model>(), table_of<typename key_operations<Other>::model>());
    }
    /// equals_columns(), with this key's columns qualified by `table` and the Other key's by
    /// `other` (aliases: a joined eager load, or a model joined to itself).
    template <class Other>
    static sql::node_ptr equals_columns_as(sql::table_ref table, sql::table_ref other) {
        return equals_columns_as_at(table, other, static_cast<Other*>(nullptr), std::make_index_sequence<size>{});
    }
    /// a IN ($1, ...) for one column; (a, b) IN (($1, $2), ...) - SQLite: IN (VALUES (?, ?), ...) -
    /// for several.
    static sql::node_ptr in(const std::vector<value_type>& batch, dialect target) {
        std::vector<sql::node_ptr> values;
        values.reserve(batch.size() * size);
        for (const auto& key : batch)
            strata::detail::apply_to_elements(
                [&values](const auto&... value) { (values.push_back(sql::to_node(value)), ...); }, key);
        return keys_in(column_nodes(), std::move(values), target,
                       size == 1 && sql::is_decimal_v<typename column_ref<First>::value_type>);
    }
    /// The columns as ORDER BY items, in order.
    static std::vector<sql::order_item> order_items() {
        std::vector<sql::order_item> items;
        for (auto& column : column_nodes()) items.push_back({std::move(column), {}, {}});
        return items;
    }
    /// The columns' quoted names, in order (for statements strata writes as text).
    static std::vector<std::string> column_names() {
        return {sql::detail::quote_identifier(column_of<First>().name),
                sql::detail::quote_identifier(column_of<Rest>().name)...};
    }
    /// The columns as select-list nodes, in order.
    static std::vector<sql::node_ptr> column_nodes() {
        return {col<First>.to_expression().node(), col<Rest>.to_expression().node()...};
    }
    /// Reads the key from `size` select-list positions starting at `first`.
    static value_type read(const field_reader& row, std::size_t first) {
        return read_at(row, first, std::make_index_sequence<size>{});
    }

private:
    template <std::size_t Index>
    static constexpr auto member_at = std::get<Index>(std::tuple{First, Rest...});

    template <auto... OtherMembers, std::size_t... Indexes>
    static sql::node_ptr equals_columns_as_at(sql::table_ref table, sql::table_ref other, key_columns<OtherMembers...>*,
                                              std::index_sequence<Indexes...>) {
        static_assert(sizeof...(OtherMembers) == size, "both sides of a relationship key need as many columns");
        return all_of({(expression<typename column_ref<member_at<Indexes>>::value_type>{
                            sql::make_column(table, column_of<member_at<Indexes>>().name)} ==
                        expression<typename column_ref<OtherMembers>::value_type>{
                            sql::make_column(other, column_of<OtherMembers>().name)})
                           .node()...});
    }
    template <class Key, std::size_t... Indexes>
    static bool equals_at(const model& object, const Key& key, std::index_sequence<Indexes...>) {
        return ((unwrap_value(object.*(member_at<Indexes>)) == std::get<Indexes>(key)) && ...);
    }
    template <std::size_t... Indexes>
    static void assign_at(model& object, const value_type& key, std::index_sequence<Indexes...>) {
        ((object.*(member_at<Indexes>) = std::get<Indexes>(key)), ...);
    }
    template <std::size_t... Indexes>
    static sql::node_ptr equals_values_at(const value_type& key, std::index_sequence<Indexes...>) {
        return all_of({(col<member_at<Indexes>> == std::get<Indexes>(key)).node()...});
    }
    template <std::size_t... Indexes>
    static value_type read_at(const field_reader& row, std::size_t first, std::index_sequence<Indexes...>) {
        return value_type{read_field<std::tuple_element_t<Indexes, value_type>>(row, first + Indexes)...};
    }
};

}  // namespace strata::orm

#if !defined(STRATA_SEPARATE_COMPILATION)
#include "strata/orm/impl/relationship_keys.hpp"
#endif
