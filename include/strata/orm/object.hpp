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
using object_state_base = std::conditional_t<declares_relationships<T>, std::enable_shared_from_this<object_state<T>>,
                                             no_shared_from_this>;

/// An object with the bookkeeping of its session.
template <class T>
struct object_state : object_state_base<T> {
    T object{};                                               ///< the user's struct
    std::array<std::uint64_t, column_count<T>()> snapshot{};  ///< fingerprints as last loaded or flushed
    object_status status = object_status::pending;
    bool expired = false;         ///< values may be stale (after commit/rollback)
    const void* owner = nullptr;  ///< the session tracking it (compared, never dereferenced)
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
    T* operator->() const { return &checked().object; }
    /// The object; throws usage_error on an empty handle.
    T& operator*() const { return checked().object; }
    /// The object, or nullptr.
    [[nodiscard]] T* get() const noexcept { return state_ ? &state_->object : nullptr; }
    /// Whether the handle refers to an object.
    explicit operator bool() const noexcept { return state_ != nullptr; }
    /// Same object (identity, not value, as in the identity map).
    friend bool operator==(const ref& left, const ref& right) noexcept { return left.state_ == right.state_; }
    /// Where the object stands with its session.
    [[nodiscard]] object_status status() const noexcept { return state_ ? state_->status : object_status::detached; }
    /// The state behind the handle (for the session).
    [[nodiscard]] const std::shared_ptr<orm::object_state<T>>& state() const noexcept { return state_; }

private:
    orm::object_state<T>& checked() const {
        if (!state_) throw usage_error("dereferenced an empty strata::ref (no row matched, or it was moved from)");
        return *state_;
    }
    std::shared_ptr<orm::object_state<T>> state_;
};

}  // namespace strata
