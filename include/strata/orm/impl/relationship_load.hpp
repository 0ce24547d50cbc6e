// strata/orm/impl/relationship_load.hpp - the definitions behind strata/orm/relationship_load.hpp.
//
// Included by that header in header-only builds; under STRATA_SEPARATE_COMPILATION only by
// src/strata.cpp, so they are compiled once per program.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string_view>
#include <unordered_map>
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

namespace detail {

/// A key's values as its columns bind them (owned): a relationship key known only by its
/// description. One column (almost every key) needs no allocation.
struct described_key {
    parameter first;
    std::vector<parameter> rest;  ///< the other columns of a composite key

    /// Whether two values of columns of one storage kind are equal (a foreign key and the
    /// column it references: selectin_option checks their kinds when it is compiled).
    static bool same_value(const parameter& left, const parameter& right) noexcept {
        switch (left.kind()) {
            case value_kind::text:
            case value_kind::blob:
                return left.as_text() == right.as_text();
            case value_kind::real:
                return left.as_real() == right.as_real();
            default:
                return left.as_integer() == right.as_integer();
        }
    }
    friend bool operator==(const described_key& left, const described_key& right) noexcept {
        if (!same_value(left.first, right.first) || left.rest.size() != right.rest.size()) return false;
        for (std::size_t i = 0; i < left.rest.size(); ++i)
            if (!same_value(left.rest[i], right.rest[i])) return false;
        return true;
    }
};

/// Hashes a described_key by the same values its equality compares.
struct described_key_hash {
    static std::size_t of(const parameter& value) noexcept {
        switch (value.kind()) {
            case value_kind::text:
            case value_kind::blob:
                return std::hash<std::string_view>{}(value.as_text());
            case value_kind::real:
                return std::hash<double>{}(value.as_real());
            default:
                return std::hash<std::int64_t>{}(value.as_integer());
        }
    }
    std::size_t operator()(const described_key& key) const noexcept {
        std::size_t hash = of(key.first);
        for (const auto& value : key.rest) hash = hash * 1000003 ^ of(value);
        return hash;
    }
};

/// The values of `columns` (of the model `info`) in `object`; false, leaving `key` partly
/// filled, when any is NULL (a partial key references nothing). `owned`: copies of text, not views.
inline bool read_described_key(const model_info& info, std::span<const std::size_t> columns, const void* object,
                               described_key& key, bool owned) {
    key.rest.clear();
    for (std::size_t i = 0; i < columns.size(); ++i) {
        auto value = info.columns[columns[i]].bind(object);
        if (value.is_null()) return false;
        if (owned) value = value.to_owned();
        if (i == 0)
            key.first = std::move(value);
        else
            key.rest.push_back(std::move(value));
    }
    return true;
}

/// Whether the values of `columns` in `object` equal `key` (none is NULL).
inline bool described_key_equals(const model_info& info, std::span<const std::size_t> columns, const void* object,
                                 const described_key& key) {
    for (std::size_t i = 0; i < columns.size(); ++i) {
        const auto value = info.columns[columns[i]].bind(object);
        if (value.is_null() || !described_key::same_value(value, i == 0 ? key.first : key.rest[i - 1])) return false;
    }
    return true;
}

}  // namespace detail

namespace detail {

/// The values of `holder`'s foreign-key columns; empty when any is NULL (references nothing).
inline std::vector<parameter> foreign_key_values(const foreign_key_link& key, const void* holder) {
    std::vector<parameter> values;
    values.reserve(key.foreign_key.size());
    for (const auto column : key.foreign_key) {
        auto value = key.child->columns[column].bind(holder);
        if (value.is_null()) return {};
        values.push_back(std::move(value));
    }
    return values;
}

}  // namespace detail

STRATA_COMPILED_LINKAGE tracked_pointer referenced_in_session(const reference_load_plan& plan, session& owner,
                                                              const void* holder) {
    if (!plan.references_primary_key) return nullptr;
    const auto key = detail::foreign_key_values(*plan.key, holder);
    if (key.empty()) return nullptr;
    return plan.target_objects(owner).find_by_key(key);
}

STRATA_COMPILED_LINKAGE void lazy_load_reference(const reference_load_plan& plan, session& owner, const void* holder,
                                                 reference_member& reference, bool autoflush) {
    const foreign_key_link& key = *plan.key;
    const auto values = detail::foreign_key_values(key, holder);
    if (values.empty()) {
        reference.assign({});
        return;
    }
    model_objects& targets = plan.target_objects(owner);
    if (plan.references_primary_key) {
        // identity map first (often no SQL); the session's get, without autoflush for a change
        if (auto found = targets.find_by_key(values); found && !found->expired) {
            if (found->status == object_status::deleted) found.reset();
            reference.assign(std::move(found));
            return;
        }
        reference.assign(described_query::load_by_key(owner, targets, values, false, autoflush));
        return;
    }
    // the key references other (unique) columns than the primary key: ask the database
    std::vector<sql::node_ptr> conditions;
    conditions.reserve(values.size());
    for (std::size_t i = 0; i < values.size(); ++i)
        conditions.push_back(
            sql::make_operator(sql::node_kind::binary, " = ", sql::precedence::comparison,
                               {key.parent->columns[key.referenced[i]].column_node(), sql::make_parameter(values[i])}));
    described_query target{owner, *key.parent};
    target.filter(all_of(std::move(conditions)));
    target.set_autoflush(autoflush);
    target.set_limit(1);
    tracked_pointer found;
    target.load_each(targets, [&found](tracked_pointer object) {
        if (!found) found = std::move(object);
    });
    reference.assign(std::move(found));
}

STRATA_COMPILED_LINKAGE void selectin_load_children(const collection_load_plan& plan,
                                                    const relationship_member_info& member, session& owner,
                                                    dialect target_dialect, std::span<const tracked_pointer> parents,
                                                    const option_list& nested) {
    const foreign_key_link& key = *plan.key;
    // The unloaded parents grouped by their key; their collections are marked loaded, to be
    // filled below.
    std::vector<detail::described_key> keys;
    std::unordered_map<detail::described_key, std::vector<collection_member*>, detail::described_key_hash> by_key;
    detail::described_key parent_key;
    for (const auto& tracked : parents) {
        auto& collection = member.collection_of(*tracked);
        if (collection.is_loaded()) continue;
        collection.start_loading();
        if (!detail::read_described_key(*key.parent, key.referenced, key.parent_object(*tracked), parent_key, true))
            continue;  // no key, no children
        auto& owners = by_key[parent_key];
        if (owners.empty()) keys.push_back(parent_key);
        owners.push_back(&collection);
    }
    if (keys.empty()) return;

    const auto& child = *key.child;
    std::vector<sql::order_item> order;
    for (const auto column : key.foreign_key) order.push_back({child.columns[column].column_node(), {}, {}});
    order.push_back({child.columns[child.primary_key[0]].column_node(), {}, {}});
    model_objects& children_objects = plan.target_objects(owner);
    for (std::size_t start = 0; start < keys.size(); start += selectin_batch_size) {
        const auto end = std::min(keys.size(), start + selectin_batch_size);
        // a IN ($1, ...) for one column; (a, b) IN (($1, $2), ...) - SQLite: IN (VALUES (?, ?), ...) - for several
        std::vector<sql::node_ptr> items;
        items.reserve(end - start);
        for (std::size_t i = start; i < end; ++i) {
            if (key.foreign_key.size() == 1) {
                items.push_back(sql::make_parameter(keys[i].first));
                continue;
            }
            std::vector<sql::node_ptr> values{sql::make_parameter(keys[i].first)};
            for (const auto& value : keys[i].rest) values.push_back(sql::make_parameter(value));
            items.push_back(sql::make_operator(sql::node_kind::list, "", sql::precedence::atom, std::move(values)));
        }
        sql::node_ptr condition;
        if (key.foreign_key.size() == 1) {
            condition = sql::make_operator(
                sql::node_kind::binary, " IN ", sql::precedence::comparison,
                {child.columns[key.foreign_key[0]].column_node(), sql::make_value_list(std::move(items))});
        } else {
            std::vector<sql::node_ptr> columns;
            for (const auto column : key.foreign_key) columns.push_back(child.columns[column].column_node());
            condition = sql::make_operator(
                sql::node_kind::binary, " IN ", sql::precedence::comparison,
                {sql::make_operator(sql::node_kind::list, "", sql::precedence::atom, std::move(columns)),
                 sql::make_operator(sql::node_kind::list, target_dialect == dialect::sqlite ? "VALUES " : "",
                                    sql::precedence::atom, std::move(items))});
        }
        described_query children{owner, child};
        children.filter(std::move(condition));
        children.order_by(order);
        children.set_autoflush(false);
        children.set_options(nested);
        // Children come ordered by their key: look each parent group up once, not per child;
        // and as each row loads, while the child is still in cache.
        const std::vector<collection_member*>* owners = nullptr;
        const detail::described_key* owners_key = nullptr;
        detail::described_key child_key;
        children.load_each(children_objects, [&](const tracked_pointer& loaded) {
            const void* object = key.child_object(*loaded);
            if (owners_key == nullptr || !detail::described_key_equals(child, key.foreign_key, object, *owners_key)) {
                if (!detail::read_described_key(child, key.foreign_key, object, child_key, false)) return;
                const auto found = by_key.find(child_key);
                if (found == by_key.end()) return;
                owners_key = &found->first;
                owners = &found->second;
            }
            for (auto* collection : *owners) collection->append(loaded);
        });
    }
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
