// strata/orm/object_state.hpp - what a session keeps for each object: the user's struct with its
// snapshot (object_state<T>), over the bookkeeping every model shares (tracked_object).
//
// The bookkeeping is one non-template struct, so the unit of work's walks over objects (change
// detection, flush, commit, rollback, clear: orm/model_objects.hpp) are compiled once per
// program, not once per mapped model; only what touches T's members goes through T.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <tuple>
#include <type_traits>
#include <vector>

#include "strata/detail/linkage.hpp"
#include "strata/detail/tuple_elements.hpp"
#include "strata/orm/model.hpp"

namespace strata {

/// Where an object stands with its session.
enum class object_status : std::uint8_t {
    pending,     ///< added, not yet inserted
    persistent,  ///< has a row, tracked by the identity map
    deleted,     ///< removed; DELETE at the next flush
    detached     ///< no longer tracked by any session
};

namespace orm {

class touched_objects;

/// Destroys the model's state that object_storage<T> made in `storage` (its own step per model).
using destroy_state = void (*)(void* storage) noexcept;

/// The session's bookkeeping of one object, whatever its model (object_state<T>'s first base).
/// 24 bytes: the flags share a byte, and the session is reached through the touch list, so that
/// the step that destroys the object fits beside them (object_storage.hpp: one shared_ptr
/// control block per size class of objects, not per model).
struct tracked_object {
    object_status status = object_status::pending;
    bool expired : 1 = false;                  ///< values may be stale (after commit/rollback)
    bool touched : 1 = false;                  ///< reached through a handle since the last flush
    bool row_written : 1 = false;              ///< pending, but the flush under way has INSERTed its row
    bool listed : 1 = false;                   ///< persistent in a session: its touches are recorded in touch_list
    bool orphaned : 1 = false;                 ///< pending, taken out of a delete_orphan collection, in none since
    bool inserted_by_transaction : 1 = false;  ///< its row was inserted by the session's open transaction
    std::uint32_t touched_index = 0;           ///< its place in touch_list while touched
    /// Its model's list in the session tracking it (pending or persistent), or null: none does.
    touched_objects* touch_list = nullptr;
    destroy_state destroy = nullptr;  ///< ends the object (set when its object_block constructs it)

    /// Notes a use through a handle: any such use may change the object.
    void mark_touched() noexcept;
    /// The session tracking it (compared, never dereferenced), or null.
    [[nodiscard]] const void* owner() const noexcept;
};

/// A shared handle to any model's tracked object (the unit of work's lists hold these).
using tracked_pointer = std::shared_ptr<tracked_object>;

/// The persistent objects of one model reached through a handle since the session last compared
/// them with their snapshots. An autoflush compares only these, so a query costs what was used
/// since the last flush rather than every object the session holds (lazy loading would
/// otherwise be quadratic). flush() and commit() still compare every object.
class touched_objects {
public:
    /// The list of one model's objects in the session `owner`.
    explicit touched_objects(const void* owner) noexcept : owner_(owner) {}
    /// The session whose objects these are (compared, never dereferenced).
    [[nodiscard]] const void* owner() const noexcept { return owner_; }
    /// Records a first touch; a full list (no memory) makes the next autoflush compare everything.
    /// Compiled once: every `handle->member` in a program reaches it (rarely: on a first touch).
    void add(tracked_object& item) noexcept;
    /// Forgets an object leaving the identity map (its slot is emptied; emptied slots are
    /// squeezed out once they are most of the list, so streaming keeps the list short).
    void remove(tracked_object& item) noexcept {
        if (!item.touched) return;
        item.touched = false;
        --live_;
        if (item.touched_index + 1 == items_.size()) {
            items_.pop_back();  // the newest touch: what a stream's release, newest first, removes
            return;
        }
        items_[item.touched_index] = nullptr;
        if (items_.size() >= 64 && live_ * 4 < items_.size()) {
            std::size_t kept = 0;
            for (auto* entry : items_) {
                if (entry == nullptr) continue;
                entry->touched_index = static_cast<std::uint32_t>(kept);
                items_[kept++] = entry;
            }
            items_.resize(kept);
        }
    }
    /// Whether every touch since the last reset was recorded.
    [[nodiscard]] bool complete() const noexcept { return !overflowed_; }
    /// The touched objects (null entries are slots of objects that left).
    [[nodiscard]] const std::vector<tracked_object*>& entries() const noexcept { return items_; }
    /// Starts over: no object counts as touched.
    void reset() noexcept {
        for (auto* entry : items_)
            if (entry != nullptr) entry->touched = false;
        items_.clear();
        live_ = 0;
        overflowed_ = false;
    }

private:
    const void* owner_;
    std::vector<tracked_object*> items_;
    std::size_t live_ = 0;
    bool overflowed_ = false;
};

inline void tracked_object::mark_touched() noexcept {
    if (!touched && listed) [[unlikely]]
        touch_list->add(*this);
}
inline const void* tracked_object::owner() const noexcept {
    return touch_list != nullptr ? touch_list->owner() : nullptr;
}

template <class T>
struct object_state;

/// Whether a mapping element declares a relationship.
template <class Element>
struct is_relationship_declaration {
    static constexpr bool value = requires { Element::declares_relationship; };
};
/// Whether Model's mapping declares a relationship (its elements say declares_relationship).
template <class Model>
inline constexpr bool declares_relationships =
    strata::detail::any_tuple_element<is_relationship_declaration,
                                      typename std::remove_cvref_t<decltype(mapping<Model>::table.elements)>::types>;

/// The bookkeeping of an object whose model declares relationships: a relationship reaches its
/// owner's handle from the owner's state, through a weak handle to the object's own block
/// (object_storage sets it). Other models' objects save its 16 bytes.
struct linked_object : tracked_object {
    std::weak_ptr<tracked_object> self;  ///< this object's own block
};
/// What object_state<T> derives from: linked_object where T declares relationships.
template <class T>
using tracked_object_base = std::conditional_t<declares_relationships<T>, linked_object, tracked_object>;

/// An object with the bookkeeping of its session. tracked_object is its first base, so a
/// tracked_object* and its object_state<T>* are the same address.
template <class T>
struct object_state : tracked_object_base<T> {
    T object{};                                               ///< the user's struct
    std::array<std::uint64_t, column_count<T>()> snapshot{};  ///< fingerprints as last loaded or flushed
};

/// The object_state<T> behind a tracked object of model T.
template <class T>
object_state<T>& state_of(tracked_object& item) noexcept {
    return static_cast<object_state<T>&>(item);
}
/// The object_state<T> behind a tracked object of model T.
template <class T>
const object_state<T>& state_of(const tracked_object& item) noexcept {
    return static_cast<const object_state<T>&>(item);
}

/// Throws usage_error for a dereferenced empty strata::ref (one function for every model).
[[noreturn]] STRATA_COMPILED_LINKAGE void throw_empty_ref();

}  // namespace orm
}  // namespace strata

#if !defined(STRATA_SEPARATE_COMPILATION)
#include "strata/orm/impl/object_state.hpp"
#endif
