// strata/orm/impl/model_objects.hpp - the definitions behind strata/orm/model_objects.hpp.
//
// Included by that header in header-only builds; under STRATA_SEPARATE_COMPILATION only by
// src/strata.cpp, so they are compiled once per program.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "strata/core/error.hpp"
#include "strata/detail/linkage.hpp"
#include "strata/orm/association_rows.hpp"
#include "strata/orm/foreign_key_link.hpp"
#include "strata/orm/model.hpp"
#include "strata/orm/model_objects.hpp"
#include "strata/orm/object_graph.hpp"
#include "strata/orm/relationship_member.hpp"

namespace strata::orm {

STRATA_COMPILED_LINKAGE model_objects::model_objects(session* owner, dialect target, relationship_mode relationships,
                                                     const model_info& info,
                                                     std::span<const relationship_member_info> members,
                                                     std::span<const relationship_behavior* const> behaviors,
                                                     const row_loading& loading)
    : owner_(owner),
      dialect_(target),
      info_(info),
      loading_(&loading),
      statements_(info, target),
      relationships_(relationships),
      touched_(owner),
      relationship_members_(members),
      relationship_behaviors_(behaviors),
      self_referential_(std::any_of(behaviors.begin(), behaviors.end(),
                                    [](const relationship_behavior* each) { return each->self_referential; })) {}

STRATA_COMPILED_LINKAGE model_objects::~model_objects() = default;

STRATA_COMPILED_LINKAGE bool model_objects::has_loaded_relationships() {
    if (!has_relationships()) return false;
    bool found = false;
    const auto check = [&](const tracked_pointer& item) {
        if (!found) visit_loaded_targets(*item, [&found](const void*, bool) { found = true; });
    };
    for_each_mapped(check);
    for (const auto& item : pending_) check(item);
    return found;
}

STRATA_COMPILED_LINKAGE void model_objects::describe_graph(object_graph& graph) {
    // Objects without relationships reach nothing, so they cannot close a cycle: leaving them
    // out keeps a session's end free for plain models (100,000 hydrated rows, no graph).
    if (!has_relationships()) return;
    const auto add = [&](const tracked_pointer& item) {
        const void* key = item.get();
        auto& node = graph.nodes[key];
        const bool first_visit = node.use_count == 0;
        node.use_count = item.use_count();
        node.internal += 1;
        if (!first_visit) return;
        visit_loaded_targets(*item, [&](const void* target, bool by_collection) {
            node.edges.push_back(target);  // unordered_map keeps references valid on insertion
            auto& target_node = graph.nodes[target];
            ++target_node.internal;
            if (by_collection) object_graph::add_holder(target_node, key);
        });
    };
    for_each_mapped(add);
    for (const auto& item : pending_) add(item);
    for (const auto& item : deleted_) add(item);
    // An object this transaction inserted is held once more, by the list a rollback detaches it
    // from: not a handle from outside (counted as one, it kept its cycles alive past the session).
    for (const auto& item : inserted_in_transaction_)
        if (const auto found = graph.nodes.find(item.get()); found != graph.nodes.end() && found->second.use_count != 0)
            found->second.internal += 1;
}

STRATA_COMPILED_LINKAGE void model_objects::release_unreachable(const object_graph& graph) noexcept {
    if (!has_relationships()) return;
    const auto release = [&](const tracked_pointer& item) {
        const void* key = item.get();
        if (graph.is_garbage(key)) {
            unload_relationships(*item);
            return;
        }
        // Kept: a many-to-one whose target's collection holds this object turns weak.
        weaken_held_references(*item, [&](const void* target) { return graph.holds_child(target, key); });
    };
    for_each_mapped(release);
    for (const auto& item : pending_) release(item);
}

STRATA_COMPILED_LINKAGE std::size_t model_objects::prepare_flush(bool touched_only) {
    // New children taken out of a delete_orphan collection and added to no other since: orphans
    // that never had a row, dropped (SQLAlchemy expunges them) rather than written with a
    // foreign key that names no parent.
    // Listed first: a removal's cascade may drop other new objects of this model (a tree's).
    std::vector<tracked_pointer> orphans;
    for (const auto& item : pending_)
        if (item->orphaned) orphans.push_back(item);
    for (const auto& item : orphans)
        if (item->status == object_status::pending) remove(item);
    updates_.clear();
    relationship_changed_.clear();
    inserted_.clear();
    if (!touched_only || !compare_touched()) {
        updates_.clear();  // what compare_touched found before it gave up
        for_each_mapped([this](const tracked_pointer& item) {
            if (item->status != object_status::persistent) return;
            if (const auto changed = changed_columns(*item)) updates_.emplace_back(item, changed);
            if (has_relationships() && relationships_changed(*item)) relationship_changed_.push_back(item);
        });
    }
    touched_.reset();
    compare_all_ = false;
    if (has_relationships())
        for (const auto& item : pending_)
            if (relationships_changed(*item)) relationship_changed_.push_back(item);
    return pending_.size() + updates_.size() + deleted_.size() + relationship_changed_.size();
}

STRATA_COMPILED_LINKAGE bool model_objects::compare_touched() {
    if (compare_all_ || !touched_.complete()) return false;
    for (auto* entry : touched_.entries()) {
        if (entry == nullptr || entry->status != object_status::persistent) continue;
        if (has_relationships() && relationships_changed(*entry)) return false;  // back-references may touch others
        const auto changed = changed_columns(*entry);
        if (changed == 0) continue;
        const auto* found = find_mapped(*entry);
        if (found == nullptr) return false;  // its key columns were changed: find it the long way
        updates_.emplace_back(*found, changed);
    }
    return true;
}

STRATA_COMPILED_LINKAGE void model_objects::write_inserts(connection& target, foreign_key_journal& journal) {
    if (has_relationships()) {
        // Parents already in the database know their keys: their new children take them
        // before their own INSERTs (a pending parent points its children once inserted).
        point_children(additions_of_persistent, journal);
        if (self_referential_) walk(&relationship_walks::order_parents_first);
    }
    // The INSERTs of one model wait to go together, one round trip for the level; only a tree
    // (a model whose rows point at each other) needs each parent's key before the next INSERT.
    // The session sends what is held before a later model needs these keys.
    const bool hold = !self_referential_ && target.holds_statements();
    for (const auto& item : pending_) {
        walk(&relationship_walks::point_references, *item, journal);
        auto* object = object_address(*item);
        const auto written =
            hold ? statements_.insert_row_held(target, object, parameters_,
                                               [this, inserted = item.get()] { take_snapshot(*inserted); })
                 : statements_.insert_row(target, object, parameters_);
        // What the row holds now: anything this flush changes later (a key that was not
        // known yet, in a cycle) is found against it and written by an UPDATE. A held INSERT
        // takes it again once the server's values are read back.
        take_snapshot(*item);
        item->row_written = true;
        inserted_.push_back({item, written});
        if (!hold) walk(&relationship_walks::point_children_of, *item, true, journal);
    }
    if (has_relationships()) {
        if (hold && !pending_.empty()) {
            target.send_held();  // their new children take the generated keys now
            for (const auto& item : pending_) walk(&relationship_walks::point_children_of, *item, true, journal);
        }
        point_children(all_changes, journal);
    }
}

STRATA_COMPILED_LINKAGE void model_objects::point_children(children_pass pass, foreign_key_journal& journal) {
    for (const auto& item : relationship_changed_) {
        if (pass == additions_of_persistent && item->status != object_status::persistent) continue;
        walk(&relationship_walks::point_children_of, *item, true, journal);
    }
    if (pass == all_changes)
        for (const auto& item : relationship_changed_)
            walk(&relationship_walks::point_children_of, *item, false, journal);
}

STRATA_COMPILED_LINKAGE void model_objects::write_updates(connection& target, bool rescan,
                                                          foreign_key_journal& journal) {
    if (rescan) {
        updates_.clear();
        for_each_mapped([this, &journal](const tracked_pointer& item) {
            if (item->status != object_status::persistent) return;
            walk(&relationship_walks::point_references, *item, journal);
            if (const auto changed = changed_columns(*item)) updates_.emplace_back(item, changed);
        });
    }
    // Objects inserted in this flush whose columns changed after their INSERT: a foreign key
    // pointed only once its target's row existed (a cycle), written now (a post-update).
    for (const auto& [item, written] : inserted_) {
        walk(&relationship_walks::point_references, *item, journal);
        if (const auto changed = changed_columns(*item)) updates_.emplace_back(item, changed);
    }
    for (const auto& [item, changed] : updates_)
        statements_.update_row(target, object_address(*item), changed, loaded_version(*item), parameters_);
}

STRATA_COMPILED_LINKAGE void model_objects::write_deletes(connection& target) {
    // MariaDB's InnoDB checks a foreign key row by row, so even a row that is its own parent
    // needs its reference cleared before its DELETE.
    if (self_referential_ && (deleted_.size() > 1 || target.sql_dialect() == dialect::mariadb)) {
        write_deletes_together(target);
        return;
    }
    for (const auto& item : deleted_)
        statements_.delete_row(target, object_address(*item), loaded_version(*item), parameters_);
}

STRATA_COMPILED_LINKAGE void model_objects::write_deletes_together(connection& target) {
    // Rows on a cycle (each other's parent) or whose children are not loaded go in one statement,
    // which the database checks as a whole, where single DELETEs in any order would fail.
    walk(&relationship_walks::order_children_first);
    constexpr std::size_t rows_per_statement = 1000;  // a cycle longer than this still fails, loudly
    std::vector<const void*> objects;
    // The versions' bits, as the snapshots hold them: a std::vector<std::int64_t> would be one
    // more instantiation in every program (3 MiB of g++'s memory for benchmarks/compile/minimal.cpp).
    std::vector<std::uint64_t> versions;
    for (std::size_t first = 0; first < deleted_.size(); first += rows_per_statement) {
        const std::size_t rows = std::min(rows_per_statement, deleted_.size() - first);
        objects.clear();
        versions.clear();
        objects.reserve(rows);
        for (std::size_t row = first; row < first + rows; ++row) {
            objects.push_back(object_address(*deleted_[row]));
            if (info_.versioned()) versions.push_back(static_cast<std::uint64_t>(loaded_version(*deleted_[row])));
        }
        statements_.delete_rows(target, objects, versions, parameters_, target.sql_dialect() == dialect::mariadb);
    }
}

STRATA_COMPILED_LINKAGE void model_objects::forget_entries(
    collection_member& collection, strata::detail::function_ref<bool(const tracked_pointer&)> gone) {
    std::vector<tracked_pointer> leaving;
    for (const auto& entry : collection.loaded_entries())
        if (gone(entry)) leaving.push_back(entry);
    for (const auto& entry : leaving) collection.follow(entry, false);
}

STRATA_COMPILED_LINKAGE void model_objects::forget_deleted_targets(const model_objects& targets) {
    for (const auto* behavior : relationship_behaviors_) {
        if (!behavior->member->collection || behavior->target_model != &targets.info()) continue;
        const relationship_member_info& member = *behavior->member;
        const foreign_key_link* link = behavior->link;
        if (link != nullptr && std::equal(link->referenced.begin(), link->referenced.end(), info_.primary_key.begin(),
                                          info_.primary_key.end())) {
            key_values key;
            for (const auto& item : targets.deleted_) {
                if (!key.read(*link->child, link->foreign_key, link->child_object(*item), false)) continue;
                if (const auto parent = find_by_key(key); parent && member.collection_of(*parent).is_loaded())
                    member.collection_of(*parent).follow(item, false);
            }
            continue;
        }
        // Until finish_flush, the flush's deleted objects are the ones whose status says so.
        for_each_object([&member](const tracked_pointer& parent) {
            auto& collection = member.collection_of(*parent);
            if (collection.is_loaded())
                forget_entries(collection,
                               [](const tracked_pointer& entry) { return entry->status == object_status::deleted; });
        });
    }
}

STRATA_COMPILED_LINKAGE void model_objects::forget_dropped_targets(const model_objects& targets) {
    const auto dropped = [&targets](const tracked_pointer& item) {
        return item && std::find(targets.dropped_.begin(), targets.dropped_.end(), item) != targets.dropped_.end();
    };
    for (const auto* behavior : relationship_behaviors_) {
        if (behavior->target_model != &targets.info()) continue;
        const relationship_member_info& member = *behavior->member;
        // A new object reaches a relationship of another object by a change there since the last
        // flush (the flush writes what came before), or through its own side, which remove()
        // already unlinked: holders without an unflushed change in the member are passed over.
        for_each_object([&](const tracked_pointer& holder) {
            if (!member.changed(*holder)) return;
            if (!member.collection) {
                // Pointing at no object: a foreign key that cannot be NULL then stops the flush.
                if (auto& reference = member.reference_of(*holder); dropped(reference.current_target()))
                    reference.set_target({});
                return;
            }
            forget_entries(member.collection_of(*holder), dropped);
        });
    }
}

STRATA_COMPILED_LINKAGE void model_objects::finish_flush() {
    if (has_relationships()) {
        for (const auto& item : relationship_changed_) clear_relationship_changes(*item);
        relationship_changed_.clear();
    }
    for (const auto& [item, written] : inserted_) {
        inserted_in_transaction_.push_back(item);
        item->inserted_by_transaction = true;
        item->status = object_status::persistent;
        item->row_written = false;
        item->listed = true;  // snapshot taken at its INSERT (or at its post-update)
        map_object(item);
    }
    pending_.clear();
    inserted_.clear();
    for (const auto& [item, changed] : updates_) take_snapshot(*item);
    updates_.clear();
    for (const auto& item : deleted_) {
        // Its row is gone: it leaves the loaded collections and references that held it (and
        // dropping its own links ends reference cycles).
        walk(&relationship_walks::unlink_everywhere, *item);
        unmap_object(*item);
        leave_touch_list(*item);
        item->status = object_status::detached;
        item->touch_list = nullptr;
        // A row this transaction inserted does not come back with a rollback: it had none before.
        if (!item->inserted_by_transaction) deleted_in_transaction_.push_back(item);
    }
    deleted_.clear();
}

STRATA_COMPILED_LINKAGE void model_objects::abandon_flush() noexcept {
    compare_all_ = true;  // the changes found stay unflushed, and no longer count as touched
    // Version counters the flush counted up go back to the version loaded (a counter the user
    // set stays as set); before forget_insert, which takes a new row's back to 0.
    if (info_.versioned())
        for (const auto& [item, changed] : updates_)
            if (!(changed >> info_.version_column & 1)) {
                try {
                    assign_integer(info_.columns[info_.version_column], object_address(*item), loaded_version(*item));
                } catch (...) {  // the value came from this member: it fits
                }
            }
    for (const auto& [item, written] : inserted_) {
        item->row_written = false;
        statements_.forget_insert(object_address(*item), written);
    }
    inserted_.clear();
    updates_.clear();
}

STRATA_COMPILED_LINKAGE void model_objects::commit() noexcept {
    for (const auto& item : inserted_in_transaction_) item->inserted_by_transaction = false;
    inserted_in_transaction_.clear();  // their rows are here to stay
    deleted_in_transaction_.clear();   // and these rows are gone
    expire_all();
}

STRATA_COMPILED_LINKAGE void model_objects::expire_all() noexcept {
    for_each_mapped([](const tracked_pointer& item) { item->expired = true; });
}

STRATA_COMPILED_LINKAGE void model_objects::rollback() noexcept {
    compare_all_ = true;
    // Loaded relationships and their changes are forgotten everywhere, to be loaded again
    // (which also breaks the reference cycles of the objects dropped here).
    for (auto& item : pending_) {
        if (has_relationships()) forget_relationships(*item);
        detach(*item);
    }
    pending_.clear();
    dropped_.clear();  // every loaded relationship is forgotten below
    // Objects this transaction inserted have no row any more: detached, as pending ones are
    // (kept persistent, a change to one would UPDATE nothing).
    for (auto& item : inserted_in_transaction_) {
        if (item->status != object_status::persistent) continue;
        if (has_relationships()) forget_relationships(*item);
        try {
            untrack(*item);
        } catch (...) {  // hashing a key allocates nothing, but the map's erase is not noexcept
            detach(*item);
        }
    }
    inserted_in_transaction_.clear();
    // Objects whose DELETE this transaction flushed have their rows back: persistent again, as
    // SQLAlchemy's rollback restores them (left detached, a change through a handle kept would
    // be written nowhere, without an error). Their relationships load again, as everyone's.
    for (const auto& deleted : deleted_in_transaction_) {
        const auto item = deleted.lock();
        if (!item || item->status != object_status::detached || find_mapped(*item) != nullptr) continue;
        item->status = object_status::persistent;
        item->touch_list = &touched_;
        item->listed = true;  // its touches count again: an autoflush must see a change through it
        bind_relationships(*item);
        try {
            map_object(item);
        } catch (...) {  // out of memory: it stays detached, as before
            detach(*item);
        }
    }
    deleted_in_transaction_.clear();
    // Unflushed changes are discarded, as SQLAlchemy's rollback does: each object's snapshot
    // becomes what it holds now, so no flush writes it; expired, its next load overwrites it.
    for_each_mapped([this](const tracked_pointer& item) {
        take_snapshot(*item);
        if (has_relationships()) forget_relationships(*item);
        item->expired = true;
    });
    for (auto& item : deleted_) item->status = object_status::persistent;
    deleted_.clear();
}

STRATA_COMPILED_LINKAGE void model_objects::clear() noexcept {
    touched_.reset();  // at once, rather than one object at a time as each is detached
    clear_map();
    for (auto& item : pending_) detach(*item);
    pending_.clear();
    deleted_.clear();
    dropped_.clear();
    deleted_in_transaction_.clear();  // detached by the user: a rollback brings none back
}

STRATA_COMPILED_LINKAGE void model_objects::add_pending(const tracked_pointer& item, void* object) {
    item->status = object_status::pending;
    item->orphaned = false;
    item->inserted_by_transaction = false;
    item->touch_list = &touched_;  // this session's, not yet listed: a pending object has no snapshot
    // A deferred member the new object leaves unset holds its type's default, which the INSERT
    // writes (an unloaded one would be left out: NULL, or a NOT NULL violation), unless the
    // column has a server default: then the server's value is read back.
    for (const auto& column : info_.columns)
        if (column.deferrable && !column.server_default && column.is_unset(object)) column.fill_default(object);
    // A new object's collections cannot have rows yet: they start loaded with what it holds.
    for (const auto& member : relationship_members_)
        if (member.collection) member.collection_of(*item).mark_new();
    pending_.push_back(item);
}

STRATA_COMPILED_LINKAGE tracked_pointer model_objects::add_new(void* source,
                                                               void (*move_from)(tracked_object& item, void* source)) {
    auto created = loading_->create();
    move_from(*created, source);
    bind_relationships(*created);
    add_pending(created, object_address(*created));
    return created;
}

STRATA_COMPILED_LINKAGE void model_objects::remove(const tracked_pointer& target) {
    const auto status = target->status;
    if (status == object_status::pending) {
        std::erase(pending_, target);
        target->status = object_status::detached;  // a cycle of cascades stops here
    } else if (status == object_status::persistent) {
        target->status = object_status::deleted;
        deleted_.push_back(target);
    } else {
        return;
    }
    if (has_relationships()) {
        if (status == object_status::pending) target->status = object_status::pending;  // its collections are loaded
        try {
            walk(&relationship_walks::cascade_removal, *target);
        } catch (...) {
            restore_removed(target, status);
            throw;
        }
    }
    if (status == object_status::pending) {
        walk(&relationship_walks::unlink_everywhere, *target);
        detach(*target);
        dropped_.push_back(target);
    }
}

STRATA_COMPILED_LINKAGE void model_objects::restore_removed(const tracked_pointer& target, object_status status) {
    target->status = status;
    if (status == object_status::pending)
        pending_.push_back(target);
    else
        std::erase(deleted_, target);
}

STRATA_COMPILED_LINKAGE void model_objects::expunge(const tracked_pointer& target) {
    std::erase(pending_, target);
    std::erase(deleted_, target);
    untrack(*target);
}

STRATA_COMPILED_LINKAGE bool model_objects::release(tracked_object& target) {
    if (target.status != object_status::persistent || changed_columns(target) != 0) return false;
    untrack(target);  // expunge() without its lists: a persistent object is in neither
    return true;
}

STRATA_COMPILED_LINKAGE void model_objects::untrack(tracked_object& target) {
    unmap_object(target);
    detach(target);
}

STRATA_COMPILED_LINKAGE void model_objects::order_after(
    std::vector<tracked_pointer>& items,
    strata::detail::function_ref<void(const tracked_pointer&, after_edge)> collect) {
    std::unordered_map<const tracked_object*, std::size_t> position;
    for (std::size_t i = 0; i < items.size(); ++i) position.emplace(items[i].get(), i);
    std::vector<std::vector<std::size_t>> first(items.size());  // what must come before each
    bool any = false;
    const auto after = [&](const tracked_object* later, const tracked_object* earlier) {
        const auto from = position.find(later);
        const auto to = position.find(earlier);
        if (from == position.end() || to == position.end() || from == to) return;
        first[from->second].push_back(to->second);
        any = true;
    };
    for (const auto& item : items) collect(item, after);
    if (!any) return;
    enum class mark : std::uint8_t { none, open, done };
    std::vector<mark> marks(items.size(), mark::none);
    std::vector<tracked_pointer> ordered;
    ordered.reserve(items.size());
    std::vector<std::pair<std::size_t, std::size_t>> stack;  // (node, next prerequisite to visit)
    for (std::size_t start = 0; start < items.size(); ++start) {
        if (marks[start] != mark::none) continue;
        stack.emplace_back(start, 0);
        marks[start] = mark::open;
        while (!stack.empty()) {
            auto& [node, next] = stack.back();
            if (next < first[node].size()) {
                const auto earlier = first[node][next++];
                if (marks[earlier] == mark::none) {
                    marks[earlier] = mark::open;
                    stack.emplace_back(earlier, 0);
                }
                continue;
            }
            marks[node] = mark::done;
            ordered.push_back(items[node]);
            stack.pop_back();
        }
    }
    items = std::move(ordered);
}

STRATA_COMPILED_LINKAGE void model_objects::write_changed_associations(connection& target) {
    for (const auto& item : relationship_changed_) {
        if (item->status == object_status::deleted) continue;
        for (const auto* behavior : relationship_behaviors_)
            if (behavior->kind == relationship_kind::many_to_many)
                write_association_rows(*behavior, target, *item, false, parameters_);
    }
    for (const auto& item : deleted_)
        for (const auto* behavior : relationship_behaviors_)
            if (behavior->kind == relationship_kind::many_to_many)
                write_association_rows(*behavior, target, *item, true, parameters_);
}

STRATA_COMPILED_LINKAGE std::vector<std::string_view> model_objects::list_relationship_targets() const {
    std::vector<std::string_view> tables;
    tables.reserve(relationship_behaviors_.size());
    for (const auto* behavior : relationship_behaviors_) tables.push_back(behavior->target_model->table);
    return tables;
}

STRATA_COMPILED_LINKAGE void model_objects::point_references(tracked_object& item, foreign_key_journal& journal) {
    for (const auto* behavior : relationship_behaviors_) {
        if (behavior->kind != relationship_kind::many_to_one) continue;
        const foreign_key_link& link = *behavior->link;
        point_reference(link, behavior->name, behavior->member->reference_of(item), link.child_object(item), journal);
    }
}

STRATA_COMPILED_LINKAGE void model_objects::point_children_of(tracked_object& item, bool additions,
                                                              foreign_key_journal& journal) {
    for (const auto* behavior : relationship_behaviors_) {
        if (behavior->kind != relationship_kind::one_to_many) continue;
        const auto& collection = behavior->member->collection_of(item);
        if (!collection.changed()) continue;
        const foreign_key_link& link = *behavior->link;
        const void* parent = link.parent_object(item);
        if (additions) {
            // An added child expunged since holds a foreign key no flush of this session writes.
            for (const auto& added : collection.added())
                if (added->owner() != static_cast<const void*>(owner_))
                    throw usage_error("'" + std::string{behavior->name} + "' holds an object of " +
                                      std::string{behavior->target_model->table} +
                                      " that left the session (expunge()) before its foreign key was written: "
                                      "take it out of the collection, or merge() it and add the object merge() "
                                      "returns");
            point_added_children(link, collection, parent, journal);
            continue;
        }
        for (const auto& removed : collection.removed()) {
            // A child whose key names another parent moved there meanwhile - unless it only
            // passed through here: moved in from its parent and removed again, its reference
            // (set by both moves) says it now has none.
            void* removed_object = link.child_object(*removed);
            if (!foreign_key_points_at(link, removed_object, parent) && !left_without_parent(*behavior, *removed))
                continue;
            if (behavior->delete_orphan) {
                behavior->target_objects(*owner_).remove(removed);
            } else if (link.nullable) {
                journal.save(link, removed_object);
                clear_foreign_key(link, removed_object);
            } else {
                throw usage_error("removed an object from '" + std::string{behavior->name} + "' but " +
                                  describe_foreign_key(link) +
                                  " is not nullable: declare the relationship with strata::delete_orphan, "
                                  "or make the column std::optional");
            }
        }
    }
}

STRATA_COMPILED_LINKAGE void model_objects::order_parents_first() {
    order_after(pending_, [this](const tracked_pointer& item, after_edge after) {
        for (const auto* behavior : relationship_behaviors_) {
            if (!behavior->self_referential) continue;
            if (behavior->member->collection) {
                for (const auto& added : behavior->member->collection_of(*item).added()) after(added.get(), item.get());
            } else if (const auto& reference = behavior->member->reference_of(*item); reference.changed()) {
                if (const auto referenced = reference.current_target()) after(item.get(), referenced.get());
            }
        }
    });
}

STRATA_COMPILED_LINKAGE void model_objects::order_children_first() {
    order_after(deleted_, [this](const tracked_pointer& item, after_edge after) {
        for (const auto* behavior : relationship_behaviors_) {
            if (!behavior->self_referential || !behavior->member->collection) continue;
            const auto& collection = behavior->member->collection_of(*item);
            if (!collection.is_loaded()) continue;
            for (const auto& child : collection.entries()) after(item.get(), child.get());
            for (const auto& child : collection.removed()) after(item.get(), child.get());
        }
    });
}

// What deleting `item` does to its one-to-many children, as SQLAlchemy's cascades do: with
// delete_orphan they are deleted too (before it, at the flush); otherwise a nullable foreign
// key is set to NULL. An unloaded collection is loaded first, unless the foreign key declares
// ON DELETE CASCADE or SET NULL and so the database does it. A foreign key that can be
// neither is left: the DELETE fails with foreign_key_violation and the flush writes nothing.
STRATA_COMPILED_LINKAGE void model_objects::cascade_removal(tracked_object& item) {
    for (const auto* behavior : relationship_behaviors_) {
        if (behavior->kind != relationship_kind::one_to_many) continue;
        const foreign_key_link& link = *behavior->link;
        auto& collection = behavior->member->collection_of(item);
        collection.forget_if_expired();  // the cascade goes by the rows, not the previous transaction's list
        if (!collection.is_loaded()) {
            if (behavior->database_handles_children) continue;
            if (!behavior->delete_orphan && !link.nullable) continue;
            collection.load_for_change();
        }
        const std::vector<tracked_pointer> children = collection.entries();
        for (const auto& each : children) {
            // The collection (loaded and kept in step with unflushed moves) says who the
            // children are; their foreign keys may not be pointed yet.
            if (behavior->delete_orphan) {
                behavior->target_objects(*owner_).remove(each);
            } else if (link.nullable) {
                collection.remove_entry(each.get());  // its many-to-one stops pointing here too
                each->mark_touched();                 // the next autoflush compares it
                clear_foreign_key(link, link.child_object(*each));
            }
        }
        // Children taken out of the collection before, not flushed yet: the flush of a
        // deleted parent does not point them, so the orphans go (or are nulled) now.
        if (item.status == object_status::pending) continue;
        const std::vector<tracked_pointer> orphans = collection.removed();
        for (const auto& each : orphans) {
            void* orphan = link.child_object(*each);
            // moved to another parent meanwhile (or the parent's key is NULL: none points here)
            if (!foreign_key_points_at(link, orphan, link.parent_object(item))) continue;
            if (behavior->delete_orphan) {
                behavior->target_objects(*owner_).remove(each);
            } else if (link.nullable) {
                each->mark_touched();
                clear_foreign_key(link, orphan);
            }
        }
    }
}

// A parent's collection would otherwise list a dropped or deleted object, and a flush write a
// link to a row that does not exist.
STRATA_COMPILED_LINKAGE void model_objects::unlink_everywhere(tracked_object& item) {
    // A many-to-one not loaded still names its target by key: if the identity map holds that
    // target, its loaded collection may hold this object (no SQL: an object not in the map is
    // in no loaded collection).
    for (const auto* behavior : relationship_behaviors_) {
        if (behavior->target_in_session == nullptr || behavior->member->reference_of(item).is_loaded()) continue;
        if (const auto found = behavior->target_in_session(*owner_, item))
            link_other_side({owner_, &item, behavior, relationships_}, *found, false);
    }
    for (const auto& member : relationship_members_) {
        if (!member.of(item).is_loaded()) continue;
        if (member.collection) {
            auto& collection = member.collection_of(item);
            const auto linked = collection.loaded_entries();
            for (const auto& other : linked) collection.remove_entry(other.get());
        } else if (auto& reference = member.reference_of(item); reference.current_target()) {
            reference.set_target({});
        }
    }
    forget_relationships(item);
}

STRATA_COMPILED_LINKAGE bool model_objects::relationships_changed(tracked_object& item) const noexcept {
    return std::any_of(relationship_members_.begin(), relationship_members_.end(),
                       [&item](const relationship_member_info& member) { return member.changed(item); });
}

STRATA_COMPILED_LINKAGE void model_objects::forget_relationships(tracked_object& item) const noexcept {
    for (const auto& member : relationship_members_) {
        member.clear_changes(item);
        member.unload(item);
    }
}

STRATA_COMPILED_LINKAGE void model_objects::clear_relationship_changes(tracked_object& item) const noexcept {
    for (const auto& member : relationship_members_) member.clear_changes(item);
}

STRATA_COMPILED_LINKAGE void model_objects::visit_loaded_targets(
    tracked_object& item, strata::detail::function_ref<void(const void*, bool)> visit) const {
    for (const auto& member : relationship_members_) {
        if (member.collection) {
            auto& collection = member.collection_of(item);
            if (!collection.is_loaded()) continue;
            for (const auto& each : collection.loaded_entries()) visit(each.get(), true);
        } else if (const auto* target = member.reference_of(item).strong_target()) {
            visit(target, false);
        }
    }
}

STRATA_COMPILED_LINKAGE void model_objects::expire_relationships(tracked_object& item) const noexcept {
    for (const auto& member : relationship_members_)
        if (!member.changed(item)) member.unload(item);
}

STRATA_COMPILED_LINKAGE void model_objects::unload_relationships(tracked_object& item) const noexcept {
    for (const auto& member : relationship_members_) member.unload(item);
}

STRATA_COMPILED_LINKAGE void model_objects::weaken_held_references(
    tracked_object& item, strata::detail::function_ref<bool(const void*)> holds) const noexcept {
    for (const auto& member : relationship_members_) {
        if (member.collection) continue;
        auto& reference = member.reference_of(item);
        if (const auto* target = reference.strong_target(); target != nullptr && holds(target)) reference.weaken();
    }
}

}  // namespace strata::orm
