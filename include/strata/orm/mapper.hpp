// strata/orm/mapper.hpp - mapper<T>: what one model's objects in a session need of T itself.
//
// The unit of work's bookkeeping is model_objects (orm/model_objects.hpp, non-template), which
// follows relationships through their run-time behaviors, and the identity map identity_map<Key>
// (orm/identity_map.hpp, one per key type), which also runs every query's row loop. mapper<T>
// adds new objects, hands that loop the typed steps of a row (row_loading_of<T>: allocate an
// object, read its columns), and answers the questions that need T: its object's address, and
// change detection over its columns (orm/model.hpp's row_operations).
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <utility>

#include "strata/core/dialect.hpp"
#include "strata/core/value.hpp"
#include "strata/orm/identity_map.hpp"
#include "strata/orm/model.hpp"
#include "strata/orm/model_objects.hpp"
#include "strata/orm/object_state.hpp"
#include "strata/orm/object_storage.hpp"
#include "strata/orm/ref.hpp"
#include "strata/orm/relationship_member.hpp"
#include "strata/orm/relationship_traits.hpp"

namespace strata::orm {

/// What each relationship of Model does, in mapping order (defined in orm/strategies.hpp, with
/// the loader strategies the behaviors name).
template <class Model>
std::span<const relationship_behavior* const> relationship_behaviors_of() noexcept;

/// The typed steps of loading a row into an object of T (see row_loading).
template <class T>
struct row_loading_for {
    /// A new, untracked object (see row_loading::create).
    static tracked_pointer create() { return object_storage<T>::create(); }
    /// Loads the new object `item` from the current row (see row_loading::load_new).
    static void read(tracked_object& item, const void* key, const field_reader& row, const int* positions,
                     std::uint64_t mask) {
        auto& state = state_of<T>(item);
        detail::row_operations<T>::read_new(state.object, *static_cast<const key_type<T>*>(key), row, positions, mask,
                                            state.snapshot.data());
    }
    /// A new, untracked object loaded from the current row (see row_loading::load_new).
    static tracked_pointer load_new(const void* key, const field_reader& row, const int* positions,
                                    std::uint64_t mask) {
        auto created = create();
        read(*created, key, row, positions, mask);
        return created;
    }
    /// The columns of `mask` that the object has not loaded.
    static std::uint64_t unloaded_columns(const tracked_object& item, std::uint64_t mask) noexcept {
        return detail::row_operations<T>::unloaded_columns(state_of<T>(item).object, mask);
    }
    /// The object's snapshot.
    static std::uint64_t* snapshot(tracked_object& item) noexcept { return state_of<T>(item).snapshot.data(); }
};
/// T's typed steps of loading a row (identity_map<key_type<T>>::load_row runs them).
template <class T>
inline constexpr row_loading row_loading_of{&row_loading_for<T>::create, &row_loading_for<T>::load_new,
                                            &row_loading_for<T>::unloaded_columns, &row_loading_for<T>::snapshot};

/// The objects of one model in one session.
template <class T>
class mapper final : public identity_map<key_type<T>> {
    using base = identity_map<key_type<T>>;

public:
    using state = object_state<T>;

    /// A mapper for a session speaking `target`.
    mapper(session* owner, dialect target, relationship_mode relationships)
        : base(owner, target, relationships, describe<T>(), relationship_members_of<T>, relationship_behaviors_of<T>(),
               row_loading_of<T>) {
        // Only a model with relationships reaches (and so compiles) the unit of work's walks along them.
        if constexpr (has_relationship_members<T>) this->walks_ = &model_objects::along_relationships();
    }

    /// The object with this key, if loaded (an object_state<T>).
    [[nodiscard]] tracked_pointer find(const key_type<T>& key) {
        const auto* found = map_.find(key);
        return found ? *found : nullptr;
    }

    /// Adds a new object (INSERTed at the next flush).
    ref<T> add(T object) { return ref<T>{this->add_new(&object, &move_object)}; }

private:
    using base::map_;

    [[nodiscard]] key_type<T> key_of_object(const tracked_object& item) const override {
        return key_of(state_of<T>(item).object);
    }
    [[nodiscard]] void* object_address(tracked_object& item) const noexcept override {
        return &state_of<T>(item).object;
    }
    [[nodiscard]] std::uint64_t changed_columns(const tracked_object& item) const noexcept override {
        const auto& typed = state_of<T>(item);
        return detail::row_operations<T>::changed_columns(typed.object, typed.snapshot.data());
    }
    /// Moves the user's struct at `source` into a new object (add_new's typed step).
    static void move_object(tracked_object& item, void* source) {
        state_of<T>(item).object = std::move(*static_cast<T*>(source));
    }
    void take_snapshot(tracked_object& item) const noexcept override {
        auto& typed = state_of<T>(item);
        detail::row_operations<T>::fingerprints(typed.object, typed.snapshot.data());
    }
};

}  // namespace strata::orm
