// strata/orm/relationship_member.hpp - what a relationship member (one<T>, many<T>) holds and does,
// whatever its target model: the loaded target or collection, the unflushed changes, and the
// context that lets it load itself through its session.
//
// one<T> and many<T> (orm/relationship.hpp) are typed faces over these two classes, so the
// bookkeeping of every relationship in a program (set, add, remove, follow, unload, weaken) is
// compiled once, not once per target model, and the unit of work walks an object's relationships
// through model descriptions (relationship_member_info) instead of per-model virtual functions.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>
#include <vector>

#include "strata/core/error.hpp"
#include "strata/detail/linkage.hpp"
#include "strata/orm/object_state.hpp"

namespace strata {

class connection;
class parameter;
class session;

/// A lazy load was attempted on a relationship set to raise (raiseload): the N+1 guard.
class lazy_load_forbidden : public usage_error {
public:
    using usage_error::usage_error;
};

/// How an unloaded relationship behaves when read.
enum class relationship_mode : std::uint8_t { lazy, raise };

namespace orm {

class model_objects;
struct foreign_key_link;
struct model_info;
struct relationship_context;
struct relationship_member_info;

/// The three kinds of relationship.
enum class relationship_kind : std::uint8_t { one_to_many, many_to_one, many_to_many };

/// What one declared relationship does, whatever object holds it: one constant per mapping
/// element, so that each relationship member carries a pointer to it, not three.
struct relationship_behavior {
    /// Fills `member` of the object `parent`; `autoflush` false when the load serves a change (add,
    /// remove, set): flushing then would write the object being linked before its key is pointed.
    /// (orm/relationship_load.hpp's lazy_load, one function for every relationship: a pointer, so
    /// that this header does not include the loads.)
    void (*load)(const relationship_behavior&, session&, tracked_object& parent, void* member,
                 bool autoflush) = nullptr;
    std::string_view name;  ///< for lazy_load_forbidden messages
    /// This relationship's member in its model's objects.
    const relationship_member_info* member = nullptr;
    /// The other side's member in the target's objects, when the target declares it (the inverse:
    /// the same foreign key seen from the other model, or the same association keys swapped).
    const relationship_member_info* inverse = nullptr;
    /// When the inverse is a many-to-one referencing the primary key: the object its foreign key
    /// names in the session's identity map (no SQL), or empty.
    tracked_pointer (*inverse_target_in_session)(session&, tracked_object& item) = nullptr;
    /// The target's objects in a session.
    model_objects& (*target_objects)(session&) = nullptr;

    // What the unit of work needs to follow the relationship at a flush or a delete, for every
    // model by one non-template walk (orm/model_objects.hpp).

    relationship_kind kind = relationship_kind::one_to_many;
    /// A one-to-many (the items hold the foreign key): an item's last add or remove since the last
    /// flush is its change (added and removed again, it is left without a parent - it may have left
    /// another parent for this one, and SQLAlchemy sets its reference to None). A many-to-many's
    /// add and remove cancel out.
    [[nodiscard]] bool items_hold_key() const noexcept { return kind == relationship_kind::one_to_many; }
    /// The foreign key it follows: a one-to-many's children's, a many-to-one's own (null for a
    /// many-to-many).
    const foreign_key_link* link = nullptr;
    /// A many-to-one whose foreign key references its target's primary key, in order: the target
    /// its foreign key names in the session's identity map (no SQL), or empty; null for any other
    /// relationship.
    tracked_pointer (*target_in_session)(session&, tracked_object& item) = nullptr;
    /// Whether this is such a many-to-one: the identity map answers its loads first
    /// (referenced_in_session, orm/relationship_load.hpp).
    [[nodiscard]] bool references_primary_key() const noexcept { return target_in_session != nullptr; }
    /// A many-to-many: its association table's columns referencing the parent's key (null for
    /// any other relationship); what write_association_rows writes through.
    const foreign_key_link* association_parent = nullptr;
    /// A many-to-many: its association table's columns referencing the target's key.
    const foreign_key_link* association_target = nullptr;
    const model_info* target_model = nullptr;  ///< the target model's description
    /// The relationship leads back to its own model through a foreign key (an adjacency list).
    bool self_referential = false;
    /// A one-to-many declared with strata::delete_orphan: removed children are deleted.
    bool delete_orphan = false;
    /// A one-to-many whose foreign key declares ON DELETE CASCADE or SET NULL: deleting the parent
    /// leaves its unloaded children to the database.
    bool database_handles_children = false;
};

/// What a relationship member needs to load itself: the session, the object owning it, and the
/// relationship's behavior (type-erased; generated per mapping declaration).
struct relationship_context {
    session* owner = nullptr;                         ///< the session that loaded the parent
    tracked_object* parent = nullptr;                 ///< the object holding the member
    const relationship_behavior* behavior = nullptr;  ///< null for an object never seen by a session
    relationship_mode mode = relationship_mode::lazy;

    /// The relationship's name, for messages.
    [[nodiscard]] std::string_view name() const noexcept { return behavior ? behavior->name : "relationship"; }
    /// Whether a load can run (a session and a loader).
    [[nodiscard]] bool can_load() const noexcept { return owner != nullptr && behavior != nullptr; }
    /// Loads `member` through the session (check can_load() first).
    void load(void* member, bool autoflush) const { behavior->load(*behavior, *owner, *parent, member, autoflush); }
    /// Marks the parent used since the last flush, so the next autoflush compares it: a change made
    /// through a member reached before a query (`a->books.add(session.get<Book>(1))`, whose get
    /// flushes after `a->` was evaluated) would otherwise wait for commit.
    void touch() const noexcept {
        if (behavior != nullptr && parent != nullptr) parent->mark_touched();
    }
    /// Tells the other side that `target` joined or left this relationship; see link_other_side.
    bool link(tracked_object& target, bool added) const;
};

/// Throws when a relationship cannot load itself.
void check_loadable(const relationship_context& context);

/// What one<T> and many<T> share: whether the member is loaded, and how it loads.
class relationship_member {
public:
    /// Whether the target (or collection) is loaded (no statement needed to read it).
    [[nodiscard]] bool is_loaded() const noexcept { return loaded_; }
    /// Binds the relationship to its session and parent (the session calls this).
    void bind(const relationship_context& context) noexcept { context_ = context; }
    /// The object left its session: an unloaded read no longer loads; `mode` is the session's default.
    void detach(relationship_mode mode) noexcept {
        context_.owner = nullptr;
        context_.mode = mode;
    }
    /// Changes how an unloaded read behaves.
    void set_mode(relationship_mode mode) noexcept { context_.mode = mode; }

protected:
    relationship_context context_;
    bool loaded_ = false;
};

/// A many-to-one reference's state (one<T> without T): its target held strongly, or weakly once
/// its detached parent's collection holds it.
class reference_member : public relationship_member {
public:
    // Copied, moved and destroyed with every object of a model holding one: defined once in the
    // library, not inlined into each model's object code.
    reference_member() = default;
    reference_member(const reference_member& other);
    reference_member(reference_member&& other) noexcept;
    reference_member& operator=(const reference_member& other);
    reference_member& operator=(reference_member&& other) noexcept;
    ~reference_member();

    /// Whether set() changed the reference since the last flush.
    [[nodiscard]] bool changed() const noexcept { return changed_; }
    /// The flush wrote the change.
    void clear_changes() noexcept { changed_ = false; }
    /// The loaded target without loading (empty when unloaded or NULL).
    [[nodiscard]] tracked_pointer current_target() const noexcept {
        if (!loaded_) return {};
        if (weak_) return weak_target_.lock();
        return target_;
    }
    /// The target held strongly, if loaded (the session's cycle check); null otherwise.
    [[nodiscard]] const tracked_object* strong_target() const noexcept { return loaded_ ? target_.get() : nullptr; }
    /// Points the reference at `target` (empty: none); see one<T>::set.
    void set_target(tracked_pointer target);
    /// Sets the loaded target (loaders call this).
    void assign(tracked_pointer target) noexcept {
        target_ = std::move(target);
        weak_target_.reset();
        loaded_ = true;
        weak_ = false;
    }
    /// Forgets the loaded target (how the session breaks a reference cycle at its end).
    void unload() noexcept;
    /// Holds the target weakly from now on: at a session's end, for a child whose parent's loaded
    /// collection holds it, so that the detached pair does not keep itself alive.
    void weaken() noexcept;

protected:
    /// The target, loaded if needed (empty for a NULL reference), as get() returns it.
    [[nodiscard]] tracked_pointer target_for_get() const {
        if (weak_) return locked_target();
        if (!loaded_) load_now();
        return target_;
    }
    /// The target for `->` and `*`: loaded if needed, marked used (held strongly); throws for NULL.
    [[nodiscard]] tracked_object& target_for_access() const {
        // No handle copy per access (book->writer->name in a loop): a weak target that could be
        // locked is owned elsewhere, so the reference outlives the lock.
        if (loaded_ && !weak_ && target_) [[likely]] {
            target_->mark_touched();
            return *target_;
        }
        return target_for_access_slow();
    }

private:
    void load_now() const;
    [[nodiscard]] tracked_object& target_for_access_slow() const;
    [[nodiscard]] tracked_pointer locked_target() const;

    // The flags first: they fit in relationship_member's tail padding (72 bytes, not 80).
    bool weak_ = false;
    bool changed_ = false;
    tracked_pointer target_;
    std::weak_ptr<tracked_object> weak_target_;
};

/// A collection's state (many<T> without T): its loaded objects, and those added and removed since
/// the last flush.
class collection_member : public relationship_member {
public:
    // Copied, moved and destroyed with every object of a model holding one: defined once in the
    // library, not inlined into each model's object code.
    collection_member() = default;
    collection_member(const collection_member& other);
    collection_member(collection_member&& other) noexcept;
    collection_member& operator=(const collection_member& other);
    collection_member& operator=(collection_member&& other) noexcept;
    ~collection_member();

    /// The objects; loads them if needed.
    [[nodiscard]] const std::vector<tracked_pointer>& entries() const {
        if (!loaded_) load_now();
        return items_;
    }
    /// The objects as loaded, without loading (empty when unloaded).
    [[nodiscard]] const std::vector<tracked_pointer>& loaded_entries() const noexcept { return items_; }
    /// Counts the changes that move or drop entries (a removal, an unload, a load again): an
    /// iteration started at another count would read shifted or freed entries.
    [[nodiscard]] std::uint32_t version() const noexcept { return version_; }
    /// Entry `index` for an iteration started at `version`; usage_error when the collection lost
    /// or moved entries since (the iteration would skip objects or read freed memory).
    [[nodiscard]] const tracked_pointer& entry_at(std::size_t index, std::uint32_t version) const {
        // Entries only leave with a new version: at the same version, an index below the size
        // the iteration began with is still in range.
        if (version != version_) [[unlikely]]
            changed_while_iterated();
        return items_[index];
    }
    /// Whether `item` is in the collection (loads it if needed).
    [[nodiscard]] bool contains_entry(const tracked_object* item) const;
    /// Adds an object; see many<T>::add.
    void add_entry(tracked_pointer item);
    /// Removes an object; see many<T>::remove.
    bool remove_entry(const tracked_object* item);
    /// Loads the collection, if it is not loaded, without flushing first (the session's delete
    /// cascade calls this: flushing then would write the object being deleted).
    void load_for_change() { prepare_change(); }
    /// Objects added since the last flush.
    [[nodiscard]] const std::vector<tracked_pointer>& added() const noexcept { return added_; }
    /// Objects removed since the last flush.
    [[nodiscard]] const std::vector<tracked_pointer>& removed() const noexcept { return removed_; }
    /// Whether add() or remove() changed the collection since the last flush.
    [[nodiscard]] bool changed() const noexcept { return !added_.empty() || !removed_.empty(); }
    /// The flush wrote the changes.
    void clear_changes() noexcept {
        added_.clear();
        removed_.clear();
    }
    /// Appends or removes an object without recording a change (the other side of a relationship
    /// keeping in step: only one side writes). An unflushed opposite change recorded here cancels
    /// out (returns true): a link added here and removed there (or the reverse) is no change at all,
    /// where writing both sides could INSERT and DELETE in the wrong order.
    bool follow(const tracked_pointer& item, bool added);
    /// Forgets the loaded objects when a commit expired them with the collection's object and
    /// nothing changed since, so that the next change or delete cascade loads the rows again.
    void forget_if_expired() noexcept;
    /// Forgets the loaded objects (how the session breaks a reference cycle at its end).
    void unload() noexcept {
        ++version_;
        items_.clear();
        added_.clear();
        removed_.clear();
        loaded_ = false;
    }
    /// Marks a new object's collection loaded as it is (its rows cannot exist in the database yet).
    void mark_new() noexcept { loaded_ = true; }
    /// Marks the collection loaded with no objects yet (loaders call this before appending).
    void start_loading() noexcept {
        ++version_;
        items_.clear();
        loaded_ = true;
    }
    /// Appends an object once (loaders call this; joined rows repeat children).
    void append_unique(tracked_pointer item);
    /// Appends an object (loaders that know it is new call this).
    void append(tracked_pointer item) { items_.push_back(std::move(item)); }

private:
    void load_now() const;
    void prepare_change();
    void record(const tracked_pointer& item, bool added);
    [[noreturn, gnu::cold]] void changed_while_iterated() const;
    /// Removes the entry at `at`: the entries after it move.
    void erase_entry(std::vector<tracked_pointer>::const_iterator at) {
        ++version_;
        items_.erase(at);
    }

    std::uint32_t version_ = 0;
    std::vector<tracked_pointer> items_;
    std::vector<tracked_pointer> added_;
    std::vector<tracked_pointer> removed_;
};

/// One relationship member of a model, reached from its tracked object without knowing the model
/// (the unit of work's walks over an object's relationships, and the in-memory link of both sides).
struct relationship_member_info {
    /// The member inside `item` (an object of the model).
    relationship_member& (*of)(tracked_object& item) noexcept = nullptr;
    /// A handle sharing ownership of `item` (an object of the model, held by some handle).
    tracked_pointer (*handle)(tracked_object& item) = nullptr;
    bool collection = false;  ///< many<U> (a collection_member), else one<U> (a reference_member)

    /// The member of `item`, a collection.
    [[nodiscard]] collection_member& collection_of(tracked_object& item) const noexcept {
        return static_cast<collection_member&>(of(item));
    }
    /// The member of `item`, a reference.
    [[nodiscard]] reference_member& reference_of(tracked_object& item) const noexcept {
        return static_cast<reference_member&>(of(item));
    }
    /// Whether the member of `item` was changed since the last flush.
    [[nodiscard]] bool changed(tracked_object& item) const noexcept {
        return collection ? collection_of(item).changed() : reference_of(item).changed();
    }
    /// The member of `item`'s changes were flushed.
    void clear_changes(tracked_object& item) const noexcept {
        if (collection)
            collection_of(item).clear_changes();
        else
            reference_of(item).clear_changes();
    }
    /// Forgets what the member of `item` loaded (a collection's unflushed changes with it).
    void unload(tracked_object& item) const noexcept {
        if (collection)
            collection_of(item).unload();
        else
            reference_of(item).unload();
    }
};

/// Keeps the other side of a relationship in step in memory when `target` joined (`added`) or left
/// the relationship `context` describes: its collection follows, or its reference points here (a
/// child moving here first leaves its previous parent's loaded collection). Returns whether the
/// other side held the opposite change, unflushed (a many-to-many link added on one side, removed
/// on the other): the two cancel out, and this side records nothing.
bool link_other_side(const relationship_context& context, tracked_object& target, bool added);

/// Whether `child`, an object on the many side of the one-to-many `behavior`, holds its inverse
/// many-to-one loaded and empty: taken out of a collection it had joined since the last flush, it
/// belongs to no parent now.
bool left_without_parent(const relationship_behavior& behavior, tracked_object& child) noexcept;

}  // namespace orm
}  // namespace strata

#if !defined(STRATA_SEPARATE_COMPILATION)
#include "strata/orm/impl/relationship_member.hpp"
#endif
