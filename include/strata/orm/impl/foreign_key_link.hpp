// strata/orm/impl/foreign_key_link.hpp - the definitions behind strata/orm/foreign_key_link.hpp.
//
// Included by that header in header-only builds; under STRATA_SEPARATE_COMPILATION only by
// src/strata.cpp, so they are compiled once per program.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "strata/core/error.hpp"
#include "strata/core/value.hpp"
#include "strata/detail/linkage.hpp"
#include "strata/orm/foreign_key_link.hpp"

namespace strata::orm {

STRATA_COMPILED_LINKAGE void foreign_key_journal::save(const foreign_key_link& link, void* child) {
    keys_.push_back({&link, child, values_.size()});
    for (const std::size_t column : link.foreign_key)
        values_.push_back(link.child->columns[column].bind(child).to_owned());
}

STRATA_COMPILED_LINKAGE void foreign_key_journal::give_back() {
    for (auto saved = keys_.rbegin(); saved != keys_.rend(); ++saved) {
        const foreign_key_link& link = *saved->link;
        for (std::size_t i = 0; i < link.foreign_key.size(); ++i) {
            const auto& column = link.child->columns[link.foreign_key[i]];
            const parameter& value = values_[saved->first_value + i];
            if (value.is_null())
                column.unset(saved->child);
            else
                column.read(saved->child, detail::parameter_reader{value}, 0);
        }
    }
    keys_.clear();
    values_.clear();
}

STRATA_COMPILED_LINKAGE void point_foreign_key(const foreign_key_link& link, void* child, const void* parent) {
    for (std::size_t i = 0; i < link.foreign_key.size(); ++i) {
        const parameter value = link.parent->columns[link.referenced[i]].bind(parent);
        link.child->columns[link.foreign_key[i]].read(child, detail::parameter_reader{value}, 0);
    }
}

STRATA_COMPILED_LINKAGE void clear_foreign_key(const foreign_key_link& link, void* child) noexcept {
    for (const std::size_t column : link.foreign_key) link.child->columns[column].unset(child);
}

STRATA_COMPILED_LINKAGE bool foreign_key_points_at(const foreign_key_link& link, const void* child,
                                                   const void* parent) {
    for (std::size_t i = 0; i < link.foreign_key.size(); ++i) {
        const auto& column = link.child->columns[link.foreign_key[i]];  // of the referenced column's type
        if (!detail::same_column_value(column, column.bind(child),
                                       link.parent->columns[link.referenced[i]].bind(parent)))
            return false;
    }
    return true;
}

STRATA_COMPILED_LINKAGE std::string describe_foreign_key(const foreign_key_link& link) {
    std::string text = std::string{link.child->table} + ".";
    if (link.foreign_key.size() > 1) text += "(";
    for (std::size_t i = 0; i < link.foreign_key.size(); ++i) {
        if (i > 0) text += ", ";
        text += link.child->columns[link.foreign_key[i]].name;
    }
    if (link.foreign_key.size() > 1) text += ")";
    return text;
}

STRATA_COMPILED_LINKAGE void point_reference(const foreign_key_link& link, std::string_view name,
                                             const reference_member& member, void* child,
                                             foreign_key_journal& journal) {
    if (!member.changed()) return;
    const auto referenced = member.current_target();
    journal.save(link, child);  // what the user's object held, should the flush fail
    if (referenced && referenced->status == object_status::pending && !referenced->row_written) {
        // Its target is new and not inserted yet (a cycle of new objects): this row goes in with
        // NULL and write_updates points it once the target's row exists.
        if (link.nullable) {
            clear_foreign_key(link, child);
            return;
        }
        throw usage_error("relationship '" + std::string{name} + "' is part of a cycle of new objects, and " +
                          describe_foreign_key(link) +
                          " is not nullable: make it std::optional so that one row can be inserted first and "
                          "pointed after");
    }
    if (referenced) {
        point_foreign_key(link, child, link.parent_object(*referenced));
    } else if (link.nullable) {
        clear_foreign_key(link, child);
    } else {
        throw usage_error("relationship '" + std::string{name} + "' was set to no object but " +
                          describe_foreign_key(link) + " is not nullable: declare it std::optional or set an object");
    }
}

STRATA_COMPILED_LINKAGE void point_added_children(const foreign_key_link& link, const collection_member& collection,
                                                  const void* parent, foreign_key_journal& journal) {
    for (const auto& added : collection.added()) {
        void* child = link.child_object(*added);
        journal.save(link, child);
        point_foreign_key(link, child, parent);
    }
}

}  // namespace strata::orm
