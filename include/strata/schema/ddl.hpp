// strata/schema/ddl.hpp - CREATE TABLE / DROP TABLE for mapped models, per dialect.
//
//   strata::create_all<Author, Book>(engine);                 // foreign-key order, in one transaction
//   strata::create_all<Author, Book>(engine, {.if_not_exists = false});   // an existing table is an error
//   strata::drop_all<Author, Book>(engine);                   // reverse order
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "strata/core/dialect.hpp"
#include "strata/core/error.hpp"
#include "strata/core/type_traits.hpp"
#include "strata/detail/element_list.hpp"
#include "strata/detail/linkage.hpp"
#include "strata/detail/tuple_elements.hpp"
#include "strata/schema/mapping.hpp"
#include "strata/sql/compiler.hpp"

namespace strata {

/// Options of create_all / drop_all.
struct ddl_options {
    /// CREATE TABLE IF NOT EXISTS / CREATE INDEX IF NOT EXISTS: create_all skips what exists, as
    /// SQLAlchemy's checkfirst=True does by default.
    bool if_not_exists = true;
    bool if_exists = true;  ///< DROP TABLE IF EXISTS
};

namespace schema {

/// A column as DDL needs it: constant data per mapped column (describe<Model>() keeps a table of
/// them per model, so a model's description is data and one copy, not code per column).
struct column_schema {
    std::string_view name;
    value_kind kind = value_kind::text;
    int integer_bytes = 8;
    bool nullable = false;
    column_options options;
    std::string_view referenced_table;
    std::string_view referenced_column;
    /// CHECK (column IN (...)): an enum's names; null: none.
    std::vector<std::string_view> (*allowed_values)() = nullptr;
};

/// A FOREIGN KEY over several columns (strata::foreign_key), as constant data.
struct foreign_key_description {
    std::span<const std::string_view> columns;
    std::string_view referenced_table;
    std::span<const std::string_view> referenced_columns;
    on_delete delete_action = on_delete::no_action;
};

/// A CREATE INDEX over several columns, as constant data.
struct index_description {
    std::string_view name;
    std::span<const std::string_view> columns;
};

/// A table as DDL needs it: for a mapped model, constants the compiler lays out
/// (table_description_of<Model>), which create_all reads in strata's compiled code, so a program
/// instantiates no container of DDL facts (0.27 s and 12.5 MiB of benchmarks/compile/minimal.cpp,
/// separately compiled, before).
struct table_description {
    std::string_view name;
    std::span<const column_schema> columns;
    std::span<const foreign_key_description> foreign_keys;
    std::span<const std::span<const std::string_view>> unique_constraints;
    std::span<const index_description> indexes;
};

/// The names of Members' columns, as constants.
template <auto... Members>
inline constexpr std::array<std::string_view, sizeof...(Members)> column_names_of{column_of<Members>().name...};

template <class Element>
struct is_index : std::false_type {};
template <auto... Members>
struct is_index<index_definition<Members...>> : std::true_type {};
template <class Element>
struct is_unique_constraint : std::false_type {};
template <auto... Members>
struct is_unique_constraint<unique_constraint_definition<Members...>> : std::true_type {};

/// The DDL facts of one mapped column.
template <class Element>
constexpr column_schema describe_column(const Element& element) {
    using value = typename Element::value_type;
    using stored = sql::strip_optional_t<value>;
    column_schema column;
    column.name = element.name;
    column.kind = type_traits<stored>::kind;
    if constexpr (std::is_integral_v<stored>) column.integer_bytes = sizeof(stored);
    column.nullable = sql::is_optional_v<value>;
    column.options = element.options;
    // A type that names its own DDL type (float: REAL, a date: DATE), unless the mapping's
    // sql_type does.
    if constexpr (requires { type_traits<stored>::postgresql_type; })
        if (column.options.postgresql_type.empty())
            column.options.postgresql_type = type_traits<stored>::postgresql_type;
    if constexpr (requires { type_traits<stored>::sqlite_type; })
        if (column.options.sqlite_type.empty()) column.options.sqlite_type = type_traits<stored>::sqlite_type;
    if constexpr (requires { type_traits<stored>::mariadb_type; })
        if (column.options.mariadb_type.empty()) column.options.mariadb_type = type_traits<stored>::mariadb_type;
    if constexpr (requires { type_traits<stored>::allowed_values(); })
        column.allowed_values = &type_traits<stored>::allowed_values;
    if constexpr (!std::is_null_pointer_v<decltype(Element::target)>) {
        constexpr auto target = Element::target;
        column.referenced_table = mapping<model_of<target>>::table.name;
        column.referenced_column = column_of<target>().name;
    }
    return column;
}

/// Model's columns as describe_column gives them, in mapping order.
template <class Model>
inline constexpr auto column_descriptions = [] {
    std::array<column_schema, column_count<Model>()> result{};
    std::size_t next = 0;
    for_each_column<Model>([&](const auto& element) { result[next++] = describe_column(element); });
    return result;
}();

/// Model's foreign keys over several columns, unique constraints and indexes, as constants.
template <class Model>
struct table_constraints {
    using elements = elements_of<Model>;
    static constexpr auto foreign_keys = [] {
        std::array<foreign_key_description, strata::detail::count_tuple_elements<is_foreign_key, elements>> result{};
        std::size_t next = 0;
        strata::detail::for_each_matching_element<is_foreign_key>(
            mapping<Model>::table.elements, [&]<auto... Columns, auto... Referenced>(
                                                const foreign_key_definition<key_columns<Columns...>,
                                                                             key_columns<Referenced...>>& key) {
                result[next++] = {column_names_of<Columns...>,
                                  std::remove_cvref_t<decltype(key)>::referenced_table_name(),
                                  column_names_of<Referenced...>, key.delete_action};
            });
        return result;
    }();
    static constexpr auto unique_constraints = [] {
        std::array<std::span<const std::string_view>,
                   strata::detail::count_tuple_elements<is_unique_constraint, elements>>
            result{};
        std::size_t next = 0;
        strata::detail::for_each_matching_element<is_unique_constraint>(
            mapping<Model>::table.elements, [&]<auto... Members>(const unique_constraint_definition<Members...>&) {
                result[next++] = column_names_of<Members...>;
            });
        return result;
    }();
    static constexpr auto indexes = [] {
        std::array<index_description, strata::detail::count_tuple_elements<is_index, elements>> result{};
        std::size_t next = 0;
        strata::detail::for_each_matching_element<is_index>(
            mapping<Model>::table.elements, [&]<auto... Members>(const index_definition<Members...>& index) {
                result[next++] = {index.name, column_names_of<Members...>};
            });
        return result;
    }();
};

/// Model's DDL facts: constants, no code.
template <class Model>
inline constexpr table_description table_description_of{
    mapping<Model>::table.name, column_descriptions<Model>, table_constraints<Model>::foreign_keys,
    table_constraints<Model>::unique_constraints, table_constraints<Model>::indexes};

/// Model's DDL facts.
template <class Model>
const table_description& describe() {
    static_assert(check_mapping<Model>());
    return table_description_of<Model>;
}

inline std::string quote(std::string_view name) { return sql::detail::quote_identifier(name); }

STRATA_COMPILED_LINKAGE std::string join_names(std::span<const std::string_view> names);

/// Whether a column is generated by the database (identity / rowid).
STRATA_COMPILED_LINKAGE bool is_generated(const table_description& table, const column_schema& column);

/// Whether a column is part of a key, a UNIQUE constraint or a foreign key of its table.
STRATA_COMPILED_LINKAGE bool is_keyed(const table_description& table, const column_schema& column);

/// The columns of an index, as CREATE INDEX lists them (MariaDB indexes a LONGTEXT by a prefix).
STRATA_COMPILED_LINKAGE std::string index_columns(const table_description& table,
                                                  std::span<const std::string_view> names, dialect target);

/// The column's CREATE TABLE type on `target` (`keyed`: see is_keyed; MariaDB bounds such text).
STRATA_COMPILED_LINKAGE std::string column_type(const column_schema& column, dialect target, bool keyed);

STRATA_COMPILED_LINKAGE std::string_view action_sql(on_delete action);

/// CREATE TABLE (and CREATE INDEX) statements for one table.
STRATA_COMPILED_LINKAGE std::vector<std::string> create_statements(const table_description& table, dialect target,
                                                                   const ddl_options& options);

/// Orders tables so that a referenced table comes before the tables referencing it.
STRATA_COMPILED_LINKAGE std::vector<const table_description*> dependency_order(
    std::span<const table_description* const> tables);

/// The CREATE statements for `tables` in foreign-key order, for a dialect.
STRATA_COMPILED_LINKAGE std::vector<std::string> create_all_sql(std::span<const table_description* const> tables,
                                                                dialect target, const ddl_options& options);

/// The DROP statements for `tables`, referencing tables first.
STRATA_COMPILED_LINKAGE std::vector<std::string> drop_all_sql(std::span<const table_description* const> tables,
                                                              const ddl_options& options);

}  // namespace schema

/// The CREATE statements for Models in foreign-key order, for a dialect (what create_all runs).
template <class... Models>
std::vector<std::string> create_all_sql(dialect target, const ddl_options& options = {}) {
    const schema::table_description* tables[] = {&schema::describe<Models>()...};
    return schema::create_all_sql(tables, target, options);
}

/// The DROP statements for Models, referencing tables first.
template <class... Models>
std::vector<std::string> drop_all_sql(const ddl_options& options = {}) {
    const schema::table_description* tables[] = {&schema::describe<Models>()...};
    return schema::drop_all_sql(tables, options);
}

/// Creates the tables of Models (in foreign-key order) in one transaction.
template <class... Models, class Engine>
void create_all(const Engine& engine, const ddl_options& options = {}) {
    auto connection = engine.connect();
    const auto statements = create_all_sql<Models...>(connection.sql_dialect(), options);
    connection.begin();
    for (const auto& statement : statements) connection.execute_script(statement);
    connection.commit();
}

/// Drops the tables of Models (referencing tables first) in one transaction.
template <class... Models, class Engine>
void drop_all(const Engine& engine, const ddl_options& options = {}) {
    auto connection = engine.connect();
    const auto statements = drop_all_sql<Models...>(options);
    connection.begin();
    for (const auto& statement : statements) connection.execute_script(statement);
    connection.commit();
}

}  // namespace strata

#if !defined(STRATA_SEPARATE_COMPILATION)
#include "strata/schema/impl/ddl.hpp"
#endif
