// strata/orm/mapper.hpp - mapper<T>: what one model's objects in a session need of T itself.
//
// The unit of work's bookkeeping is model_objects (orm/model_objects.hpp, non-template), which
// follows relationships through their run-time behaviors, and the identity map identity_map<Key>
// (orm/identity_map.hpp, one per key type); mapper<T> adds new objects, loads rows into objects,
// and answers the questions that need T: its object's address, and change detection over its
// columns (orm/model.hpp's row_operations).
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <tuple>
#include <utility>
#include <vector>

#include "strata/core/dialect.hpp"
#include "strata/detail/recycling_allocator.hpp"
#include "strata/engine/connection.hpp"
#include "strata/orm/identity_map.hpp"
#include "strata/orm/loader_option.hpp"
#include "strata/orm/model.hpp"
#include "strata/orm/model_objects.hpp"
#include "strata/orm/object_state.hpp"
#include "strata/orm/ref.hpp"
#include "strata/orm/relationship.hpp"
#include "strata/orm/relationship_traits.hpp"
#include "strata/sql/compiler.hpp"

namespace strata::orm {

/// What each relationship of Model does, in mapping order (defined in orm/strategies.hpp, with
/// the loader strategies the behaviors name).
template <class Model>
std::span<const relationship_behavior* const> relationship_behaviors_of() noexcept;

/// The objects of one model in one session.
template <class T>
class mapper final : public identity_map<key_type<T>> {
    using base = identity_map<key_type<T>>;

public:
    using state = object_state<T>;
    using state_ptr = std::shared_ptr<state>;

    /// A mapper for a session speaking `target`.
    mapper(session* owner, dialect target, relationship_mode relationships)
        : base(owner, target, relationships, describe<T>(), relationship_members_of<T>,
               relationship_behaviors_of<T>()) {
        // Only a model with relationships reaches (and so compiles) the unit of work's walks along them.
        if constexpr (has_relationship_members<T>) this->walks_ = &model_objects::along_relationships();
    }

    /// The object with this key, if loaded.
    [[nodiscard]] state_ptr find(const key_type<T>& key) {
        const auto* found = map_.find(key);
        return found ? std::static_pointer_cast<state>(*found) : nullptr;
    }

    /// Adds a new object (INSERTed at the next flush).
    ref<T> add(T object) {
        auto created = new_state();
        created->object = std::move(object);
        this->bind_relationships(*created);
        this->add_pending(created, &created->object);
        return ref<T>{std::move(created)};
    }

    /// Turns the current row into the identity-mapped object for it.
    ///
    /// `positions[i]` is the select-list index of column i (or -1 when not selected); `mask` has
    /// the bits of the selected columns. An object already in the map keeps its values unless it
    /// is expired or `overwrite` is set (a locking read); columns it lacks are filled in.
    ///
    /// `spare` (a stream's): a detached state no one else holds, reused for a new object instead
    /// of allocating one (its strings keep their buffers); taken (left empty) only when used.
    ///
    /// Always inlined: it is the body of every query's row loop (a call per row, and the identity
    /// map's probe not inlined into it, cost hydration about 5% on SQLite).
    __attribute__((always_inline)) ref<T> load(const field_reader& row, const std::vector<int>& positions,
                                               std::uint64_t mask, bool overwrite, bool* created_here = nullptr,
                                               state_ptr* spare = nullptr) {
        return ref<T>{load_state(row, positions, mask, overwrite, created_here, spare)};
    }

    /// load() without the handle: the state itself, which load_row() hands on without touching
    /// its reference count.
    __attribute__((always_inline)) state_ptr load_state(const field_reader& row, const std::vector<int>& positions,
                                                        std::uint64_t mask, bool overwrite,
                                                        bool* created_here = nullptr, state_ptr* spare = nullptr) {
        if (created_here) *created_here = false;
        auto key = read_key(row, positions, std::make_index_sequence<primary_key_elements<T>.size()>{});
        auto [slot, inserted] = map_.try_emplace(key);
        if (!inserted) {
            state_ptr existing = std::static_pointer_cast<state>(*slot);
            if (existing->status == object_status::deleted) return existing;
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
            return existing;
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
        this->bind_relationships(*created);
        *slot = created;
        if (created_here) *created_here = true;
        return created;
    }

    [[nodiscard]] tracked_pointer load_row(const field_reader& row, const std::vector<int>& positions,
                                           std::uint64_t mask, bool overwrite) override {
        return load_state(row, positions, mask, overwrite);
    }

private:
    using base::map_;
    using model_objects::info_;
    using model_objects::owner_;
    using model_objects::pending_;
    using model_objects::relationships_;
    using model_objects::touched_;

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
    void take_snapshot(tracked_object& item) const noexcept override {
        auto& typed = state_of<T>(item);
        detail::row_operations<T>::fingerprints(typed.object, typed.snapshot.data());
    }
    /// A fresh state, its memory recycled from earlier objects of this size on this thread.
    static state_ptr new_state() { return std::allocate_shared<state>(strata::detail::recycling_allocator<state>{}); }

    /// A released, unshared state made ready for a new row: the members the mapping does not name
    /// go back to their defaults (moving from a new T keeps a string's buffer in libstdc++).
    static state_ptr reuse(state_ptr item) {
        item->object = T{};
        item->expired = false;
        return item;
    }

    /// The key of the current row; key element Is is primary-key column info_.primary_key[Is].
    template <std::size_t... Is>
    key_type<T> read_key(const field_reader& row, const std::vector<int>& positions, std::index_sequence<Is...>) const {
        using elements = schema::elements_of<T>;
        return key_type<T>{read_field<typename std::tuple_element_t<primary_key_elements<T>[Is], elements>::value_type>(
            row, static_cast<std::size_t>(positions[info_.primary_key[Is]]))...};
    }
};

}  // namespace strata::orm
