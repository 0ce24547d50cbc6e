// strata/orm/object.hpp - session-managed objects and the handles users hold: strata::ref<T>.
//
// Ownership: a session's identity map and every ref<T> share ownership of an object. A handle is
// valid as long as it is held: after expunge(), clear(), rollback() or the session's end the
// object is *detached* - still readable and writable, but no longer tracked (changes to it are
// not flushed), exactly like a detached instance in SQLAlchemy. Dereferencing an empty ref throws.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <tuple>
#include <type_traits>
#include <vector>

#include "strata/core/error.hpp"
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

template <class T>
struct object_state;

/// The persistent objects of one model reached through a handle since the session last compared
/// them with their snapshots. An autoflush compares only these, so a query costs what was used
/// since the last flush rather than every object the session holds (lazy loading would
/// otherwise be quadratic). flush() and commit() still compare every object.
template <class T>
class touched_objects {
public:
    /// Records a first touch; a full list (no memory) makes the next autoflush compare everything.
    void add(object_state<T>& item) noexcept {
        try {
            items_.push_back(&item);
        } catch (...) {
            overflowed_ = true;
            return;
        }
        item.touched = true;
        item.touched_index = static_cast<std::uint32_t>(items_.size() - 1);
        ++live_;
    }
    /// Forgets an object leaving the identity map (its slot is emptied; emptied slots are
    /// squeezed out once they are most of the list, so streaming keeps the list short).
    void remove(object_state<T>& item) noexcept {
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
    /// Calls visit(state&) for each touched object.
    template <class Visit>
    void for_each(Visit&& visit) const {
        for (auto* entry : items_)
            if (entry != nullptr) visit(*entry);
    }
    /// Starts over: no object counts as touched.
    void reset() noexcept {
        for (auto* entry : items_)
            if (entry != nullptr) entry->touched = false;
        items_.clear();
        live_ = 0;
        overflowed_ = false;
    }

private:
    std::vector<object_state<T>*> items_;
    std::size_t live_ = 0;
    bool overflowed_ = false;
};

/// Whether Model's mapping declares a relationship (its elements say declares_relationship).
template <class Model>
inline constexpr bool declares_relationships = std::apply(
    [](const auto&... elements) {
        return (requires { std::remove_cvref_t<decltype(elements)>::declares_relationship; } || ...);
    },
    mapping<Model>::table.elements);

/// What object_state<T> derives from: shared_from_this only where relationships need it (a
/// relationship reaches its owner's handle from the owner's state); other models save its 16 bytes.
struct no_shared_from_this {};
template <class T>
using object_state_base =
    std::conditional_t<declares_relationships<T>, std::enable_shared_from_this<object_state<T>>, no_shared_from_this>;

/// An object with the bookkeeping of its session.
template <class T>
struct object_state : object_state_base<T> {
    T object{};                                               ///< the user's struct
    std::array<std::uint64_t, column_count<T>()> snapshot{};  ///< fingerprints as last loaded or flushed
    object_status status = object_status::pending;
    bool expired = false;                      ///< values may be stale (after commit/rollback)
    bool touched = false;                      ///< reached through a handle since the last flush
    bool row_written = false;                  ///< pending, but the flush under way has INSERTed its row
    std::uint32_t touched_index = 0;           ///< its place in touch_list while touched
    const void* owner = nullptr;               ///< the session tracking it (compared, never dereferenced)
    touched_objects<T>* touch_list = nullptr;  ///< its mapper's list while persistent in a session

    /// Notes a use through a handle: any such use may change the object.
    void mark_touched() noexcept {
        if (!touched && touch_list != nullptr) [[unlikely]]
            touch_list->add(*this);
    }
};

}  // namespace orm

/// A handle to a session-managed object: use it like a pointer (user->email).
template <class T>
class ref {
public:
    /// An empty handle (what get() returns when no row matches).
    ref() noexcept = default;
    /// Wraps an object state (the session creates handles).
    explicit ref(std::shared_ptr<orm::object_state<T>> state) noexcept : state_(std::move(state)) {}

    /// The object; throws usage_error on an empty handle.
    T* operator->() const { return &touched().object; }
    /// The object; throws usage_error on an empty handle.
    T& operator*() const { return touched().object; }
    /// The object, or nullptr.
    [[nodiscard]] T* get() const noexcept {
        if (!state_) return nullptr;
        state_->mark_touched();
        return &state_->object;
    }
    /// Whether the handle refers to an object.
    explicit operator bool() const noexcept { return state_ != nullptr; }
    /// Same object (identity, not value, as in the identity map).
    friend bool operator==(const ref& left, const ref& right) noexcept { return left.state_ == right.state_; }
    /// Where the object stands with its session.
    [[nodiscard]] object_status status() const noexcept { return state_ ? state_->status : object_status::detached; }
    /// The state behind the handle (for the session).
    [[nodiscard]] const std::shared_ptr<orm::object_state<T>>& state() const noexcept { return state_; }

private:
    template <class>
    friend class streamed;  // takes the states of released objects back for reuse

    // Every access may write, so each one marks the object for the next autoflush's comparison.
    orm::object_state<T>& touched() const {
        if (!state_) [[unlikely]]
            throw_empty();
        state_->mark_touched();
        return *state_;
    }
    [[noreturn]] __attribute__((noinline)) static void throw_empty() {
        throw usage_error("dereferenced an empty strata::ref (no row matched, or it was moved from)");
    }
    std::shared_ptr<orm::object_state<T>> state_;
};

namespace orm {
/// The object behind a non-empty handle, for the session's own loading: unlike `*handle`, this
/// is not a use that may change it, so the next autoflush need not compare it (a selectinload of
/// 10,000 children marked every child and its parent through `*handle`).
template <class T>
T& object_of(const ref<T>& handle) noexcept {
    return handle.state()->object;
}
}  // namespace orm

}  // namespace strata
