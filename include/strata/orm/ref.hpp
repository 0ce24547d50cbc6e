// strata/orm/ref.hpp - strata::ref<T>, the handle users hold to a session-managed object.
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

#include "strata/orm/model.hpp"
#include "strata/orm/object_state.hpp"

namespace strata {

/// A handle to a session-managed object: use it like a pointer (user->email).
template <class T>
class ref {
public:
    /// An empty handle (what get() returns when no row matches).
    ref() noexcept = default;
    /// Wraps an object state of T (the session creates handles).
    explicit ref(orm::tracked_pointer state) noexcept : state_(std::move(state)) {}

    /// The object; throws usage_error on an empty handle.
    T* operator->() const { return &touched().object; }
    /// The object; throws usage_error on an empty handle.
    T& operator*() const { return touched().object; }
    /// The object, or nullptr.
    [[nodiscard]] T* get() const noexcept {
        if (!state_) return nullptr;
        state_->mark_touched();
        return &orm::state_of<T>(*state_).object;
    }
    /// Whether the handle refers to an object.
    explicit operator bool() const noexcept { return state_ != nullptr; }
    /// Same object (identity, not value, as in the identity map).
    friend bool operator==(const ref& left, const ref& right) noexcept { return left.state_ == right.state_; }
    /// Where the object stands with its session.
    [[nodiscard]] object_status status() const noexcept { return state_ ? state_->status : object_status::detached; }
    /// The state behind the handle, an object_state<T> (for the session).
    [[nodiscard]] const orm::tracked_pointer& state() const noexcept { return state_; }
    /// Moves the state out of the handle, leaving it empty (for the session's loaders).
    [[nodiscard]] orm::tracked_pointer take_state() && noexcept { return std::move(state_); }

private:
    template <class>
    friend class streamed;  // takes the states of released objects back for reuse

    // Every access may write, so each one marks the object for the next autoflush's comparison.
    orm::object_state<T>& touched() const {
        if (!state_) [[unlikely]]
            orm::throw_empty_ref();
        state_->mark_touched();
        return orm::state_of<T>(*state_);
    }
    // The untyped handle: a std::shared_ptr<object_state<T>> instantiated shared_ptr's class, its
    // converting constructors and static_pointer_cast once per model, and converted back at every
    // call into the session's untyped code.
    orm::tracked_pointer state_;
};

namespace orm {
/// The object behind a non-empty handle, for the session's own loading: unlike `*handle`, this
/// is not a use that may change it, so the next autoflush need not compare it (a selectinload of
/// 10,000 children marked every child and its parent through `*handle`).
template <class T>
T& object_of(const ref<T>& handle) noexcept {
    return state_of<T>(*handle.state()).object;
}
}  // namespace orm

}  // namespace strata
