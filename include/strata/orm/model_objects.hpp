// strata/orm/model_objects.hpp - one model's objects in a session and the unit of work over them:
// what is pending, changed and deleted, and the flush, commit and rollback of those objects.
//
// Nothing here depends on the model's C++ type: objects are tracked_objects (orm/object_state.hpp),
// rows are written through model_info's column thunks (orm/write_statements.hpp), relationships
// are followed through their relationship_behaviors (orm/relationship_member.hpp), and what must
// know T - making an object and reading a row into it (row_loading), its object's address, its
// columns' changes, its identity map's key - is asked of the model's typed steps and of the
// derived identity_map<Key> (orm/identity_map.hpp) and mapper<T> (orm/mapper.hpp) through a few
// virtual functions. So a program compiles this bookkeeping once (once per program under
// STRATA_SEPARATE_COMPILATION), not once per mapped model.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string_view>
#include <utility>
#include <vector>

#include "strata/core/dialect.hpp"
#include "strata/detail/function_ref.hpp"
#include "strata/detail/linkage.hpp"
#include "strata/engine/connection.hpp"
#include "strata/orm/foreign_key_link.hpp"
#include "strata/orm/model.hpp"
#include "strata/orm/object_state.hpp"
#include "strata/orm/relationship_member.hpp"
#include "strata/orm/write_statements.hpp"

namespace strata {
class session;
}

namespace strata::orm {

struct object_graph;  // orm/object_graph.hpp: built and read by the compiled session only

/// What making and loading an object needs of the model itself: the typed steps of
/// identity_map<Key>::load_row and of add_new(), one constant per model (row_loading_of<T>,
/// orm/mapper.hpp), so that the row loop around them (key, identity-map probe, a known object's
/// refill, the new object's bookkeeping) is compiled once per key type and an add's bookkeeping
/// once per program, rather than once per model.
struct row_loading {
    /// A new, untracked object of the model (its memory recycled from earlier objects of its size).
    tracked_pointer (*create)() = nullptr;
    /// A new, untracked object loaded from the current row: key columns from `key` (the row's
    /// key, read already), the other columns of `mask` at `positions`, each fingerprint into its
    /// snapshot.
    tracked_pointer (*load_new)(const void* key, const field_reader& row, const int* positions,
                                std::uint64_t mask) = nullptr;
    /// The columns of `mask` that the object has not loaded (its deferred ones).
    std::uint64_t (*unloaded_columns)(const tracked_object& item, std::uint64_t mask) noexcept = nullptr;
    /// The object's snapshot: one fingerprint per column.
    std::uint64_t* (*snapshot)(tracked_object& item) noexcept = nullptr;
};

/// The objects of one model in one session, and their unit of work (type-erased: the session
/// holds one per model it has seen).
class model_objects {
public:
    model_objects(const model_objects&) = delete;
    model_objects& operator=(const model_objects&) = delete;
    virtual ~model_objects();

    /// The model's description.
    [[nodiscard]] const model_info& info() const noexcept { return info_; }
    /// The SQL dialect of the session's database.
    [[nodiscard]] dialect sql_dialect() const noexcept { return dialect_; }
    /// Objects held, pending ones included.
    [[nodiscard]] std::size_t size() const noexcept { return mapped_count() + pending_.size(); }
    /// Calls `visit` for every object held, pending ones included.
    void for_each_object(strata::detail::function_ref<void(const tracked_pointer&)> visit) {
        for_each_mapped(visit);
        for (const auto& item : pending_) visit(item);
    }

    /// Finds the work of the next flush; returns how many statements (or relationship changes) it
    /// needs. `touched_only` (an autoflush): compares only the objects used through a handle since.
    std::size_t prepare_flush(bool touched_only);
    /// Whether prepare_flush found relationship changes.
    [[nodiscard]] bool has_relationship_changes() const noexcept { return !relationship_changed_.empty(); }
    /// Whether the model declares relationships: its INSERTs point keys, so they cannot wait.
    [[nodiscard]] bool has_relationships() const noexcept { return !relationship_members_.empty(); }
    /// INSERTs pending objects (pointing their changed many-to-ones' foreign keys first), then
    /// points the foreign keys of children added to or removed from this model's collections;
    /// `journal` keeps what each foreign key held before.
    void write_inserts(connection& target, foreign_key_journal& journal);
    /// UPDATEs changed columns of persistent objects; `rescan`: relationship changes may have
    /// changed foreign keys since prepare_flush (`journal` keeps what each held before).
    void write_updates(connection& target, bool rescan, foreign_key_journal& journal);
    /// INSERTs and DELETEs association rows of changed many-to-many collections (and of deleted objects).
    void write_associations(connection& target) { walk(&relationship_walks::write_associations, target); }
    /// DELETEs removed objects.
    void write_deletes(connection& target);
    /// Whether the flush deletes objects of this model.
    [[nodiscard]] bool has_deleted() const noexcept { return !deleted_.empty(); }
    /// The flush deleted `targets`' deleted objects: they leave this model's loaded collections.
    /// Their own relationships reach only the collections their model declares a way back to (a
    /// many-to-one, or a loaded many-to-many); a one-to-many's parent is found by the child's
    /// foreign key in the identity map, a many-to-many's parents by looking at each one held.
    void forget_deleted_targets(const model_objects& targets);
    /// Whether remove() dropped new objects of this model that loaded relationships may still hold.
    [[nodiscard]] bool has_dropped() const noexcept { return !dropped_.empty(); }
    /// remove() dropped `targets`' new objects before their INSERT: they leave this model's loaded
    /// collections and references (found by looking at each one held: a new child's foreign key
    /// is not pointed yet), as if never added, so that no relationship lists a row never written.
    void forget_dropped_targets(const model_objects& targets);
    /// The dropped objects were forgotten everywhere.
    void clear_dropped() noexcept { dropped_.clear(); }
    /// The flush succeeded: pending become persistent, snapshots move on, deleted go.
    void finish_flush();
    /// The flush failed and was rolled back: undo generated keys, keep everything as before.
    void abandon_flush() noexcept;
    /// Marks every object expired (after commit): the next load refreshes its values.
    void expire_all() noexcept;
    /// The transaction committed: every object's row stays; all are expired.
    void commit() noexcept;
    /// After rollback: pending objects are dropped, deleted ones restored, all expired.
    void rollback() noexcept;
    /// Detaches and forgets every object.
    void clear() noexcept;

    /// Whether any object of this model holds a loaded relationship target (cheap: no hashing).
    [[nodiscard]] bool has_loaded_relationships();
    /// The tables this model's relationships lead to.
    [[nodiscard]] std::vector<std::string_view> relationship_targets() const {
        return walks_ != nullptr ? (this->*walks_->relationship_targets)() : std::vector<std::string_view>{};
    }
    /// Adds this model's objects, who holds them inside the session and what they reference to `graph`.
    void describe_graph(object_graph& graph);
    /// Breaks reference cycles before detaching: objects no outside handle reaches unload their
    /// relationships; kept children hold their parent weakly where the parent's collection holds them.
    void release_unreachable(const object_graph& graph) noexcept;

    /// Tracks a new object (`item`, whose struct is at `object`) as pending: INSERTed at the next flush.
    void add_pending(const tracked_pointer& item, void* object);
    /// Makes a new object from the user's struct at `source` (`move_from` moves it in) and tracks
    /// it as pending (mapper<T>::add's bookkeeping, compiled once).
    tracked_pointer add_new(void* source, void (*move_from)(tracked_object& item, void* source));
    /// Marks an object for DELETE at the next flush (a pending object is simply dropped), with
    /// what its one-to-many relationships cascade to.
    void remove(const tracked_pointer& target);
    /// Stops tracking an object.
    void expunge(const tracked_pointer& target);
    /// Forgets an object that a streaming query has finished with, unless it was changed; returns
    /// whether it did.
    bool release(tracked_object& target);

    /// The identity-mapped object for the current row (identity_map<Key> defines it; every query's
    /// row loop but a stream's runs it).
    ///
    /// `positions[i]` is the select-list index of column i (or -1 when not selected); `mask` has
    /// the bits of the selected columns. An object already in the map keeps its values unless it
    /// is expired or `overwrite` is set (a locking read); columns it lacks are filled in.
    [[nodiscard]] virtual tracked_pointer load_row(const field_reader& row, const std::vector<int>& positions,
                                                   std::uint64_t mask, bool overwrite) = 0;
    /// Makes room for `additional` more objects in the identity map.
    virtual void reserve_objects(std::size_t additional) = 0;
    /// The object the identity map holds under this primary key (`key`: one value per key column,
    /// in mapping order, each of its column's storage kind), or null: the lookup of a caller that
    /// knows the model only by its description (a many-to-one's load).
    [[nodiscard]] virtual tracked_pointer find_by_key(const key_values& key) = 0;

protected:
    /// The objects of the model `info` describes, in the session `owner` speaking `target`.
    /// `members`: the model's relationship members, and `behaviors` what each relationship does,
    /// in the same order (none for a plain model); `loading`: the model's typed steps of making and
    /// loading an object.
    model_objects(session* owner, dialect target, relationship_mode relationships, const model_info& info,
                  std::span<const relationship_member_info> members,
                  std::span<const relationship_behavior* const> behaviors, const row_loading& loading);

    // The identity map, keyed by the model's key type (identity_map<Key>).

    /// Calls `visit` for every object in the identity map.
    virtual void for_each_mapped(strata::detail::function_ref<void(const tracked_pointer&)> visit) = 0;
    /// Puts an object in the identity map under its key (after its INSERT).
    virtual void map_object(const tracked_pointer& item) = 0;
    /// Takes an object out of the identity map, if its key's entry is that object.
    virtual void unmap_object(const tracked_object& item) = 0;
    /// The identity map's handle of this object under its current key; null when that entry is
    /// not this object (its key columns were changed).
    [[nodiscard]] virtual const tracked_pointer* find_mapped(const tracked_object& item) = 0;
    /// Detaches every object of the identity map and empties it.
    virtual void clear_map() noexcept = 0;
    /// Objects in the identity map.
    [[nodiscard]] virtual std::size_t mapped_count() const noexcept = 0;

    // What must know the model's type (mapper<T>).

    /// The user's struct inside a tracked object.
    [[nodiscard]] virtual void* object_address(tracked_object& item) const noexcept = 0;
    /// The loaded columns whose values differ from the object's snapshot (one bit per column).
    [[nodiscard]] virtual std::uint64_t changed_columns(const tracked_object& item) const noexcept = 0;
    /// Reads the object's values into its snapshot.
    virtual void take_snapshot(tracked_object& item) const noexcept = 0;

    // The unit of work along relationships: walks over the model's relationship behaviors, the
    // same for every model (so compiled once, not once per mapped model), reached through walks_:
    // mapper<T> sets it only for a model that declares relationships, so that a program whose
    // models declare none does not compile them (header-only, every translation unit would).

    /// The walks, as members of this class.
    struct relationship_walks {
        void (model_objects::*point_references)(tracked_object&, foreign_key_journal&);
        void (model_objects::*point_children_of)(tracked_object&, bool, foreign_key_journal&);
        void (model_objects::*order_parents_first)();
        void (model_objects::*order_children_first)();
        void (model_objects::*cascade_removal)(tracked_object&);
        void (model_objects::*unlink_everywhere)(tracked_object&);
        void (model_objects::*write_associations)(connection&);
        std::vector<std::string_view> (model_objects::*relationship_targets)() const;
    };
    /// The walks of a model with relationships (what mapper<T> sets walks_ to).
    static const relationship_walks& along_relationships() noexcept {
        static constexpr relationship_walks walks{&model_objects::point_references,
                                                  &model_objects::point_children_of,
                                                  &model_objects::order_parents_first,
                                                  &model_objects::order_children_first,
                                                  &model_objects::cascade_removal,
                                                  &model_objects::unlink_everywhere,
                                                  &model_objects::write_changed_associations,
                                                  &model_objects::list_relationship_targets};
        return walks;
    }
    /// Runs walk `step` with `arguments`; nothing for a model without relationships.
    template <class Step, class... Arguments>
    void walk(Step relationship_walks::*step, Arguments&&... arguments) {
        if (walks_ != nullptr) (this->*(walks_->*step))(std::forward<Arguments>(arguments)...);
    }
    const relationship_walks* walks_ = nullptr;

    /// Points the foreign key of each many-to-one the user set() at its target's key.
    void point_references(tracked_object& item, foreign_key_journal& journal);
    /// Points the foreign keys of the object's added (or nulls or deletes its removed) children.
    void point_children_of(tracked_object& item, bool additions, foreign_key_journal& journal);
    /// Orders pending_ so that each object comes after the new parent it points at (self-referential).
    void order_parents_first();
    /// Orders deleted_ so that a row referencing another deleted row goes first (self-referential).
    void order_children_first();
    /// What deleting `item` does to its one-to-many children (the cascades; see remove()).
    void cascade_removal(tracked_object& item);
    /// Takes a dropped new object, or a deleted one, out of every loaded relationship holding it.
    void unlink_everywhere(tracked_object& item);
    /// write_associations() of a model with relationships.
    void write_changed_associations(connection& target);
    /// relationship_targets() of a model with relationships.
    [[nodiscard]] std::vector<std::string_view> list_relationship_targets() const;

    // Walks over an object's relationship members (relationship_members_, the model's description of
    // them): the same for every model, so not virtual.

    /// Whether any relationship member of the object was changed by set(), add() or remove().
    [[nodiscard]] bool relationships_changed(tracked_object& item) const noexcept;
    /// Unloads the object's relationships and drops their unflushed changes.
    void forget_relationships(tracked_object& item) const noexcept;
    /// The relationship changes of the object were flushed.
    void clear_relationship_changes(tracked_object& item) const noexcept;
    /// Calls `visit(target, by_collection)` for each loaded relationship target held strongly.
    void visit_loaded_targets(tracked_object& item, strata::detail::function_ref<void(const void*, bool)> visit) const;
    /// Takes the entries `gone` says out of a loaded collection, recording no change (their rows
    /// are gone or were never written).
    static void forget_entries(collection_member& collection,
                               strata::detail::function_ref<bool(const tracked_pointer&)> gone);
    /// Unloads the object's loaded relationships that hold no unflushed change (a query refreshing
    /// an expired object: what they hold may have changed with its row).
    void expire_relationships(tracked_object& item) const noexcept;
    /// Unloads every relationship of the object (it is garbage: this ends its reference cycles).
    void unload_relationships(tracked_object& item) const noexcept;
    /// Turns weak each loaded many-to-one whose target `holds(target)` in its loaded collection.
    void weaken_held_references(tracked_object& item,
                                strata::detail::function_ref<bool(const void*)> holds) const noexcept;

    /// Receives "`later` comes after `earlier`" for order_after.
    using after_edge = strata::detail::function_ref<void(const tracked_object* later, const tracked_object* earlier)>;
    /// Reorders `items` so that each comes after the items it depends on: `collect(item, after)`
    /// calls after(a, b) for each "a comes after b" it knows. Depth-first; items on a cycle keep
    /// their relative order.
    static void order_after(std::vector<tracked_pointer>& items,
                            strata::detail::function_ref<void(const tracked_pointer&, after_edge)> collect);

    /// Binds the object's relationship members to this session, so that an unloaded one loads
    /// itself when read. Inline: every new or loaded object of a model with relationships does it.
    void bind_relationships(tracked_object& item) const noexcept {
        for (const auto* behavior : relationship_behaviors_)
            behavior->member->of(item).bind({owner_, &item, behavior, relationships_});
    }
    /// Stops tracking an object; its unloaded relationships no longer reach the session.
    /// Inline: clearing a session detaches every object it holds.
    void detach(tracked_object& item) noexcept {
        leave_touch_list(item);
        item.status = object_status::detached;
        item.touch_list = nullptr;  // no session's any more
        for (const auto& member : relationship_members_) member.of(item).detach(relationships_);
    }
    /// Leaves the identity map (if it is this object under its key) and detaches.
    void untrack(tracked_object& target);
    /// Leaves the list of objects touched since the last flush.
    static void leave_touch_list(tracked_object& item) noexcept {
        if (!item.listed) return;
        item.touch_list->remove(item);
        item.listed = false;
    }

    session* owner_;
    dialect dialect_;
    const model_info& info_;
    const row_loading* loading_;  ///< the model's typed steps of making and loading an object
    write_statements statements_;
    relationship_mode relationships_;
    std::vector<tracked_pointer> pending_;
    std::vector<tracked_pointer> deleted_;
    std::vector<tracked_pointer> dropped_;  ///< new objects remove() dropped, until every model forgot them
    std::vector<parameter> parameters_;     ///< statement parameters, reused across rows
    std::vector<tracked_pointer> relationship_changed_;  ///< objects whose relationships changed (prepare_flush)
    touched_objects touched_;                            ///< what an autoflush compares

private:
    /// The version counter `item` held when last loaded or flushed (its snapshot: a plain integer
    /// member is its own fingerprint); 0 for a model without one.
    [[nodiscard]] std::int64_t loaded_version(tracked_object& item) const noexcept {
        return info_.versioned() ? static_cast<std::int64_t>(loading_->snapshot(item)[info_.version_column]) : 0;
    }
    /// Finds the changes among the touched objects; false when every object must be compared
    /// instead (an incomplete list, a failed flush or rollback since, a changed relationship,
    /// or a touched object no longer found under its key).
    bool compare_touched();
    /// Which collection changes point_children() handles.
    enum children_pass { additions_of_persistent, all_changes };
    /// Points the foreign keys of children added to this model's one-to-many collections at their
    /// parent, then (all_changes) nulls or, with delete_orphan, deletes removed children.
    /// additions_of_persistent: only the additions of parents whose rows exist before the flush.
    void point_children(children_pass pass, foreign_key_journal& journal);
    /// Deletes the rows of a self-referential model in statements of many rows, children first.
    void write_deletes_together(connection& target);
    /// Undoes remove()'s own step when its cascade failed (a lazy load, say).
    void restore_removed(const tracked_pointer& target, object_status status);

    struct inserted_object {
        tracked_pointer item;
        write_statements::inserted_row written;  ///< what the INSERT left to the server
    };

    std::span<const relationship_member_info> relationship_members_;
    std::span<const relationship_behavior* const> relationship_behaviors_;
    bool self_referential_;  ///< a relationship leads back to the model (a tree)
    std::vector<std::pair<tracked_pointer, std::uint64_t>> updates_;
    std::vector<inserted_object> inserted_;
    std::vector<tracked_pointer> inserted_in_transaction_;  ///< what a rollback detaches (their rows go)
    /// What a flush of this transaction deleted: a rollback makes those still held persistent again
    /// (their rows come back). Held weakly, as SQLAlchemy's transaction does: an object no one
    /// holds cannot be written through.
    std::vector<std::weak_ptr<tracked_object>> deleted_in_transaction_;
    bool compare_all_ = false;  ///< the next flush compares every object
};

}  // namespace strata::orm

#if !defined(STRATA_SEPARATE_COMPILATION)
#include "strata/orm/impl/model_objects.hpp"
#endif
