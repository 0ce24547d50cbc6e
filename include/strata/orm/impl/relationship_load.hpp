// strata/orm/impl/relationship_load.hpp - the definitions behind strata/orm/relationship_load.hpp.
//
// Included by that header in header-only builds; under STRATA_SEPARATE_COMPILATION only by
// src/strata.cpp, so they are compiled once per program.
#pragma once

#include <algorithm>
#include <cstddef>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

#include "strata/core/error.hpp"
#include "strata/detail/function_ref.hpp"
#include "strata/detail/linkage.hpp"
#include "strata/orm/foreign_key_link.hpp"
#include "strata/orm/model.hpp"
#include "strata/orm/query_base.hpp"
#include "strata/orm/relationship_keys.hpp"
#include "strata/orm/relationship_load.hpp"
#include "strata/orm/session.hpp"
#include "strata/sql/expression.hpp"
#include "strata/sql/node.hpp"

namespace strata::orm {

namespace detail {
/// `columns` of `model` IN `keys` (keys_in: one row of values per key).
inline sql::node_ptr columns_in(const model_info& model, std::span<const std::size_t> columns,
                                std::span<const key_values* const> keys, dialect target) {
    std::vector<sql::node_ptr> column_nodes;
    for (const auto column : columns) column_nodes.push_back(model.columns[column].column_node());
    std::vector<sql::node_ptr> values;
    values.reserve(keys.size() * columns.size());
    for (const auto* key : keys)
        for (std::size_t column = 0; column < key->size(); ++column)
            values.push_back(sql::make_parameter((*key)[column]));
    return keys_in(std::move(column_nodes), std::move(values), target, model.columns[columns[0]].array_type);
}

/// selectinload's statements: `base` once per selectin_batch_size of `keys`, restricted to
/// `columns` (of `model`) IN the batch, with `options`, without autoflush (the parents' query
/// flushed just before, and no user code ran since), populate_existing with `refill`; `each`
/// takes every object loaded.
inline void load_in_batches(const described_query& base, const model_info& model, std::span<const std::size_t> columns,
                            std::span<const key_values* const> keys, const option_list& options, bool refill,
                            model_objects& objects, strata::detail::function_ref<void(tracked_pointer)> each) {
    for (std::size_t start = 0; start < keys.size(); start += selectin_batch_size) {
        described_query batch = base;
        batch.filter(columns_in(model, columns, keys.subspan(start, std::min(selectin_batch_size, keys.size() - start)),
                                objects.sql_dialect()));
        batch.set_autoflush(false);
        batch.set_populate_existing(refill);
        batch.set_options(options);
        batch.load_each(objects, each);
    }
}

/// The relationship members of a selectinload's parents, grouped by a key of the parents. One
/// type for the three kinds of relationship: header-only, each hash table type costs every
/// translation unit its instantiation (about 15 MB of the compiler's memory).
struct members_by_key {
    /// Each key's members (the keys owned: the map outlives the parents' reads).
    std::unordered_map<key_values, std::vector<relationship_member*>, key_values::hash> by_key;
    std::vector<const key_values*> keys;  ///< into by_key, in the parents' order
};

/// The members `member` of `parents` not loaded yet, grouped by the parents' `columns` (of
/// `model`, their objects found by `object_of`). A collection is marked loaded, to be filled by
/// the caller; a reference is set to none, for the caller to point at its target if a row has
/// its key. Options chained under the load (`chained`) must reach the targets of members loaded
/// before too, as SQLAlchemy's selectinload does: their parents' keys are selected as well, with
/// no member to fill. `refill` (populate_existing) takes the loaded members as unloaded.
inline members_by_key members_to_load(const relationship_member_info& member, const model_info& model,
                                      std::span<const std::size_t> columns, void* (*object_of)(tracked_object&),
                                      std::span<const tracked_pointer> parents, bool chained, bool refill) {
    members_by_key grouped;
    key_values key;
    for (const auto& tracked : parents) {
        relationship_member& held = member.of(*tracked);
        const bool loaded = held.is_loaded() && !refill;
        if (loaded && !chained) continue;
        const bool has_key = key.read(model, columns, object_of(*tracked), true);
        if (!loaded) {
            if (member.collection)
                static_cast<collection_member&>(held).start_loading();
            else
                static_cast<reference_member&>(held).assign({});
        }
        if (!has_key) continue;
        const auto [group, added] = grouped.by_key.try_emplace(key);
        if (added) grouped.keys.push_back(&group->first);
        if (!loaded) group->second.push_back(&held);
    }
    return grouped;
}

/// ORDER BY `columns` of `model`, in order.
inline void append_order(std::vector<sql::order_item>& order, const model_info& model,
                         std::span<const std::size_t> columns) {
    for (const auto column : columns) order.push_back({model.columns[column].column_node(), {}, {}});
}

}  // namespace detail

STRATA_COMPILED_LINKAGE tracked_pointer referenced_in_session(const relationship_behavior& behavior, session& owner,
                                                              const void* holder) {
    if (!behavior.references_primary_key()) return nullptr;
    key_values key;
    if (!key.read(*behavior.link->child, behavior.link->foreign_key, holder, false)) return nullptr;
    return behavior.target_objects(owner).find_by_key(key);
}

STRATA_COMPILED_LINKAGE void lazy_load_reference(const relationship_behavior& behavior, session& owner,
                                                 const void* holder, reference_member& reference, bool autoflush) {
    const foreign_key_link& key = *behavior.link;
    key_values values;
    if (!values.read(*key.child, key.foreign_key, holder, false)) {
        reference.assign({});
        return;
    }
    model_objects& targets = behavior.target_objects(owner);
    if (behavior.references_primary_key()) {
        // identity map first (often no SQL); the session's get, without autoflush for a change
        if (auto found = targets.find_by_key(values); found && !found->expired) {
            if (found->status == object_status::deleted) found.reset();
            reference.assign(std::move(found));
            return;
        }
        reference.assign(described_query::load_by_key(owner, targets, values.to_vector(), false, autoflush));
        return;
    }
    // the key references other (unique) columns than the primary key: ask the database
    described_query target{owner, *key.parent};
    target.filter_by_columns(*key.parent, key.referenced, values.to_vector());
    target.set_autoflush(autoflush);
    target.set_limit(1);
    tracked_pointer found;
    target.load_each(targets, [&found](tracked_pointer object) {
        if (!found) found = std::move(object);
    });
    reference.assign(std::move(found));
}

STRATA_COMPILED_LINKAGE void selectin_load_children(const relationship_behavior& behavior, session& owner,
                                                    std::span<const tracked_pointer> parents, const option_list& nested,
                                                    bool refill) {
    const foreign_key_link& key = *behavior.link;
    auto grouped = detail::members_to_load(*behavior.member, *key.parent, key.referenced, key.parent_object, parents,
                                           !nested.empty(), refill);
    const auto& by_key = grouped.by_key;  // named, not bound: clang 14 cannot capture a binding
    const auto& keys = grouped.keys;
    if (keys.empty()) return;

    const auto& child = *key.child;
    described_query children{owner, child};
    std::vector<sql::order_item> order;
    detail::append_order(order, child, key.foreign_key);
    detail::append_order(order, child, child.primary_key.first(1));
    children.order_by(std::move(order));
    // Children come ordered by their key: look each parent group up once, not per child;
    // and as each row loads, while the child is still in cache.
    const std::vector<relationship_member*>* owners = nullptr;
    const key_values* owners_key = nullptr;
    key_values child_key;
    detail::load_in_batches(children, child, key.foreign_key, keys, nested, refill, behavior.target_objects(owner),
                            [&](const tracked_pointer& loaded) {
                                const void* object = key.child_object(*loaded);
                                if (owners_key == nullptr || !owners_key->held_by(child, key.foreign_key, object)) {
                                    if (!child_key.read(child, key.foreign_key, object, false)) return;
                                    const auto found = by_key.find(child_key);
                                    if (found == by_key.end()) return;
                                    owners_key = &found->first;
                                    owners = &found->second;
                                }
                                for (auto* collection : *owners)
                                    static_cast<collection_member*>(collection)->append(loaded);
                            });
}

STRATA_COMPILED_LINKAGE void follow_unflushed_changes(session& owner, const relationship_behavior& behavior,
                                                      std::span<const tracked_pointer> filled) {
    if (behavior.inverse == nullptr || filled.empty()) return;  // the target does not declare the other side
    const auto& inverse = *behavior.inverse;
    const auto& member = *behavior.member;
    // Sets and lists of types the loaders use anyway: header-only, a hash map of a type of its
    // own here cost every program 13 MiB of compiler memory (minimal.cpp), these 1 MiB.
    std::unordered_set<const void*> parents;
    for (const auto& parent : filled) parents.insert(parent.get());
    const auto filled_collection_of = [&](const tracked_pointer& parent) -> collection_member* {
        return parent && parents.count(parent.get()) != 0 ? &member.collection_of(*parent) : nullptr;
    };
    if (inverse.collection) {
        behavior.target_objects(owner).for_each_object([&](const tracked_pointer& tracked) {
            const auto& other = inverse.collection_of(*tracked);
            if (!other.changed()) return;
            for (const auto& parent : other.added())
                if (auto* collection = filled_collection_of(parent)) collection->follow(tracked, true);
            for (const auto& parent : other.removed())
                if (auto* collection = filled_collection_of(parent)) collection->follow(tracked, false);
        });
        return;
    }
    // A loaded reference is the session's truth: set by the user, or moved by a collection's add
    // or remove (another parent's, whose change is not flushed yet). A child leaves a filled
    // collection that holds it (its rows put it there) or recorded its addition when its
    // reference names another parent, and joins the filled collection of the parent it names.
    // Not a reference a commit expired with its object and nothing changed since: it is the
    // previous transaction's (unloaded when the object's row loads again), and another
    // transaction may have moved the child meanwhile, as the rows just read say.
    const auto truth = [&](const tracked_pointer& item) -> const reference_member* {
        const auto& reference = inverse.reference_of(*item);
        return reference.is_loaded() && (!item->expired || reference.changed()) ? &reference : nullptr;
    };
    std::vector<tracked_pointer> leaving;
    for (const auto& parent : filled) {
        auto& collection = member.collection_of(*parent);
        leaving.clear();
        const auto check = [&](const tracked_pointer& item) {
            const auto* reference = truth(item);
            if (reference != nullptr && reference->current_target() != parent) leaving.push_back(item);
        };
        for (const auto& item : collection.loaded_entries()) check(item);
        for (const auto& item : collection.added()) check(item);
        for (const auto& item : leaving) collection.follow(item, false);
    }
    behavior.target_objects(owner).for_each_object([&](const tracked_pointer& tracked) {
        const auto* reference = truth(tracked);
        if (reference == nullptr) return;
        if (auto* collection = filled_collection_of(reference->current_target())) collection->follow(tracked, true);
    });
}

STRATA_COMPILED_LINKAGE std::vector<int> add_model_columns(sql::select_core& core, const model_info& info,
                                                           const sql::table_ref& table) {
    std::vector<int> positions(info.columns.size());
    for (std::size_t i = 0; i < info.columns.size(); ++i) {
        positions[i] = static_cast<int>(core.columns.size());
        core.columns.push_back(table.alias.empty() ? info.columns[i].column_node()
                                                   : sql::make_column(table, info.columns[i].name));
    }
    return positions;
}

STRATA_COMPILED_LINKAGE void joined_run::on_row(session& owner, const tracked_pointer& object,
                                                const field_reader& row) {
    if (targets_ == nullptr) targets_ = &behavior_->target_objects(owner);
    const model_info& target = targets_->info();
    tracked_pointer loaded;
    if (!row.is_null(static_cast<std::size_t>(positions_[target.primary_key[0]])))  // else no match
        loaded = targets_->load_row(row, positions_, target.all_columns_mask, false);
    const relationship_member_info& member = *behavior_->member;
    if (member.collection) {
        auto& collection = member.collection_of(*object);
        // A parent's rows usually come together: only a change of parent asks the sets.
        const void* current = object.get();
        if (current != last_parent_) {
            last_parent_ = current;
            if (!collection.is_loaded()) {
                collection.start_loading();  // the first row of a parent not loaded before
                seen_.insert(current);
                if (!owner.options().autoflush) filled_.push_back(object);  // for finish()
                filling_ = true;
            } else if (seen_.count(current) != 0) {
                filling_ = true;  // started by this run, its rows apart
            } else {
                // Loaded before this run saw it (by the session, or by another option of this
                // query): left as it is, unless populate_existing.
                filling_ = refill_;
                if (refill_) {
                    collection.start_loading();
                    seen_.insert(current);
                }
            }
        }
        if (loaded && filling_) collection.append_unique(std::move(loaded));
    } else if (auto& reference = member.reference_of(*object); refill_ || !reference.is_loaded()) {
        reference.assign(std::move(loaded));
    }
}

STRATA_COMPILED_LINKAGE void joined_run::finish(session& owner, std::span<const tracked_pointer> /*parents*/) {
    // Without autoflush the query wrote nothing first: the rows lack the links made since the
    // last flush, which the session holds (a lazy load follows them the same way).
    if (!owner.options().autoflush) follow_unflushed_changes(owner, *behavior_, filled_);
}

STRATA_COMPILED_LINKAGE std::unique_ptr<option_run> start_joined_run(sql::select_core& core,
                                                                     const relationship_behavior& behavior,
                                                                     const sql::table_ref& target_table, bool refill) {
    const model_info& target = *behavior.target_model;
    if (behavior.member->collection)
        core.order_by.push_back({sql::make_column(target_table, target.columns[target.primary_key[0]].name), {}, {}});
    return std::make_unique<joined_run>(behavior, add_model_columns(core, target, target_table), refill);
}

STRATA_COMPILED_LINKAGE std::unique_ptr<option_run> start_contains_eager(sql::select_core& core,
                                                                         const relationship_behavior& behavior,
                                                                         bool refill) {
    const sql::table_ref table{behavior.target_model->table, {}};
    const bool joined = std::any_of(core.joins.begin(), core.joins.end(),
                                    [&](const sql::join_clause& join) { return join.table == table; });
    if (!joined)
        throw usage_error("contains_eager needs the query to join " + std::string{table.name} +
                          " (query.join(&Model::relationship) or join<Target>(on))");
    // Read as joinedload reads its own join: a collection in key order, after the query's own
    // ORDER BY, which still decides the parents' order.
    return start_joined_run(core, behavior, table, refill);
}

STRATA_COMPILED_LINKAGE sql::table_ref next_alias(const sql::select_core& core, sql::table_ref table) {
    unsigned used = 0;
    for (const auto& join : core.joins)
        if (join.table.name == table.name && !join.table.alias.empty()) ++used;
    return {table.name, sql::numbered_alias(table.name, used + 1)};
}

namespace detail {
/// One side of a join condition: a model's columns under a table's name or alias.
struct joined_columns {
    sql::table_ref table;
    const model_info* model = nullptr;
    std::span<const std::size_t> columns;
};

/// left.a = right.x AND ... pairwise. Both columns of a pair hold one type (check_mapping):
/// decimals compare by value, on SQLite too, as the typed == does.
inline sql::node_ptr columns_equal(const joined_columns& left, const joined_columns& right) {
    std::vector<sql::node_ptr> conditions;
    conditions.reserve(left.columns.size());
    for (std::size_t i = 0; i < left.columns.size(); ++i) {
        const column_accessor& left_column = left.model->columns[left.columns[i]];
        auto left_node = sql::make_column(left.table, left_column.name);
        auto right_node = sql::make_column(right.table, right.model->columns[right.columns[i]].name);
        conditions.push_back(
            left_column.decimal
                ? sql::make_decimal_comparison(" = ", std::move(left_node), true, std::move(right_node), true)
                : sql::make_operator(sql::node_kind::binary, " = ", sql::precedence::comparison,
                                     {std::move(left_node), std::move(right_node)}));
    }
    return all_of(std::move(conditions));
}

/// ON target.key = association.remote: a many-to-many's targets next to its association rows,
/// under the names in `tables`.
inline sql::node_ptr targets_on_association(const relationship_behavior& behavior, const joined_tables& tables) {
    const foreign_key_link& to_target = *behavior.association_target;
    return columns_equal({tables.target, to_target.parent, to_target.referenced},
                         {tables.association, to_target.child, to_target.foreign_key});
}

/// A one-to-many's or many-to-one's join: ON target.a = parent.x AND ... along the foreign key.
inline std::vector<sql::join_clause> foreign_key_joins(const relationship_behavior& behavior, sql::join_kind kind,
                                                       const joined_tables& tables) {
    const foreign_key_link& link = *behavior.link;
    // The targets' columns on the left, as the typed comparisons wrote them: a one-to-many's
    // targets hold the foreign key, a many-to-one's hold the referenced key.
    const bool targets_hold_key = behavior.kind == relationship_kind::one_to_many;
    const model_info& parent = targets_hold_key ? *link.parent : *link.child;
    const detail::joined_columns target{tables.target, behavior.target_model,
                                        targets_hold_key ? link.foreign_key : link.referenced};
    const detail::joined_columns parents{
        {parent.table, {}}, &parent, targets_hold_key ? link.referenced : link.foreign_key};
    std::vector<sql::join_clause> joins;
    joins.push_back({kind, tables.target, detail::columns_equal(target, parents)});
    return joins;
}

/// A many-to-many's joins: the association table's rows next to the parents, then the targets
/// next to those.
inline std::vector<sql::join_clause> association_joins(const relationship_behavior& behavior, sql::join_kind kind,
                                                       const joined_tables& tables) {
    const foreign_key_link& to_parent = *behavior.association_parent;
    // ON association.local = parent.key, then ON target.key = association.remote
    const detail::joined_columns association_to_parent{tables.association, to_parent.child, to_parent.foreign_key};
    const detail::joined_columns parents{{to_parent.parent->table, {}}, to_parent.parent, to_parent.referenced};
    std::vector<sql::join_clause> joins;
    joins.push_back({kind, tables.association, detail::columns_equal(association_to_parent, parents)});
    joins.push_back({kind, tables.target, targets_on_association(behavior, tables)});
    return joins;
}
}  // namespace detail

STRATA_COMPILED_LINKAGE std::vector<sql::join_clause> relationship_joins(const relationship_behavior& behavior,
                                                                         sql::join_kind kind,
                                                                         const joined_tables& tables) {
    return behavior.kind == relationship_kind::many_to_many ? detail::association_joins(behavior, kind, tables)
                                                            : detail::foreign_key_joins(behavior, kind, tables);
}

[[noreturn]] STRATA_COMPILED_LINKAGE void throw_not_a_relationship(std::string_view table) {
    throw usage_error("this member is not a relationship of " + std::string{table} +
                      ": declare one_to_many/many_to_one/many_to_many in its mapping");
}

STRATA_COMPILED_LINKAGE void append_relationship_joins(std::vector<sql::join_clause>& joins,
                                                       const relationship_join& found, sql::join_kind kind) {
    if (found.behavior == nullptr) throw_not_a_relationship(found.parent_table);
    const relationship_behavior& behavior = *found.behavior;
    joined_tables tables{{behavior.target_model->table, {}}, {}};  // under their own names
    if (behavior.association_parent != nullptr) tables.association = {behavior.association_parent->child->table, {}};
    for (auto& join : relationship_joins(behavior, kind, tables)) joins.push_back(std::move(join));
}

namespace detail {
/// The selects of a many-to-many's lazy load and selectinload: its targets, INNER JOIN its
/// association ON target.key = association.remote.
inline described_query association_targets(const relationship_behavior& behavior, session& owner) {
    const model_info& association = *behavior.association_target->child;
    const joined_tables tables{{behavior.target_model->table, {}}, {association.table, {}}};
    described_query targets{owner, *behavior.target_model};
    targets.join({sql::join_kind::inner, tables.association, targets_on_association(behavior, tables)});
    return targets;
}

/// selectin_load_associations' reader of the association's parent key next to each target: the
/// target joins the collections of the parents with that key.
class association_key_reader final : public relationship_option {
public:
    /// The collections to fill, by their parents' key (the columns `to_parent` references).
    association_key_reader(const foreign_key_link& to_parent, const members_by_key& collections) noexcept
        : to_parent_(&to_parent), collections_(&collections) {}

    class run final : public option_run {
    public:
        run(const foreign_key_link& to_parent, const members_by_key& collections, std::size_t first) noexcept
            : to_parent_(&to_parent), collections_(&collections), first_(first) {}
        void on_row(session&, const tracked_pointer& object, const field_reader& row) override {
            if (!key_.read_row(*to_parent_->child, to_parent_->foreign_key, row, first_)) return;
            // A joined collection under this selectinload repeats a target's row once per item;
            // ordered by parent key and target, the repeats come together: the target joins once.
            const bool repeated = object.get() == last_object_ && key_ == last_key_;
            last_object_ = object.get();
            std::swap(key_, last_key_);  // no copy: the next row reads into the older storage
            if (repeated) return;
            const auto owners = collections_->by_key.find(last_key_);
            if (owners == collections_->by_key.end()) return;
            for (auto* collection : owners->second) static_cast<collection_member*>(collection)->append(object);
        }

    private:
        const foreign_key_link* to_parent_;
        const members_by_key* collections_;
        std::size_t first_;
        key_values key_;                               ///< the current row's key
        key_values last_key_;                          ///< the previous row's
        const tracked_object* last_object_ = nullptr;  ///< the previous row's target
    };

    std::unique_ptr<option_run> start(sql::select_core& core, bool /*populate_existing*/) const override {
        const auto first = core.columns.size();
        for (const auto column : to_parent_->foreign_key)
            core.columns.push_back(to_parent_->child->columns[column].column_node());
        return std::make_unique<run>(*to_parent_, *collections_, first);
    }

private:
    const foreign_key_link* to_parent_;
    const members_by_key* collections_;
};
}  // namespace detail

STRATA_COMPILED_LINKAGE void selectin_load_references(const relationship_behavior& behavior, session& owner,
                                                      std::span<const tracked_pointer> parents,
                                                      const option_list& nested, bool refill) {
    // link->child holds the foreign key (the parents), link->parent is the target
    const foreign_key_link& key = *behavior.link;
    auto grouped = detail::members_to_load(*behavior.member, *key.child, key.foreign_key, key.child_object, parents,
                                           !nested.empty(), refill);
    const auto& by_key = grouped.by_key;  // named, not bound: clang 14 cannot capture a binding
    const auto& keys = grouped.keys;
    const model_info& target = *key.parent;
    key_values target_key;
    detail::load_in_batches(described_query{owner, target}, target, key.referenced, keys, nested, refill,
                            behavior.target_objects(owner), [&](const tracked_pointer& loaded) {
                                if (!target_key.read(target, key.referenced, key.parent_object(*loaded), false)) return;
                                const auto owners = by_key.find(target_key);
                                if (owners == by_key.end()) return;
                                for (auto* reference : owners->second)
                                    static_cast<reference_member*>(reference)->assign(loaded);
                            });
}

STRATA_COMPILED_LINKAGE void selectin_load_associations(const relationship_behavior& behavior, session& owner,
                                                        std::span<const tracked_pointer> parents,
                                                        const option_list& nested, bool refill) {
    const foreign_key_link& to_parent = *behavior.association_parent;
    const foreign_key_link& to_target = *behavior.association_target;
    const auto grouped = detail::members_to_load(*behavior.member, *to_parent.parent, to_parent.referenced,
                                                 to_parent.parent_object, parents, !nested.empty(), refill);
    const auto& keys = grouped.keys;
    if (keys.empty()) return;

    auto targets = detail::association_targets(behavior, owner);
    std::vector<sql::order_item> order;
    detail::append_order(order, *to_parent.child, to_parent.foreign_key);
    detail::append_order(order, *to_target.parent, to_target.referenced);
    targets.order_by(std::move(order));
    option_list options = nested;
    options.push_back(std::make_shared<detail::association_key_reader>(to_parent, grouped));
    detail::load_in_batches(targets, *to_parent.child, to_parent.foreign_key, keys, options, refill,
                            behavior.target_objects(owner),
                            [](const tracked_pointer&) {});  // the reader fills the collections
}

namespace detail {
/// A one-to-many's lazy load: the children of `parent_object` WHERE their foreign key = its key,
/// in primary-key order; nullopt (no statement) when its key is NULL.
inline std::optional<described_query> children_query(const relationship_behavior& behavior, session& owner,
                                                     const void* parent_object) {
    const foreign_key_link& key = *behavior.link;
    key_values parent_key;
    if (!parent_key.read(*key.parent, key.referenced, parent_object, false)) return std::nullopt;
    std::optional<described_query> children{std::in_place, owner, *key.child};
    children->filter_by_columns(*key.child, key.foreign_key, parent_key.to_vector());
    std::vector<sql::order_item> order;
    append_order(order, *key.child, key.child->primary_key.first(1));
    children->order_by(std::move(order));
    return children;
}

/// A many-to-many's lazy load: the targets joined to the association rows that hold
/// `parent_object`'s key, in the target's key order; nullopt (no statement) when its key is NULL.
inline std::optional<described_query> association_query(const relationship_behavior& behavior, session& owner,
                                                        const void* parent_object) {
    const foreign_key_link& to_parent = *behavior.association_parent;
    const foreign_key_link& to_target = *behavior.association_target;
    key_values parent_key;
    if (!parent_key.read(*to_parent.parent, to_parent.referenced, parent_object, false)) return std::nullopt;
    std::optional<described_query> targets{association_targets(behavior, owner)};
    targets->filter_by_columns(*to_parent.child, to_parent.foreign_key, parent_key.to_vector());
    std::vector<sql::order_item> order;
    append_order(order, *to_target.parent, to_target.referenced);
    targets->order_by(std::move(order));
    return targets;
}

/// A collection's lazy load: `collection` (of `parent`) filled with what `query` loads (nothing
/// for a NULL key: no query), then, loaded without a flush (for a change, or autoflush off),
/// brought in step with the session's unflushed changes (follow_unflushed_changes).
inline void load_collection(const relationship_behavior& behavior, session& owner, tracked_object& parent,
                            collection_member& collection, std::optional<described_query>& query, bool autoflush) {
    std::vector<tracked_pointer> loaded;  // the collection stays as it was if the query fails
    if (query) {
        query->set_autoflush(autoflush);
        query->load_each(behavior.target_objects(owner),
                         [&loaded](tracked_pointer item) { loaded.push_back(std::move(item)); });
    }
    collection.start_loading();
    if (!query) return;  // no key, no targets
    for (auto& item : loaded) collection.append(std::move(item));
    // Loaded without a flush (for a change, or in a session without autoflush): the database
    // does not know the links made (or unmade) since the last flush; the session does.
    if (!autoflush || !owner.options().autoflush) {
        const tracked_pointer filled[] = {behavior.member->handle(parent)};
        follow_unflushed_changes(owner, behavior, filled);
    }
}
}  // namespace detail

STRATA_COMPILED_LINKAGE void lazy_load(const relationship_behavior& behavior, session& owner, tracked_object& parent,
                                       void* member, bool autoflush) {
    if (behavior.kind == relationship_kind::many_to_one) {
        lazy_load_reference(behavior, owner, behavior.link->child_object(parent),
                            *static_cast<reference_member*>(member), autoflush);
        return;
    }
    auto query = behavior.kind == relationship_kind::one_to_many
                     ? detail::children_query(behavior, owner, behavior.link->parent_object(parent))
                     : detail::association_query(behavior, owner, behavior.association_parent->parent_object(parent));
    detail::load_collection(behavior, owner, parent, *static_cast<collection_member*>(member), query, autoflush);
}

namespace detail {
/// selectin_option's run: loads the targets once every parent is loaded.
class selectin_run final : public option_run {
public:
    selectin_run(const relationship_behavior& behavior, const option_list& nested, bool refill) noexcept
        : behavior_(&behavior), nested_(&nested), refill_(refill) {}
    void finish(session& owner, std::span<const tracked_pointer> parents) override {
        // Without autoflush the query wrote nothing first: the collections it fills follow the
        // links made since the last flush, as a lazy load's do. Not those populate_existing
        // loads again: a loaded collection held the session's changes, which it replaces with
        // the rows' picture (SQLAlchemy applies only the changes an unloaded collection queued).
        std::vector<tracked_pointer> filled;
        if (!owner.options().autoflush && behavior_->member->collection) {
            for (const auto& parent : parents) {
                auto& collection = behavior_->member->collection_of(*parent);
                if (!collection.is_loaded()) filled.push_back(parent);
            }
        }
        load(owner, parents);
        follow_unflushed_changes(owner, *behavior_, filled);
    }

private:
    void load(session& owner, std::span<const tracked_pointer> parents) {
        switch (behavior_->kind) {
            case relationship_kind::one_to_many:
                selectin_load_children(*behavior_, owner, parents, *nested_, refill_);
                break;
            case relationship_kind::many_to_one:
                selectin_load_references(*behavior_, owner, parents, *nested_, refill_);
                break;
            case relationship_kind::many_to_many:
                selectin_load_associations(*behavior_, owner, parents, *nested_, refill_);
                break;
        }
    }

    const relationship_behavior* behavior_;
    const option_list* nested_;
    bool refill_;
};
}  // namespace detail

STRATA_COMPILED_LINKAGE std::unique_ptr<option_run> selectin_option::start(sql::select_core& /*core*/,
                                                                           bool populate_existing) const {
    return std::make_unique<detail::selectin_run>(*behavior_, nested, populate_existing);
}

STRATA_COMPILED_LINKAGE std::unique_ptr<option_run> joined_option::start(sql::select_core& core,
                                                                         bool populate_existing) const {
    // Under aliases (SQLAlchemy's authors_1): the query's own join of the same table, or a
    // model joined to itself (a tree's parent), stays apart from the eager load's.
    joined_tables tables{next_alias(core, {behavior_->target_model->table, {}}), {}};
    if (behavior_->association_parent != nullptr)
        tables.association = next_alias(core, {behavior_->association_parent->child->table, {}});
    for (auto& join :
         relationship_joins(*behavior_, inner_ ? sql::join_kind::inner : sql::join_kind::left_outer, tables))
        core.joins.push_back(std::move(join));
    return start_joined_run(core, *behavior_, tables.target, populate_existing);
}

namespace detail {
/// raise_option's run: sets the relationship's mode on every loaded object.
class relationship_mode_run final : public option_run {
public:
    relationship_mode_run(const relationship_member_info& member, relationship_mode mode) noexcept
        : member_(&member), mode_(mode) {}
    void on_row(session&, const tracked_pointer& object, const field_reader&) override {
        member_->of(*object).set_mode(mode_);
    }

private:
    const relationship_member_info* member_;
    relationship_mode mode_;
};
}  // namespace detail

STRATA_COMPILED_LINKAGE std::unique_ptr<option_run> raise_option::start(sql::select_core&, bool) const {
    return std::make_unique<detail::relationship_mode_run>(*behavior_->member, mode_);
}

}  // namespace strata::orm
