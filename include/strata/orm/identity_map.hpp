// strata/orm/identity_map.hpp - one model's objects in a session: the identity map, and the unit
// of work's INSERT / UPDATE / DELETE for them.
//
// Change detection compares each loaded column's fingerprint (orm/model.hpp) with the one taken
// when the object was loaded or last flushed, and writes only the columns that differ.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "strata/core/dialect.hpp"
#include "strata/detail/flat_map.hpp"
#include "strata/detail/recycling_allocator.hpp"
#include "strata/engine/connection.hpp"
#include "strata/orm/loading.hpp"
#include "strata/orm/model.hpp"
#include "strata/orm/object.hpp"
#include "strata/orm/relationship.hpp"
#include "strata/orm/write_statements.hpp"
#include "strata/sql/compiler.hpp"

namespace strata::orm {

template <class T>
class mapper;
/// The identity map of T in `owner` (defined in orm/session.hpp, once session is complete).
template <class T>
mapper<T>& mapper_in(session& owner);

/// What every model's identity map offers the session (type-erased).
class mapper_base {
public:
    virtual ~mapper_base() = default;
    /// The model's description.
    [[nodiscard]] virtual const model_info& info() const noexcept = 0;
    /// Finds the work of the next flush; returns how many statements (or relationship changes) it
    /// needs. `touched_only` (an autoflush): compares only the objects used through a handle since.
    virtual std::size_t prepare_flush(bool touched_only) = 0;
    /// INSERTs pending objects (pointing their changed many-to-ones' foreign keys first), then
    /// points the foreign keys of children added to or removed from this model's collections.
    virtual void write_inserts(connection& target) = 0;
    /// UPDATEs changed columns of persistent objects; `rescan`: relationship changes may have
    /// changed foreign keys since prepare_flush.
    virtual void write_updates(connection& target, bool rescan) = 0;
    /// INSERTs and DELETEs association rows of changed many-to-many collections (and of deleted objects).
    virtual void write_associations(connection& target) = 0;
    /// Whether prepare_flush found relationship changes.
    [[nodiscard]] virtual bool has_relationship_changes() const noexcept = 0;
    /// DELETEs removed objects.
    virtual void write_deletes(connection& target) = 0;
    /// The flush succeeded: pending become persistent, snapshots move on, deleted go.
    virtual void finish_flush() = 0;
    /// The flush failed and was rolled back: undo generated keys, keep everything as before.
    virtual void abandon_flush() noexcept = 0;
    /// Marks every object expired (after commit): the next load refreshes its values.
    virtual void expire_all() noexcept = 0;
    /// The transaction committed: every object's row stays; all are expired.
    virtual void commit() noexcept = 0;
    /// After rollback: pending objects are dropped, deleted ones restored, all expired.
    virtual void rollback() noexcept = 0;
    /// Whether any object of this model holds a loaded relationship target (cheap: no hashing).
    [[nodiscard]] virtual bool has_loaded_relationships() = 0;
    /// The tables this model's relationships lead to.
    [[nodiscard]] virtual std::vector<std::string_view> relationship_targets() const = 0;
    /// Adds this model's objects, who holds them inside the session and what they reference to `graph`.
    virtual void describe_graph(object_graph& graph) = 0;
    /// Breaks reference cycles before detaching: objects no outside handle reaches unload their
    /// relationships; kept children hold their parent weakly where the parent's collection holds them.
    virtual void release_unreachable(const object_graph& graph) noexcept = 0;
    /// Detaches and forgets every object.
    virtual void clear() noexcept = 0;
    /// Objects held.
    [[nodiscard]] virtual std::size_t size() const noexcept = 0;
};

/// The objects of one model in one session.
template <class T>
class mapper final : public mapper_base {
public:
    using state = object_state<T>;
    using state_ptr = std::shared_ptr<state>;

    /// A mapper for a session speaking `target`.
    mapper(session* owner, dialect target, relationship_mode relationships)
        : owner_(owner),
          dialect_(target),
          info_(describe<T>()),
          statements_(info_, target),
          relationships_(relationships) {}

    [[nodiscard]] const model_info& info() const noexcept override { return info_; }
    [[nodiscard]] std::size_t size() const noexcept override { return map_.size() + pending_.size(); }

    /// The object with this key, if loaded.
    [[nodiscard]] state_ptr find(const key_type<T>& key) {
        const auto* found = map_.find(key);
        return found ? *found : nullptr;
    }

    /// Adds a new object (INSERTed at the next flush).
    ref<T> add(T object) {
        auto created = new_state();
        created->object = std::move(object);
        created->status = object_status::pending;
        created->owner = owner_;
        bind_relationships(*created, owner_, relationships_);
        // A deferred member the new object leaves unset holds its type's default, which the INSERT
        // writes (an unloaded one would be left out: NULL, or a NOT NULL violation), unless the
        // column has a server default: then the server's value is read back.
        for (std::size_t i = 0; i < info_.columns.size(); ++i) {
            const auto& column = info_.columns[i];
            if (column.deferrable && !column.server_default && column.is_unset(&created->object))
                column.fill_default(&created->object);
        }
        // A new object's collections cannot have rows yet: they start loaded with what it holds.
        for_each_relationship_member(created->object, [](auto& member) {
            if constexpr (requires { member.mark_new(); }) member.mark_new();
        });
        pending_.push_back(created);
        return ref<T>{created};
    }

    /// Marks an object for DELETE at the next flush (a pending object is simply dropped), with
    /// what its one-to-many relationships cascade to (see cascade_removal).
    void remove(const state_ptr& target) {
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
        if constexpr (has_relationship_members<T>) {
            if (status == object_status::pending)
                target->status = object_status::pending;  // its collections are loaded
            try {
                cascade_removal(*target);
            } catch (...) {
                restore_removed(target, status);
                throw;
            }
        }
        if (status == object_status::pending) {
            if constexpr (has_relationship_members<T>) unlink_everywhere(*target);
            detach(*target);
        }
    }

    /// Stops tracking an object.
    void expunge(const state_ptr& target) {
        std::erase(pending_, target);
        std::erase(deleted_, target);
        untrack(target);
    }

    /// Turns the current row into the identity-mapped object for it.
    ///
    /// `positions[i]` is the select-list index of column i (or -1 when not selected); `mask` has
    /// the bits of the selected columns. An object already in the map keeps its values unless it
    /// is expired or `overwrite` is set (a locking read); columns it lacks are filled in.
    ///
    /// `spare` (a stream's): a detached state no one else holds, reused for a new object instead
    /// of allocating one (its strings keep their buffers); taken (left empty) only when used.
    ref<T> load(const field_reader& row, const std::vector<int>& positions, std::uint64_t mask, bool overwrite,
                bool* created_here = nullptr, state_ptr* spare = nullptr) {
        if (created_here) *created_here = false;
        auto key = read_key(row, positions, std::make_index_sequence<primary_key_elements<T>.size()>{});
        auto [slot, inserted] = map_.try_emplace(key);
        if (!inserted) {
            state_ptr existing = *slot;
            if (existing->status == object_status::deleted) return ref<T>{existing};
            std::uint64_t fill = 0;
            if (existing->expired || overwrite) {
                fill = mask;
                existing->expired = false;
            } else {
                fill = detail::row_operations<T>::unloaded_columns(existing->object, mask);
            }
            for (std::size_t i = 0; fill != 0 && i < info_.columns.size(); ++i) {
                if (!(fill >> i & 1)) continue;
                existing->snapshot[i] =
                    info_.columns[i].read(&existing->object, row, static_cast<std::size_t>(positions[i]));
            }
            return ref<T>{std::move(existing)};
        }
        state_ptr created;
        try {
            created = spare != nullptr && *spare ? reuse(std::move(*spare)) : new_state();
            detail::row_operations<T>::read_new(created->object, key, row, positions.data(), mask,
                                                created->snapshot.data());
        } catch (...) {
            map_.erase(key);  // no memory, or a conversion failed: leave no empty or half-loaded entry
            throw;
        }
        created->status = object_status::persistent;
        created->owner = owner_;
        created->touch_list = &touched_;
        bind_relationships(*created, owner_, relationships_);
        *slot = created;
        if (created_here) *created_here = true;
        return ref<T>{std::move(created)};
    }

    /// Calls `visit(state_ptr)` for every object held, pending ones included.
    template <class Visit>
    void for_each_object(Visit&& visit) {
        map_.for_each([&](const key_type<T>&, const state_ptr& item) { visit(item); });
        for (const auto& item : pending_) visit(item);
    }

    /// Makes room for `additional` more objects (a query that knows its row count calls this).
    void reserve(std::size_t additional) { map_.reserve(map_.size() + additional); }

    /// Forgets an object that a streaming query has finished with, unless it was changed; returns
    /// whether it did.
    bool release(const state_ptr& target) {
        if (target->status != object_status::persistent || changed_columns(*target) != 0) return false;
        untrack(target);  // expunge() without its lists: a persistent object is in neither
        return true;
    }

    std::size_t prepare_flush(bool touched_only) override {
        updates_.clear();
        relationship_changed_.clear();
        inserted_.clear();
        if (!touched_only || !compare_touched()) {
            updates_.clear();  // what compare_touched found before it gave up
            map_.for_each([this](const key_type<T>&, const state_ptr& item) {
                if (item->status != object_status::persistent) return;
                if (const auto changed = changed_columns(*item)) updates_.emplace_back(item, changed);
                if constexpr (has_relationship_members<T>)
                    if (relationships_changed(*item)) relationship_changed_.push_back(item);
            });
        }
        touched_.reset();
        compare_all_ = false;
        if constexpr (has_relationship_members<T>)
            for (const auto& item : pending_)
                if (relationships_changed(*item)) relationship_changed_.push_back(item);
        return pending_.size() + updates_.size() + deleted_.size() + relationship_changed_.size();
    }

    [[nodiscard]] bool has_relationship_changes() const noexcept override { return !relationship_changed_.empty(); }

    void write_inserts(connection& target) override {
        if constexpr (has_relationship_members<T>) {
            // Parents already in the database know their keys: their new children take them
            // before their own INSERTs (a pending parent points its children once inserted).
            point_children(additions_of_persistent);
            if constexpr (self_referential()) order_parents_first();
        }
        for (const auto& item : pending_) {
            if constexpr (has_relationship_members<T>) point_references(*item);
            const auto written = statements_.insert_row(target, &item->object, parameters_);
            // What the row holds now: anything this flush changes later (a key that was not
            // known yet, in a cycle) is found against it and written by an UPDATE.
            take_snapshot(*item);
            item->row_written = true;
            inserted_.push_back({item, written});
            if constexpr (has_relationship_members<T>) point_children_of(item, true);
        }
        if constexpr (has_relationship_members<T>) point_children(all_changes);
    }

    void write_updates(connection& target, bool rescan) override {
        if (rescan) {
            updates_.clear();
            map_.for_each([this](const key_type<T>&, const state_ptr& item) {
                if (item->status != object_status::persistent) return;
                if constexpr (has_relationship_members<T>) point_references(*item);
                if (const auto changed = changed_columns(*item)) updates_.emplace_back(item, changed);
            });
        }
        // Objects inserted in this flush whose columns changed after their INSERT: a foreign key
        // pointed only once its target's row existed (a cycle), written now (a post-update).
        for (const auto& [item, written] : inserted_) {
            if constexpr (has_relationship_members<T>) point_references(*item);
            if (const auto changed = changed_columns(*item)) updates_.emplace_back(item, changed);
        }
        for (const auto& [item, changed] : updates_)
            statements_.update_row(target, &item->object, changed, parameters_);
    }

    void write_associations(connection& target) override {
        if constexpr (has_relationship_members<T>) {
            const auto write = [&](const state_ptr& item, bool deleted) {
                for_each_relationship_element<T>([&]<class Element>(const Element&) {
                    if constexpr (is_many_to_many<Element>) write_association_rows<Element>(target, *item, deleted);
                });
            };
            for (const auto& item : relationship_changed_)
                if (item->status != object_status::deleted) write(item, false);
            for (const auto& item : deleted_) write(item, true);
        }
    }

    void write_deletes(connection& target) override {
        if constexpr (has_relationship_members<T>) {
            if constexpr (self_referential()) {
                if (deleted_.size() > 1) {
                    write_deletes_together(target);
                    return;
                }
            }
        }
        for (const auto& item : deleted_) statements_.delete_row(target, &item->object, parameters_);
    }

    void finish_flush() override {
        if constexpr (has_relationship_members<T>) {
            for (const auto& item : relationship_changed_)
                for_each_relationship_member(item->object, [](auto& member) { member.clear_changes(); });
            relationship_changed_.clear();
        }
        for (const auto& [item, written] : inserted_) {
            inserted_in_transaction_.push_back(item);
            item->status = object_status::persistent;
            item->row_written = false;
            item->touch_list = &touched_;  // snapshot taken at its INSERT (or at its post-update below)
            *map_.try_emplace(key_of(item->object)).first = item;
        }
        pending_.clear();
        inserted_.clear();
        for (const auto& [item, changed] : updates_) take_snapshot(*item);
        updates_.clear();
        for (const auto& item : deleted_) {
            // Its row is gone: it leaves the loaded collections and references that held it (and
            // dropping its own links ends reference cycles).
            if constexpr (has_relationship_members<T>) unlink_everywhere(*item);
            map_.erase(key_of(item->object));
            leave_touch_list(*item);
            item->status = object_status::detached;
            item->owner = nullptr;
        }
        deleted_.clear();
    }

    void abandon_flush() noexcept override {
        compare_all_ = true;  // the changes found stay unflushed, and no longer count as touched
        for (const auto& [item, written] : inserted_) {
            item->row_written = false;
            statements_.forget_insert(&item->object, written);
        }
        inserted_.clear();
        updates_.clear();
    }

    void commit() noexcept override {
        inserted_in_transaction_.clear();  // their rows are here to stay
        expire_all();
    }

    void expire_all() noexcept override {
        map_.for_each([](const key_type<T>&, const state_ptr& item) { item->expired = true; });
    }

    void rollback() noexcept override {
        compare_all_ = true;
        // Loaded relationships and their changes are forgotten everywhere, to be loaded again
        // (which also breaks the reference cycles of the objects dropped here).
        for (auto& item : pending_) {
            forget_relationships(*item);
            detach(*item);
        }
        pending_.clear();
        // Objects this transaction inserted have no row any more: detached, as pending ones are
        // (kept persistent, a change to one would UPDATE nothing).
        for (auto& item : inserted_in_transaction_) {
            if (item->status != object_status::persistent) continue;
            forget_relationships(*item);
            untrack(item);
        }
        inserted_in_transaction_.clear();
        // Unflushed changes are discarded, as SQLAlchemy's rollback does: each object's snapshot
        // becomes what it holds now, so no flush writes it; expired, its next load overwrites it.
        map_.for_each([](const key_type<T>&, const state_ptr& item) {
            take_snapshot(*item);
            forget_relationships(*item);
        });
        for (auto& item : deleted_) item->status = object_status::persistent;
        deleted_.clear();
        expire_all();
    }

    [[nodiscard]] bool has_loaded_relationships() override {
        if constexpr (!has_relationship_members<T>) {
            return false;
        } else {
            bool found = false;
            const auto check = [&found](const state_ptr& item) {
                for_each_relationship_member(item->object, [&found](const auto& member) {
                    if (!found) member.visit_loaded([&found](const void*) { found = true; });
                });
            };
            map_.for_each([&](const key_type<T>&, const state_ptr& item) {
                if (!found) check(item);
            });
            for (const auto& item : pending_)
                if (!found) check(item);
            return found;
        }
    }

    [[nodiscard]] std::vector<std::string_view> relationship_targets() const override {
        std::vector<std::string_view> tables;
        for_each_relationship_element<T>([&tables]<class Element>(const Element&) {
            tables.push_back(mapping<typename relationship_traits<Element>::target>::table.name);
        });
        return tables;
    }

    void describe_graph(object_graph& graph) override {
        // Objects without relationships reach nothing, so they cannot close a cycle: leaving them
        // out keeps a session's end free for plain models (100,000 hydrated rows, no graph).
        if constexpr (!has_relationship_members<T>) return;
        const auto add = [&](const state_ptr& item, long holds) {
            auto& node = graph.nodes[item.get()];
            const bool first_visit = node.use_count == 0;
            node.use_count = item.use_count();
            node.internal += holds;
            if (!first_visit) return;
            for_each_relationship_member(item->object, [&](const auto& member) {
                member.visit_loaded([&](const void* target) {
                    node.edges.push_back(target);  // unordered_map keeps references valid on insertion
                    auto& target_node = graph.nodes[target];
                    ++target_node.internal;
                    if constexpr (requires(std::remove_cvref_t<decltype(member)> & collection) {
                                      collection.start_loading();
                                  })
                        object_graph::add_holder(target_node, item.get());
                });
            });
        };
        map_.for_each([&](const key_type<T>&, const state_ptr& item) { add(item, 1); });
        for (const auto& item : pending_) add(item, 1);
        for (const auto& item : deleted_) add(item, 1);
    }

    void release_unreachable(const object_graph& graph) noexcept override {
        const auto release = [&](const state_ptr& item) {
            if (graph.is_garbage(item.get())) {
                for_each_relationship_member(item->object, [](auto& member) { member.unload(); });
                return;
            }
            // Kept: a many-to-one whose target's collection holds this object turns weak.
            for_each_relationship_member(item->object, [&](auto& member) {
                if constexpr (requires { member.weaken(); }) {
                    member.visit_loaded([&](const void* target) {
                        if (graph.holds_child(target, item.get())) member.weaken();
                    });
                }
            });
        };
        map_.for_each([&](const key_type<T>&, const state_ptr& item) { release(item); });
        for (const auto& item : pending_) release(item);
    }

    void clear() noexcept override {
        touched_.reset();  // at once, rather than one object at a time as each is detached
        map_.for_each([this](const key_type<T>&, state_ptr& item) {
            detach(*item);
            item.reset();  // in the same pass: each state is touched once
        });
        for (auto& item : pending_) detach(*item);
        map_.clear();
        pending_.clear();
        deleted_.clear();
    }

    /// Reads the object's values into a fresh snapshot (after refresh()).
    static void take_snapshot(state& item) noexcept {
        detail::row_operations<T>::fingerprints(item.object, item.snapshot.data());
    }

private:
    /// A fresh state, its memory recycled from earlier objects of this size on this thread.
    static state_ptr new_state() { return std::allocate_shared<state>(strata::detail::recycling_allocator<state>{}); }

    /// Unloads an object's relationships and drops their unflushed changes.
    static void forget_relationships(state& item) noexcept {
        if constexpr (has_relationship_members<T>)
            for_each_relationship_member(item.object, [](auto& member) {
                member.clear_changes();
                member.unload();
            });
    }

    /// A released, unshared state made ready for a new row: the members the mapping does not name
    /// go back to their defaults (moving from a new T keeps a string's buffer in libstdc++).
    static state_ptr reuse(state_ptr item) {
        item->object = T{};
        item->expired = false;
        return item;
    }

    /// Stops tracking an object; its unloaded relationships no longer reach the session (reading
    /// one throws usage_error instead of using a session that may be gone).
    void detach(state& item) noexcept {
        leave_touch_list(item);
        item.status = object_status::detached;
        item.owner = nullptr;
        bind_relationships(item, nullptr, relationships_);
    }

    /// Leaves the identity map (in one probe, if it is this object under its key) and detaches.
    void untrack(const state_ptr& target) {
        map_.erase_if(key_of(target->object), [&](const state_ptr& item) { return item == target; });
        detach(*target);
    }

    void leave_touch_list(state& item) noexcept {
        if (item.touch_list == nullptr) return;
        item.touch_list->remove(item);
        item.touch_list = nullptr;
    }

    /// Finds the changes among the touched objects; false when every object must be compared
    /// instead (an incomplete list, a failed flush or rollback since, a changed relationship,
    /// or a touched object no longer found under its key).
    bool compare_touched() {
        if (compare_all_ || !touched_.complete()) return false;
        bool complete = true;
        touched_.for_each([&](state& item) {
            if (!complete || item.status != object_status::persistent) return;
            if constexpr (has_relationship_members<T>) {
                if (relationships_changed(item)) {
                    complete = false;  // back-references may touch others
                    return;
                }
            }
            const auto changed = changed_columns(item);
            if (changed == 0) return;
            const auto* found = map_.find(key_of(item.object));
            if (found == nullptr || found->get() != &item) {
                complete = false;  // its key columns were changed: find it the long way
                return;
            }
            updates_.emplace_back(*found, changed);
        });
        return complete;
    }

    /// The key of the current row; key element Is is primary-key column info_.primary_key[Is].
    template <std::size_t... Is>
    key_type<T> read_key(const field_reader& row, const std::vector<int>& positions, std::index_sequence<Is...>) const {
        using elements = schema::elements_of<T>;
        return key_type<T>{read_field<typename std::tuple_element_t<primary_key_elements<T>[Is], elements>::value_type>(
            row, static_cast<std::size_t>(positions[info_.primary_key[Is]]))...};
    }

    /// Whether any relationship member of the object was changed by set(), add() or remove().
    [[nodiscard]] static bool relationships_changed(const state& item) {
        bool changed = false;
        for_each_relationship_member(item.object, [&](const auto& member) { changed = changed || member.changed(); });
        return changed;
    }

    /// Points the foreign key of each many-to-one the user set() at its target's key (the target's
    /// INSERT, if it was new, ran before: referenced models flush first).
    void point_references(state& item) const {
        for_each_relationship_element<T>([&]<class Element>(const Element& element) {
            if constexpr (is_many_to_one<Element>) {
                using traits = relationship_traits<Element>;
                auto& member = item.object.*(traits::member);
                if (!member.changed()) return;
                using foreign_key = key_operations<typename traits::foreign_keys>;
                using target_key = key_operations<typename traits::target_keys>;
                const auto referenced = member.current();
                if (referenced && !has_row(*referenced.state())) {
                    // Its target is new and not inserted yet (a cycle of new objects): this row goes
                    // in with NULL and write_updates points it once the target's row exists.
                    if constexpr (foreign_key::all_nullable) {
                        foreign_key::set_null(item.object);
                        return;
                    } else {
                        throw usage_error("relationship '" + std::string{element.name} +
                                          "' is part of a cycle of new objects, and " +
                                          foreign_key::describe_columns() +
                                          " is not nullable: make it std::optional so that one row can be "
                                          "inserted first and pointed after");
                    }
                }
                if (referenced) {
                    foreign_key::assign(item.object, typename foreign_key::value_type{target_key::values(*referenced)});
                } else if constexpr (foreign_key::all_nullable) {
                    foreign_key::set_null(item.object);
                } else {
                    throw usage_error("relationship '" + std::string{element.name} + "' was set to no object but " +
                                      foreign_key::describe_columns() +
                                      " is not nullable: declare it std::optional or set an object");
                }
            }
        });
    }

    /// Which collection changes point_children() handles.
    enum children_pass { additions_of_persistent, all_changes };

    /// Points the foreign keys of children added to this model's one-to-many collections at their
    /// parent, then (all_changes) nulls or, with delete_orphan, deletes removed children that have
    /// not moved to another parent meanwhile. additions_of_persistent: only the additions of
    /// parents whose rows exist before the flush, so that their new children go in pointed.
    void point_children(children_pass pass) {
        for (const auto& item : relationship_changed_) {
            if (pass == additions_of_persistent && item->status != object_status::persistent) continue;
            point_children_of(item, true);
        }
        if (pass == all_changes)
            for (const auto& item : relationship_changed_) point_children_of(item, false);
    }

    /// point_children() for one parent: its additions, or its removals.
    void point_children_of(const state_ptr& item, bool additions) {
        for_each_relationship_element<T>([&]<class Element>(const Element& element) {
            if constexpr (is_one_to_many<Element>) {
                using traits = relationship_traits<Element>;
                using child = typename traits::target;
                const auto& collection = item->object.*(traits::member);
                if (!collection.changed()) return;
                using parent_key = key_operations<typename traits::parent_keys>;
                using child_key = key_operations<typename traits::foreign_keys>;
                const typename child_key::value_type key{parent_key::values(item->object)};
                if (additions) {
                    for (const auto& added : collection.added()) child_key::assign(object_of(added), key);
                    return;
                }
                for (const auto& removed : collection.removed()) {
                    // A child whose key names another parent moved there meanwhile - unless it only
                    // passed through here: moved in from its parent and removed again, its reference
                    // (set by both moves) says it now has none.
                    if (!child_key::equals(object_of(removed), key) && !left_without_parent<Element>(*removed.state()))
                        continue;
                    if (element.delete_orphan) {
                        mapper_in<child>(*owner_).remove(removed.state());
                    } else if constexpr (child_key::all_nullable) {
                        child_key::set_null(object_of(removed));
                    } else {
                        throw usage_error("removed an object from '" + std::string{element.name} + "' but " +
                                          child_key::describe_columns() +
                                          " is not nullable: declare the relationship with strata::delete_orphan, "
                                          "or make the column std::optional");
                    }
                }
            }
        });
    }

    /// What deleting `item` does to its one-to-many children, as SQLAlchemy's cascades do: with
    /// delete_orphan they are deleted too (before it, at the flush); otherwise a nullable foreign
    /// key is set to NULL. An unloaded collection is loaded first, unless the foreign key declares
    /// ON DELETE CASCADE or SET NULL and so the database does it. A foreign key that can be
    /// neither is left: the DELETE fails with foreign_key_violation and the flush writes nothing.
    void cascade_removal(state& item) {
        for_each_relationship_element<T>([&]<class Element>(const Element& element) {
            if constexpr (is_one_to_many<Element>) {
                using traits = relationship_traits<Element>;
                using child = typename traits::target;
                using child_key = key_operations<typename traits::foreign_keys>;
                auto& collection = item.object.*(traits::member);
                if (!collection.is_loaded()) {
                    const auto action = column_of<child_key::first_member>().options.delete_action;
                    if (action == on_delete::cascade || action == on_delete::set_null) return;
                    if (!element.delete_orphan && !child_key::all_nullable) return;
                    collection.load_for_change();
                }
                const std::vector<ref<child>> children = collection.items();
                for (const auto& each : children) {
                    // The collection (loaded and kept in step with unflushed moves) says who the
                    // children are; their foreign keys may not be pointed yet.
                    if (element.delete_orphan) {
                        mapper_in<child>(*owner_).remove(each.state());
                    } else if constexpr (child_key::all_nullable) {
                        collection.remove(each);     // its many-to-one stops pointing here too
                        child_key::set_null(*each);  // through the handle: the next autoflush compares it
                    }
                }
                // Children taken out of the collection before, not flushed yet: the flush of a
                // deleted parent does not point them, so the orphans go (or are nulled) now.
                using parent_key = key_operations<typename traits::parent_keys>;
                if (item.status == object_status::pending || parent_key::is_null(item.object)) return;
                const typename child_key::value_type key{parent_key::values(item.object)};
                const std::vector<ref<child>> orphans = collection.removed();
                for (const auto& each : orphans) {
                    if (!child_key::equals(object_of(each), key)) continue;  // moved to another parent meanwhile
                    if (element.delete_orphan)
                        mapper_in<child>(*owner_).remove(each.state());
                    else if constexpr (child_key::all_nullable)
                        child_key::set_null(*each);
                }
            }
        });
    }

    /// Takes a dropped new object, or a deleted one, out of every loaded relationship that holds
    /// it (a parent's collection would otherwise list it, and a flush write a link to a row that
    /// does not exist).
    void unlink_everywhere(state& item) {
        // A many-to-one not loaded still names its target by key: if the identity map holds that
        // target, its loaded collection may hold this object (no SQL: an object not in the map
        // is in no loaded collection).
        for_each_relationship_element<T>([&]<class Element>(const Element&) {
            if constexpr (is_many_to_one<Element>) {
                using traits = relationship_traits<Element>;
                using target = typename traits::target;
                using foreign_key = key_operations<typename traits::foreign_keys>;
                using target_key = key_operations<typename traits::target_keys>;
                if constexpr (std::is_same_v<typename traits::target_keys, primary_key_columns<target>>) {
                    if ((item.object.*(traits::member)).is_loaded() || foreign_key::is_null(item.object)) return;
                    const typename target_key::value_type key{foreign_key::values(item.object)};
                    if (const auto found = mapper_in<target>(*owner_).find(key_type<target>{key}))
                        leave_target<Element>(*owner_, item, found.get(), relationships_);
                }
            }
        });
        for_each_relationship_member(item.object, [](auto& member) {
            using member_type = std::remove_cvref_t<decltype(member)>;
            if constexpr (requires { member.weaken(); }) {  // one<U>
                if (member.is_loaded() && member.current()) member.set(ref<typename member_type::target_type>{});
            } else if (member.is_loaded()) {  // many<U>
                const auto linked = member.items();
                for (const auto& other : linked) member.remove(other);
            }
        });
        forget_relationships(item);
    }

    /// Undoes remove()'s own step when its cascade failed (a lazy load, say).
    void restore_removed(const state_ptr& target, object_status status) {
        target->status = status;
        if (status == object_status::pending)
            pending_.push_back(target);
        else
            std::erase(deleted_, target);
    }

    /// Deletes the rows of a self-referential model in statements of many rows, children first:
    /// rows on a cycle (each other's parent) or whose children are not loaded go in one statement,
    /// which the database checks as a whole, where single DELETEs in any order would fail.
    void write_deletes_together(connection& target) {
        order_children_first();
        constexpr std::size_t rows_per_statement = 1000;  // a cycle longer than this still fails, loudly
        for (std::size_t first = 0; first < deleted_.size(); first += rows_per_statement) {
            const std::size_t rows = std::min(rows_per_statement, deleted_.size() - first);
            std::vector<const void*> objects;
            objects.reserve(rows);
            for (std::size_t row = first; row < first + rows; ++row) objects.push_back(&deleted_[row]->object);
            statements_.delete_rows(target, objects, parameters_);
        }
    }

    /// Whether a target object has its row in the database (persistent, or inserted by this flush).
    template <class Target>
    [[nodiscard]] static bool has_row(const object_state<Target>& target) noexcept {
        return target.status != object_status::pending || target.row_written;
    }

    /// Whether a relationship of T leads back to T through a foreign key (an adjacency list).
    template <class Element>
    static constexpr bool refers_to_own_model =
        relationship_traits<Element>::kind !=
        relationship_kind::many_to_many&& std::is_same_v<typename relationship_traits<Element>::target, T>;
    static constexpr bool self_referential() {
        bool found = false;
        for_each_relationship_element<T>(
            [&]<class Element>(const Element&) { found = found || refers_to_own_model<Element>; });
        return found;
    }

    /// Orders the pending objects of a self-referential model so that each comes after the new
    /// parent it points at (through its many-to-one or a parent's collection), whatever order
    /// they were added in: each row goes in with its parent's key, in one INSERT. Objects on a
    /// cycle keep their relative order; write_updates points them after.
    void order_parents_first() {
        order_after(pending_, [](const state_ptr& item, const auto& after) {
            for_each_relationship_element<T>([&]<class Element>(const Element&) {
                if constexpr (refers_to_own_model<Element>) {
                    const auto& member = item->object.*(relationship_traits<Element>::member);
                    if constexpr (relationship_traits<Element>::collection) {
                        for (const auto& added : member.added()) after(added.state().get(), item.get());
                    } else if (member.changed()) {
                        if (const auto referenced = member.current()) after(item.get(), referenced.state().get());
                    }
                }
            });
        });
    }

    /// Orders the deleted objects of a self-referential model so that a row still referencing
    /// another deleted row (a child in its collection, removed by the cascade or not) goes first:
    /// deleting the parent first fails on the foreign key.
    void order_children_first() {
        order_after(deleted_, [](const state_ptr& item, const auto& after) {
            for_each_relationship_element<T>([&]<class Element>(const Element&) {
                if constexpr (refers_to_own_model<Element> && relationship_traits<Element>::collection) {
                    const auto& member = item->object.*(relationship_traits<Element>::member);
                    if (!member.is_loaded()) return;
                    for (const auto& child : member.items()) after(item.get(), child.state().get());
                    for (const auto& child : member.removed()) after(item.get(), child.state().get());
                }
            });
        });
    }

    /// Reorders `items` so that each comes after the items it depends on: `collect(item, after)`
    /// calls after(a, b) for each "a comes after b" it knows. Depth-first; items on a cycle keep
    /// their relative order.
    template <class Collect>
    static void order_after(std::vector<state_ptr>& items, Collect&& collect) {
        std::unordered_map<const state*, std::size_t> position;
        for (std::size_t i = 0; i < items.size(); ++i) position.emplace(items[i].get(), i);
        std::vector<std::vector<std::size_t>> first(items.size());  // what must come before each
        bool any = false;
        const auto after = [&](const state* later, const state* earlier) {
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
        std::vector<state_ptr> ordered;
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

    /// Writes the association rows of one many-to-many collection of `item` (all of them when
    /// the object is being deleted).
    template <class Element>
    void write_association_rows(connection& target, const state& item, bool deleted) {
        using traits = relationship_traits<Element>;
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
            for (const auto& name : local)
                matches_local += (matches_local.empty() ? "" : " AND ") + name + " = " + mark();
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
        const auto& sql = dialect_ == dialect::postgresql ? for_postgresql : for_sqlite;
        const typename local_key::value_type key{parent_key::values(item.object)};
        parameters_.clear();
        std::apply([this](const auto&... values) { (parameters_.push_back(to_parameter(values)), ...); }, key);
        if (deleted) {
            target.execute_parameters(sql.remove_all, parameters_);
            return;
        }
        const auto local_count = parameters_.size();
        const auto& collection = item.object.*(traits::member);
        const auto write = [&](const std::string& text, const ref<other>& linked) {
            parameters_.erase(parameters_.begin() + static_cast<std::ptrdiff_t>(local_count), parameters_.end());
            const typename remote_key::value_type linked_key{target_key::values(*linked)};
            std::apply([this](const auto&... values) { (parameters_.push_back(to_parameter(values)), ...); },
                       linked_key);
            target.execute_parameters(text, parameters_);
        };
        // A target being deleted takes all its rows with it (its own mapper deletes them)
        for (const auto& removed : collection.removed())
            if (removed.status() != object_status::deleted) write(sql.remove_one, removed);
        for (const auto& added : collection.added())
            if (added.status() != object_status::deleted) write(sql.insert, added);
    }

    [[nodiscard]] static std::uint64_t changed_columns(const state& item) noexcept {
        return detail::row_operations<T>::changed_columns(item.object, item.snapshot.data());
    }

    struct inserted_object {
        state_ptr item;
        write_statements::inserted_row written;  ///< what the INSERT left to the server
    };

    session* owner_;
    dialect dialect_;
    const model_info& info_;
    write_statements statements_;
    relationship_mode relationships_;
    strata::detail::flat_map<key_type<T>, state_ptr, key_hash> map_;
    std::vector<state_ptr> pending_;
    std::vector<state_ptr> deleted_;
    std::vector<std::pair<state_ptr, std::uint64_t>> updates_;
    std::vector<inserted_object> inserted_;
    std::vector<parameter> parameters_;
    std::vector<state_ptr> relationship_changed_;     ///< objects whose relationships changed (prepare_flush)
    std::vector<state_ptr> inserted_in_transaction_;  ///< what a rollback detaches (their rows go)
    touched_objects<T> touched_;                      ///< what an autoflush compares
    bool compare_all_ = false;                        ///< the next flush compares every object
};

}  // namespace strata::orm
