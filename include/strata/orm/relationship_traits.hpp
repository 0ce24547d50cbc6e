// strata/orm/relationship_traits.hpp - what a mapping's relationship declarations say, at compile
// time: their kind, members, key columns and models, and visiting them on a model or an object.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <tuple>
#include <type_traits>

#include "strata/detail/element_list.hpp"
#include "strata/detail/tuple_elements.hpp"
#include "strata/orm/model.hpp"
#include "strata/orm/object_state.hpp"
#include "strata/orm/relationship.hpp"
#include "strata/orm/relationship_keys.hpp"
#include "strata/orm/relationship_member.hpp"
#include "strata/schema/mapping.hpp"

namespace strata::orm {

template <class Element>
inline constexpr bool is_one_to_many = false;
template <auto C, auto F, auto... M>
inline constexpr bool is_one_to_many<one_to_many_definition<C, F, M...>> = true;
template <class Element>
inline constexpr bool is_many_to_one = false;
template <auto R, auto F, auto... M>
inline constexpr bool is_many_to_one<many_to_one_definition<R, F, M...>> = true;
template <class Element>
inline constexpr bool is_many_to_many = false;
template <auto C, auto L, auto R>
inline constexpr bool is_many_to_many<many_to_many_definition<C, L, R>> = true;
/// Whether a mapping element declares a relationship (the elements say so themselves:
/// is_relationship_declaration, which object_state asks too).
template <class Element>
inline constexpr bool is_relationship = is_relationship_declaration<Element>::value;

/// The foreign-key columns a declaration names: one member, several, or one strata::keys<...>.
template <auto ForeignKey, auto... MoreKeys>
using declared_keys =
    std::conditional_t<sizeof...(MoreKeys) == 0, keys_of<ForeignKey>, key_columns<ForeignKey, MoreKeys...>>;

template <class Element>
struct relationship_traits;
template <auto Collection, auto ForeignKey, auto... MoreKeys>
struct relationship_traits<one_to_many_definition<Collection, ForeignKey, MoreKeys...>> {
    static constexpr auto kind = relationship_kind::one_to_many;
    static constexpr auto member = Collection;
    using foreign_keys = declared_keys<ForeignKey, MoreKeys...>;  ///< the child's columns
    using parent = schema::model_of<Collection>;
    using target = typename key_traits<foreign_keys>::model;      // the child holds the key
    using parent_keys = referenced_keys_t<foreign_keys, parent>;  ///< the parent's columns they reference
    static constexpr bool collection = true;
};
template <auto Reference, auto ForeignKey, auto... MoreKeys>
struct relationship_traits<many_to_one_definition<Reference, ForeignKey, MoreKeys...>> {
    static constexpr auto kind = relationship_kind::many_to_one;
    static constexpr auto member = Reference;
    using foreign_keys = declared_keys<ForeignKey, MoreKeys...>;  ///< the parent's (the child's) columns
    using parent = schema::model_of<Reference>;
    using target = typename schema::member_value_t<Reference>::target_type;
    using target_keys = referenced_keys_t<foreign_keys, target>;  ///< the target's columns they reference
    static constexpr bool collection = false;
};
template <auto Collection, auto LocalKey, auto RemoteKey>
struct relationship_traits<many_to_many_definition<Collection, LocalKey, RemoteKey>> {
    static constexpr auto kind = relationship_kind::many_to_many;
    static constexpr auto member = Collection;
    using local_keys = keys_of<LocalKey>;    ///< association columns referencing the parent
    using remote_keys = keys_of<RemoteKey>;  ///< association columns referencing the target
    using parent = schema::model_of<Collection>;
    using target = typename schema::member_value_t<Collection>::target_type;
    using association = typename key_traits<local_keys>::model;
    using parent_keys = referenced_keys_t<local_keys, parent>;
    using target_keys = referenced_keys_t<remote_keys, target>;
    static constexpr bool collection = true;
};

/// Calls `visit(element)` for each relationship element of Model's mapping.
template <class Model, class Visit>
constexpr void for_each_relationship_element(Visit&& visit) {
    strata::detail::for_each_matching_element<is_relationship_declaration>(mapping<Model>::table.elements, visit);
}

/// Whether a model declares any relationship (only such objects can be part of a reference cycle);
/// the same question object_state asks when it decides on a self handle.
template <class Model>
inline constexpr bool has_relationship_members = declares_relationships<Model>;

/// Model's relationship members, each reached from a tracked object of Model by a thunk (the unit
/// of work's walks over an object's relationships, compiled once over this description).
template <class Model>
inline constexpr auto relationship_members_of = [] {
    constexpr std::size_t count =
        strata::detail::count_tuple_elements<is_relationship_declaration, schema::elements_of<Model>>;
    std::array<relationship_member_info, count> members{};
    std::size_t next = 0;
    for_each_relationship_element<Model>([&]<class Element>(const Element&) {
        members[next++] = {[](tracked_object& item) noexcept -> relationship_member& {
                               return state_of<Model>(item).object.*(relationship_traits<Element>::member);
                           },
                           // Element's parent is Model, named through Element so that only a model
                           // with relationships (which keeps a self handle) compiles it.
                           [](tracked_object& item) -> tracked_pointer {
                               return state_of<typename relationship_traits<Element>::parent>(item).self.lock();
                           },
                           relationship_traits<Element>::collection};
    });
    return members;
}();

}  // namespace strata::orm
