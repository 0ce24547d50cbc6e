// strata/orm/identity_map.hpp - one model's identity map: its objects in a session by primary key.
//
// A template on the key's type only (std::tuple<std::int64_t> for most models), so models with
// the same key type share one instantiation: the map's probing, growth and erasure are compiled
// once for all of them, and mapper<T> (orm/mapper.hpp) adds only what must know T.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <tuple>
#include <utility>

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
                 std::span<const relationship_behavior* const> behaviors)
        : model_objects(owner, target, relationships, info, members, behaviors) {}

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
