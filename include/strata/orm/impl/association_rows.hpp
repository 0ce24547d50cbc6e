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

namespace strata::orm {
namespace detail {
/// The association table's columns in `link` (one bit per column of the table).
inline std::uint64_t association_columns(const foreign_key_link& link) noexcept {
    std::uint64_t columns = 0;
    for (const std::size_t column : link.foreign_key) columns |= std::uint64_t{1} << column;
    return columns;
}

/// Appends the values of an association row's `columns`, in column order (write_statements'
/// order): each is the value of the column it references, of `parent` through `to_parent` or of
/// `target` through `to_target`.
inline void bind_association_row(std::uint64_t columns, const foreign_key_link& to_parent, const void* parent,
                                 const foreign_key_link& to_target, const void* target,
                                 std::vector<parameter>& parameters) {
    for (std::size_t column = 0; column < to_parent.child->columns.size(); ++column) {
        if (!(columns >> column & 1)) continue;
        for (const auto* link : {&to_parent, &to_target})
            for (std::size_t i = 0; i < link->foreign_key.size(); ++i)
                if (link->foreign_key[i] == column)
                    parameters.push_back(
                        link->parent->columns[link->referenced[i]].bind(link == &to_parent ? parent : target));
    }
}
}  // namespace detail

STRATA_COMPILED_LINKAGE void write_association_rows(const relationship_behavior& behavior, connection& target,
                                                    tracked_object& item, bool deleted,
                                                    std::vector<parameter>& parameters) {
    const foreign_key_link& to_parent = *behavior.association_parent;
    const foreign_key_link& to_target = *behavior.association_target;
    const write_statements statements{*to_parent.child, target.sql_dialect()};
    const std::uint64_t parent_columns = detail::association_columns(to_parent);
    const std::uint64_t row_columns = parent_columns | detail::association_columns(to_target);
    const void* parent = to_parent.parent_object(item);
    // Association rows read nothing back and cannot be refused: they wait for the flush's
    // round trip (an error still names the statement and its values).
    const auto write = [&](const std::string& text, std::uint64_t columns, const void* linked) {
        parameters.clear();
        detail::bind_association_row(columns, to_parent, parent, to_target, linked, parameters);
        target.execute_held(text, parameters, {}, false);
    };
    if (deleted) {
        write(statements.remove_matching(parent_columns), parent_columns, nullptr);
        return;
    }
    const auto& collection = static_cast<const collection_member&>(behavior.member->of(item));
    // A target being deleted takes all its rows with it (its own mapper deletes them). Each text
    // is looked up once per collection, not per row.
    if (!collection.removed().empty()) {
        const std::string& text = statements.remove_matching(row_columns);
        for (const auto& removed : collection.removed())
            if (removed->status != object_status::deleted) write(text, row_columns, to_target.parent_object(*removed));
    }
    if (!collection.added().empty()) {
        const std::string& text = statements.insert(row_columns, 0);
        for (const auto& added : collection.added())
            if (added->status != object_status::deleted) write(text, row_columns, to_target.parent_object(*added));
    }
}

}  // namespace strata::orm
