// strata/orm/impl/relationship_load.hpp - the definitions behind strata/orm/relationship_load.hpp.
//
// Included by that header in header-only builds; under STRATA_SEPARATE_COMPILATION only by
// src/strata.cpp, so they are compiled once per program.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "strata/detail/linkage.hpp"
#include "strata/orm/query_base.hpp"
#include "strata/orm/relationship_keys.hpp"
#include "strata/orm/relationship_load.hpp"
#include "strata/orm/session.hpp"
#include "strata/sql/node.hpp"

namespace strata::orm {

STRATA_COMPILED_LINKAGE std::size_t column_position(const model_info& info, std::string_view name) {
    for (std::size_t i = 0; i < info.columns.size(); ++i)
        if (info.columns[i].name == name) return i;
    return 0;  // not reached: the mapping's checks found every key column
}

STRATA_COMPILED_LINKAGE std::optional<std::vector<tracked_pointer>> load_children(const collection_load_plan& plan,
                                                                                  session& owner,
                                                                                  const void* parent_object,
                                                                                  bool autoflush) {
    std::vector<sql::node_ptr> conditions;
    conditions.reserve(plan.parent_columns.size());
    for (std::size_t i = 0; i < plan.parent_columns.size(); ++i) {
        auto value = plan.parent->columns[plan.parent_columns[i]].bind(parent_object);
        if (value.is_null()) return std::nullopt;  // no key, no children
        conditions.push_back(sql::make_operator(
            sql::node_kind::binary, " = ", sql::precedence::comparison,
            {plan.target->columns[plan.child_columns[i]].column_node(), sql::make_parameter(value)}));
    }
    described_query children{owner, *plan.target};
    children.filter(all_of(std::move(conditions)));
    children.order_by({{plan.target->columns[plan.target->primary_key[0]].column_node(), {}, {}}});
    children.set_autoflush(autoflush);
    std::vector<tracked_pointer> loaded;
    children.load_each(plan.target_objects(owner),
                       [&loaded](tracked_pointer child) { loaded.push_back(std::move(child)); });
    return loaded;
}

namespace detail {
/// Whether two bound key values are the same value (kinds first: a key's columns agree on them).
inline bool same_key_value(const parameter& left, const parameter& right) noexcept {
    if (left.kind() != right.kind() || left.is_null() != right.is_null()) return false;
    if (left.is_null()) return true;
    switch (left.kind()) {
        case value_kind::boolean:
            return left.as_bool() == right.as_bool();
        case value_kind::integer:
            return left.as_integer() == right.as_integer();
        case value_kind::real:
            return left.as_real() == right.as_real();
        case value_kind::text:
        case value_kind::blob:
            return left.as_text() == right.as_text();
        case value_kind::timestamp:
            return left.as_timestamp() == right.as_timestamp();
        case value_kind::null:
            break;
    }
    return true;
}
/// A parent key's values, owned (compared and hashed as one key).
struct bound_key {
    std::vector<parameter> values;
    friend bool operator==(const bound_key& left, const bound_key& right) noexcept {
        if (left.values.size() != right.values.size()) return false;
        for (std::size_t i = 0; i < left.values.size(); ++i)
            if (!same_key_value(left.values[i], right.values[i])) return false;
        return true;
    }
};
struct bound_key_hash {
    std::size_t operator()(const bound_key& key) const noexcept {
        std::uint64_t hash = 0x5e1ec7;
        for (const auto& value : key.values) hash = sql::detail::mix(hash, fingerprint(value));
        return static_cast<std::size_t>(hash);
    }
};
/// The values of `columns` of `object` (a `info` object), owned; false when one is NULL.
inline bool read_key(const model_info& info, const std::vector<std::size_t>& columns, const void* object,
                     bound_key& key) {
    key.values.clear();
    for (const auto column : columns) {
        auto value = info.columns[column].bind(object);
        if (value.is_null()) return false;
        key.values.push_back(value.to_owned());
    }
    return true;
}
}  // namespace detail

STRATA_COMPILED_LINKAGE void select_children(const collection_load_plan& plan, session& owner,
                                             const std::vector<tracked_object*>& parents,
                                             selectin_batch_runner run_batch) {
    // The parents whose collection is not loaded, by key; their collections are marked loaded.
    std::vector<detail::bound_key> keys;
    std::unordered_map<detail::bound_key, std::vector<void*>, detail::bound_key_hash> by_key;
    detail::bound_key key;
    for (auto* parent : parents) {
        void* collection = plan.collection_of(*parent);
        if (plan.is_loaded(collection)) continue;
        plan.start_loading(collection);
        if (!detail::read_key(*plan.parent, plan.parent_columns, plan.parent_object_of(*parent), key)) continue;
        auto& owners = by_key[key];
        if (owners.empty()) keys.push_back(key);
        owners.push_back(collection);
    }
    if (keys.empty()) return;
    const auto target_dialect = owner.connection().sql_dialect();
    std::vector<sql::node_ptr> columns;
    for (const auto column : plan.child_columns) columns.push_back(plan.target->columns[column].column_node());
    constexpr std::size_t batch_size = 500;
    for (std::size_t start = 0; start < keys.size(); start += batch_size) {
        const auto end = std::min(keys.size(), start + batch_size);
        sql::node_ptr condition;
        if (columns.size() == 1) {
            std::vector<sql::node_ptr> items;
            items.reserve(end - start);
            for (std::size_t k = start; k < end; ++k) items.push_back(sql::make_parameter(keys[k].values[0]));
            condition = sql::make_operator(sql::node_kind::binary, " IN ", sql::precedence::comparison,
                                           {columns[0], sql::make_value_list(std::move(items))});
        } else {
            // (a, b) IN ((..), ..) - SQLite: IN (VALUES (..), ..), which its row values read since 3.15
            std::vector<sql::node_ptr> rows;
            rows.reserve(end - start);
            for (std::size_t k = start; k < end; ++k) {
                std::vector<sql::node_ptr> values;
                for (const auto& value : keys[k].values) values.push_back(sql::make_parameter(value));
                rows.push_back(sql::make_operator(sql::node_kind::list, "", sql::precedence::atom, std::move(values)));
            }
            condition = sql::make_operator(
                sql::node_kind::binary, " IN ", sql::precedence::comparison,
                {sql::make_operator(sql::node_kind::list, "", sql::precedence::atom, columns),
                 sql::make_operator(sql::node_kind::list, target_dialect == dialect::sqlite ? "VALUES " : "",
                                    sql::precedence::atom, std::move(rows))});
        }
        std::vector<sql::order_item> order;
        for (const auto& column : columns) order.push_back({column, {}, {}});
        order.push_back({plan.target->columns[plan.target->primary_key[0]].column_node(), {}, {}});
        // Children come ordered by their key: look each parent group up once, not per child.
        const std::vector<void*>* owners = nullptr;
        detail::bound_key child_key;
        detail::bound_key last_key;
        run_batch(std::move(condition), std::move(order), [&](const tracked_object& child, const void* handle) {
            if (!detail::read_key(*plan.target, plan.child_columns, plan.child_object_of(child), child_key)) return;
            if (owners == nullptr || !(child_key == last_key)) {
                const auto found = by_key.find(child_key);
                if (found == by_key.end()) return;
                owners = &found->second;
                last_key = child_key;
            }
            for (auto* collection : *owners) plan.append(collection, handle);
        });
    }
}

}  // namespace strata::orm
