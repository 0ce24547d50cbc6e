// strata/orm/association_rows.hpp - the rows of a many-to-many's association table: what a flush
// writes for a changed collection (an INSERT per link added, a DELETE per link removed) and for a
// deleted object (every row naming it).
//
// One function per many-to-many relationship, reached through its relationship_behavior: the
// unit of work (orm/model_objects.hpp) calls it without knowing either model.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "strata/core/dialect.hpp"
#include "strata/core/value.hpp"
#include "strata/detail/tuple_elements.hpp"
#include "strata/engine/connection.hpp"
#include "strata/orm/object_state.hpp"
#include "strata/orm/relationship_keys.hpp"
#include "strata/orm/relationship_traits.hpp"
#include "strata/schema/mapping.hpp"
#include "strata/sql/compiler.hpp"

namespace strata::orm {

/// Writes the association rows of the many-to-many collection Element of `item` (an object of its
/// parent model): all of them removed when the object is being deleted. `parameters`: the flush's
/// vector, reused for every row.
template <class Element>
void write_association_rows(connection& target, tracked_object& item, bool deleted,
                            std::vector<parameter>& parameters) {
    using traits = relationship_traits<Element>;
    using parent = typename traits::parent;
    using other = typename traits::target;
    // The three statements of this association, built once per dialect for the program.
    struct statements {
        std::string remove_all, remove_one, insert;
    };
    using local_key = key_operations<typename traits::local_keys>;
    using remote_key = key_operations<typename traits::remote_keys>;
    using parent_key = key_operations<typename traits::parent_keys>;
    using target_key = key_operations<typename traits::target_keys>;
    static const auto build = [](dialect target_dialect) {
        int number = 0;
        const auto mark = [target_dialect, &number] { return sql::detail::placeholder(target_dialect, ++number); };
        const auto local = local_key::column_names();
        const auto remote = remote_key::column_names();
        const auto table = sql::detail::quote_identifier(mapping<typename traits::association>::table.name);
        std::string matches_local;
        for (const auto& name : local) matches_local += (matches_local.empty() ? "" : " AND ") + name + " = " + mark();
        std::string matches_remote;
        for (const auto& name : remote) matches_remote += " AND " + name + " = " + mark();
        number = 0;
        std::string columns, values;
        for (const auto& name : local) {
            columns += (columns.empty() ? "" : ", ") + name;
            values += (values.empty() ? "" : ", ") + mark();
        }
        for (const auto& name : remote) {
            columns += ", " + name;
            values += ", " + mark();
        }
        const auto remove = "DELETE FROM " + table + " WHERE " + matches_local;
        return statements{remove, remove + matches_remote,
                          "INSERT INTO " + table + " (" + columns + ") VALUES (" + values + ")"};
    };
    static const statements for_sqlite = build(dialect::sqlite);
    static const statements for_postgresql = build(dialect::postgresql);
    const auto& sql = target.sql_dialect() == dialect::postgresql ? for_postgresql : for_sqlite;
    const auto& object = state_of<parent>(item).object;
    const typename local_key::value_type key{parent_key::values(object)};
    parameters.clear();
    strata::detail::apply_to_elements(
        [&parameters](const auto&... values) { (parameters.push_back(to_parameter(values)), ...); }, key);
    // Association rows read nothing back and cannot be refused: they wait for the flush's
    // round trip (an error still names the statement and its values).
    if (deleted) {
        target.execute_held(sql.remove_all, parameters, {}, false);
        return;
    }
    const auto local_count = parameters.size();
    const auto& collection = object.*(traits::member);
    const auto write = [&](const std::string& text, const tracked_pointer& linked) {
        parameters.erase(parameters.begin() + static_cast<std::ptrdiff_t>(local_count), parameters.end());
        const typename remote_key::value_type linked_key{target_key::values(state_of<other>(*linked).object)};
        strata::detail::apply_to_elements(
            [&parameters](const auto&... values) { (parameters.push_back(to_parameter(values)), ...); }, linked_key);
        target.execute_held(text, parameters, {}, false);
    };
    // A target being deleted takes all its rows with it (its own mapper deletes them)
    for (const auto& removed : collection.removed())
        if (removed->status != object_status::deleted) write(sql.remove_one, removed);
    for (const auto& added : collection.added())
        if (added->status != object_status::deleted) write(sql.insert, added);
}

}  // namespace strata::orm
