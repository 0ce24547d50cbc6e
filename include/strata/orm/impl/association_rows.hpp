// strata/orm/impl/association_rows.hpp - the definitions behind strata/orm/association_rows.hpp.
//
// Included by that header in header-only builds; under STRATA_SEPARATE_COMPILATION only by
// src/strata.cpp, so they are compiled once per program.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "strata/core/value.hpp"
#include "strata/detail/linkage.hpp"
#include "strata/engine/connection.hpp"
#include "strata/orm/association_rows.hpp"
#include "strata/orm/foreign_key_link.hpp"
#include "strata/orm/model.hpp"
#include "strata/orm/object_state.hpp"
#include "strata/orm/relationship_member.hpp"
#include "strata/orm/write_statements.hpp"
#include "strata/sql/compiler.hpp"

namespace strata::orm {
namespace detail {
/// The association table's columns in `link` (one bit per column of the table).
inline std::uint64_t association_columns(const foreign_key_link& link) noexcept {
    std::uint64_t columns = 0;
    for (const std::size_t column : link.foreign_key) columns |= std::uint64_t{1} << column;
    return columns;
}

/// Appends the values of `object` (of the link's referenced model) that the link's association
/// columns hold, in the association table's column order: the order every statement below names
/// the columns in, so that a statement's text depends only on its columns.
inline void bind_association_columns(const foreign_key_link& link, const void* object,
                                     std::vector<parameter>& parameters) {
    for (std::size_t column = 0; column < link.child->columns.size(); ++column)
        for (std::size_t i = 0; i < link.foreign_key.size(); ++i)
            if (link.foreign_key[i] == column)
                parameters.push_back(link.parent->columns[link.referenced[i]].bind(object));
}
}  // namespace detail

STRATA_COMPILED_LINKAGE void write_association_rows(const relationship_behavior& behavior, connection& target,
                                                    tracked_object& item, bool deleted,
                                                    std::vector<parameter>& parameters) {
    const foreign_key_link& to_parent = *behavior.association_parent;
    const foreign_key_link& to_target = *behavior.association_target;
    const model_info& association = *to_parent.child;
    const std::uint64_t parent_columns = detail::association_columns(to_parent);
    const std::uint64_t target_columns = detail::association_columns(to_target);
    const dialect target_dialect = target.sql_dialect();
    // "a = $1 AND b = $2" over `columns`, numbering placeholders from `number`.
    const auto matches = [&](std::uint64_t columns, std::size_t& number) {
        std::string text;
        for (std::size_t column = 0; column < association.columns.size(); ++column)
            if (columns >> column & 1)
                text += (text.empty() ? "" : " AND ") +
                        sql::detail::quote_identifier(association.columns[column].name) + " = " +
                        sql::detail::placeholder(target_dialect, ++number);
        return text;
    };
    // The three statements of an association, built once per dialect for the program.
    const auto statement = [&](statement_text_kind kind) -> const std::string& {
        return shared_statement_text({&association, target_dialect, kind, parent_columns, target_columns}, [&] {
            std::size_t number = 0;
            const std::string table = sql::detail::quote_identifier(association.table);
            if (kind == statement_text_kind::association_remove_all)
                return "DELETE FROM " + table + " WHERE " + matches(parent_columns, number);
            if (kind == statement_text_kind::association_remove_one) {
                std::string text = "DELETE FROM " + table + " WHERE " + matches(parent_columns, number);
                return text + " AND " + matches(target_columns, number);
            }
            std::string names;
            std::string values;
            for (const std::uint64_t columns : {parent_columns, target_columns})
                for (std::size_t column = 0; column < association.columns.size(); ++column)
                    if (columns >> column & 1) {
                        names += (names.empty() ? "" : ", ") +
                                 sql::detail::quote_identifier(association.columns[column].name);
                        values += (values.empty() ? "" : ", ") + sql::detail::placeholder(target_dialect, ++number);
                    }
            return "INSERT INTO " + table + " (" + names + ") VALUES (" + values + ")";
        });
    };
    parameters.clear();
    detail::bind_association_columns(to_parent, to_parent.parent_object(item), parameters);
    // Association rows read nothing back and cannot be refused: they wait for the flush's
    // round trip (an error still names the statement and its values).
    if (deleted) {
        target.execute_held(statement(statement_text_kind::association_remove_all), parameters, {}, false);
        return;
    }
    const auto parent_count = parameters.size();
    const auto& collection = static_cast<const collection_member&>(behavior.member->of(item));
    const auto write = [&](statement_text_kind kind, const tracked_pointer& linked) {
        parameters.erase(parameters.begin() + static_cast<std::ptrdiff_t>(parent_count), parameters.end());
        detail::bind_association_columns(to_target, to_target.parent_object(*linked), parameters);
        target.execute_held(statement(kind), parameters, {}, false);
    };
    // A target being deleted takes all its rows with it (its own mapper deletes them)
    for (const auto& removed : collection.removed())
        if (removed->status != object_status::deleted) write(statement_text_kind::association_remove_one, removed);
    for (const auto& added : collection.added())
        if (added->status != object_status::deleted) write(statement_text_kind::association_insert, added);
}

}  // namespace strata::orm
