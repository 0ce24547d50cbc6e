// strata/orm/impl/relationship_load.hpp - the definitions behind strata/orm/relationship_load.hpp.
//
// Included by that header in header-only builds; under STRATA_SEPARATE_COMPILATION only by
// src/strata.cpp, so they are compiled once per program.
#pragma once

#include <algorithm>
#include <cstddef>
#include <optional>
#include <string_view>
#include <utility>
#include <vector>

#include "strata/detail/linkage.hpp"
#include "strata/orm/query_base.hpp"
#include "strata/orm/relationship_keys.hpp"
#include "strata/orm/relationship_load.hpp"
#include "strata/sql/node.hpp"

namespace strata::orm {

STRATA_COMPILED_LINKAGE std::optional<std::vector<tracked_pointer>> load_children(const collection_load_plan& plan,
                                                                                  session& owner,
                                                                                  const void* parent_object,
                                                                                  bool autoflush) {
    const foreign_key_link& key = *plan.key;
    std::vector<sql::node_ptr> conditions;
    conditions.reserve(key.referenced.size());
    for (std::size_t i = 0; i < key.referenced.size(); ++i) {
        auto value = key.parent->columns[key.referenced[i]].bind(parent_object);
        if (value.is_null()) return std::nullopt;  // no key, no children
        conditions.push_back(
            sql::make_operator(sql::node_kind::binary, " = ", sql::precedence::comparison,
                               {key.child->columns[key.foreign_key[i]].column_node(), sql::make_parameter(value)}));
    }
    described_query children{owner, *key.child};
    children.filter(all_of(std::move(conditions)));
    children.order_by({{key.child->columns[key.child->primary_key[0]].column_node(), {}, {}}});
    children.set_autoflush(autoflush);
    std::vector<tracked_pointer> loaded;
    children.load_each(plan.target_objects(owner),
                       [&loaded](tracked_pointer child) { loaded.push_back(std::move(child)); });
    return loaded;
}

STRATA_COMPILED_LINKAGE void lazy_load_children(const collection_load_plan& plan, const relationship_behavior& behavior,
                                                session& owner, tracked_object& parent, const void* parent_object,
                                                collection_member& collection, bool autoflush) {
    auto children = load_children(plan, owner, parent_object, autoflush);
    collection.start_loading();
    if (!children) return;  // no key, no children
    for (auto& child : *children) collection.append(std::move(child));
    // Loaded for a change, without a flush: the database does not know the children pointed
    // here (or away) through their many-to-one since the last flush; the session does.
    if (!autoflush) follow_unflushed_changes(owner, behavior, parent, collection);
}

STRATA_COMPILED_LINKAGE void follow_unflushed_changes(session& owner, const relationship_behavior& behavior,
                                                      const tracked_object& parent, collection_member& collection) {
    if (behavior.inverse == nullptr) return;  // the target does not declare the other side
    const auto& inverse = *behavior.inverse;
    const tracked_object* self = &parent;
    const auto names_self = [self](const std::vector<tracked_pointer>& items) {
        return std::any_of(items.begin(), items.end(),
                           [self](const tracked_pointer& item) { return item.get() == self; });
    };
    behavior.target_objects(owner).for_each_object([&](const tracked_pointer& tracked) {
        if (!inverse.collection) {
            // A loaded reference is the session's truth: set by the user, or moved by a
            // collection's add or remove (another parent's, whose change is not flushed yet).
            const auto& reference = inverse.reference_of(*tracked);
            if (!reference.is_loaded()) return;
            const auto current = reference.current_target();
            collection.follow(tracked, current && current.get() == self);
            return;
        }
        const auto& other = inverse.collection_of(*tracked);
        if (!other.changed()) return;
        if (names_self(other.added())) collection.follow(tracked, true);
        if (names_self(other.removed())) collection.follow(tracked, false);
    });
}

}  // namespace strata::orm
