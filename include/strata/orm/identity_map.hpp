// strata/orm/identity_map.hpp - one model's identity map: its objects in a session by primary key.
//
// A template on the key's type only (std::tuple<std::int64_t> for most models), so models with
// the same key type share one instantiation: the map's probing, growth and erasure, and the row
// loop of every query (load_row), are compiled once for all of them; mapper<T> (orm/mapper.hpp)
// adds only what must know T, among it the typed steps of that loop (row_loading).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <tuple>
#include <utility>
#include <vector>

#include "strata/core/type_traits.hpp"
#include "strata/core/value.hpp"
#include "strata/detail/flat_map.hpp"
#include "strata/detail/function_ref.hpp"
#include "strata/orm/model.hpp"
#include "strata/orm/model_objects.hpp"
#include "strata/orm/object_state.hpp"

namespace strata::orm {

/// The objects of one model in one session by key (`Key`: the model's key_type), with the unit
/// of work over them (model_objects).
template <class Key>
class identity_map : public model_objects {
protected:
    /// The objects of the model `info` describes (see model_objects).
    identity_map(session* owner, dialect target, relationship_mode relationships, const model_info& info,
                 std::span<const relationship_member_info> members,
                 std::span<const relationship_behavior* const> behaviors, const row_loading& loading)
        : model_objects(owner, target, relationships, info, members, behaviors, loading) {}

    /// The key an object's primary-key members hold now.
    [[nodiscard]] virtual Key key_of_object(const tracked_object& item) const = 0;
    /// Declared here, defined below: the common key's instantiation (extern under separate
    /// compilation) then carries the map's destruction, which each model's mapper only calls.
    ~identity_map() override;

    void for_each_mapped(strata::detail::function_ref<void(const tracked_pointer&)> visit) override {
        map_.for_each([&visit](const Key&, const tracked_pointer& item) { visit(item); });
    }
    void map_object(const tracked_pointer& item) override { *map_.try_emplace(key_of_object(*item)).first = item; }
    void unmap_object(const tracked_object& item) override {
        map_.erase_if(key_of_object(item), [&item](const tracked_pointer& entry) { return entry.get() == &item; });
    }
    [[nodiscard]] const tracked_pointer* find_mapped(const tracked_object& item) override {
        const auto* found = map_.find(key_of_object(item));
        return found != nullptr && found->get() == &item ? found : nullptr;
    }
    void clear_map() noexcept override {
        map_.for_each([this](const Key&, tracked_pointer& item) {
            this->detach(*item);
            item.reset();  // in the same pass: each state is touched once
        });
        map_.clear();
    }
    [[nodiscard]] std::size_t mapped_count() const noexcept override { return map_.size(); }

public:
    /// The identity-mapped object for the current row (see model_objects::load_row).
    [[nodiscard]] tracked_pointer load_row(const field_reader& row, const std::vector<int>& positions,
                                           std::uint64_t mask, bool overwrite) override {
        return load_row_through(*loading_, row, positions, mask, overwrite);
    }

    /// load_row() through `steps`: a row_loading (the model's steps through pointers, for every
    /// query's loop, compiled once per key type), or the typed steps themselves (a stream's loop,
    /// where they inline: streaming pays no calls per row). `created_here`, when given, says
    /// whether the row made a new object.
    template <class Steps>
    __attribute__((always_inline)) tracked_pointer load_row_through(const Steps& steps, const field_reader& row,
                                                                    const std::vector<int>& positions,
                                                                    std::uint64_t mask, bool overwrite,
                                                                    bool* created_here = nullptr) {
        if (created_here != nullptr) *created_here = false;
        const auto key = [&]<std::size_t... Indexes>(std::index_sequence<Indexes...>) {
            return Key{read_field<std::tuple_element_t<Indexes, Key>>(
                row, static_cast<std::size_t>(positions[info_.primary_key[Indexes]]))...};
        }
        (std::make_index_sequence<std::tuple_size_v<Key>>{});
        auto [slot, inserted] = map_.try_emplace(key);
        if (!inserted) {
            tracked_pointer existing = *slot;
            if (existing->status == object_status::deleted) return existing;
            std::uint64_t fill = 0;
            if (existing->expired || overwrite) {
                fill = mask;
                // A column changed since the commit that expired it is kept for the next flush,
                // as SQLAlchemy keeps an attribute set on an expired object (without autoflush,
                // this query did not write it first); only a requested overwrite discards it.
                if (!overwrite) fill &= ~changed_columns(*existing);
                // Its loaded relationships are as stale as its columns (expire_on_commit expires
                // both): they load again, through this query's options or when next read.
                if (existing->expired && has_relationships()) expire_relationships(*existing);
                existing->expired = false;
            } else {
                fill = steps.unloaded_columns(*existing, mask);
            }
            if (fill != 0) {
                void* object = object_address(*existing);
                std::uint64_t* snapshot = steps.snapshot(*existing);
                for (std::size_t i = 0; i < info_.columns.size(); ++i)
                    if (fill >> i & 1)
                        snapshot[i] = info_.columns[i].read(object, row, static_cast<std::size_t>(positions[i]));
            }
            return existing;
        }
        tracked_pointer created;
        try {
            created = steps.load_new(&key, row, positions.data(), mask);
        } catch (...) {
            map_.erase(key);  // no memory, or a conversion failed: leave no empty or half-loaded entry
            throw;
        }
        created->status = object_status::persistent;
        created->touch_list = &touched_;
        created->listed = true;
        bind_relationships(*created);
        *slot = created;
        if (created_here != nullptr) *created_here = true;
        return created;
    }
    void reserve_objects(std::size_t additional) override { map_.reserve(map_.size() + additional); }
    [[nodiscard]] tracked_pointer find_by_key(const key_values& key) override {
        // Each value read back into its key element as it would be from a row of the database.
        const auto typed = [&key]<std::size_t... Indexes>(std::index_sequence<Indexes...>) {
            return Key{read_field<std::tuple_element_t<Indexes, Key>>(detail::parameter_reader{key[Indexes]}, 0)...};
        }
        (std::make_index_sequence<std::tuple_size_v<Key>>{});
        const auto* found = map_.find(typed);
        return found != nullptr ? *found : nullptr;
    }

protected:
    strata::detail::flat_map<Key, tracked_pointer, key_hash> map_;
};

template <class Key>
identity_map<Key>::~identity_map() = default;

#if defined(STRATA_SEPARATE_COMPILATION)
// The identity map of a single BIGINT key (most models'): compiled once, in the library
// (orm/impl/identity_map.hpp), not in every translation unit that maps such a model.
extern template class identity_map<std::tuple<std::int64_t>>;
#endif

}  // namespace strata::orm
