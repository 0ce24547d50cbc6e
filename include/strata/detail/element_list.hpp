// strata/detail/element_list.hpp - the elements of a mapping (columns, constraints, relationships)
// as one constant object, without std::tuple.
//
// A mapping held its elements in a std::tuple, and each model instantiated the tuple's class
// with its constructors' constraints (is_constructible and is_convertible over every element,
// twice over) only to be built once, at compile time, and read by index. This list is a class
// deriving from one slot per element: it is read through the slot's base class, and its type
// list (`types`, a std::tuple type that is never instantiated) answers tuple_size and
// tuple_element. for_each_matching_element visits the elements whose types satisfy a predicate.
#pragma once

#include <cstddef>
#include <tuple>
#include <utility>

#include "strata/detail/tuple_elements.hpp"

namespace strata::detail {

/// The element at position Index of an element_list.
template <std::size_t Index, class Element>
struct element_slot {
    Element value;  ///< the element
};

template <class Indexes, class... Elements>
struct element_list_storage;
template <std::size_t... Indexes, class... Elements>
struct element_list_storage<std::index_sequence<Indexes...>, Elements...> : element_slot<Indexes, Elements>... {
    constexpr explicit element_list_storage(const Elements&... elements)
        : element_slot<Indexes, Elements>{elements}... {}
};

/// Elements of different types, built once and read by position or by type.
template <class... Elements>
struct element_list : element_list_storage<std::index_sequence_for<Elements...>, Elements...> {
    using types = std::tuple<Elements...>;  ///< the element types, as a type list
    using element_list_storage<std::index_sequence_for<Elements...>, Elements...>::element_list_storage;
};

/// The element at position Index (Element is deduced from the slot the list derives from).
template <std::size_t Index, class Element>
constexpr const Element& element_at(const element_slot<Index, Element>& slot) noexcept {
    return slot.value;
}

/// The element of type Element (one of a kind in its list, as std::get by type asks).
template <class Element, std::size_t Index>
constexpr const Element& element_of_type(const element_slot<Index, Element>& slot) noexcept {
    return slot.value;
}

/// Calls `visit(element)` for each element of `elements` whose type satisfies Predicate, in order.
/// The positions are found over the types alone: a mapping's visitors were generic lambdas that
/// every element instantiated, only to skip most of them with `if constexpr`.
template <template <class> class Predicate, class... Elements, class Visit>
constexpr void for_each_matching_element(const element_list<Elements...>& elements, Visit&& visit) {
    constexpr auto& positions = matching_element_positions<Predicate, std::tuple<Elements...>>;
    [&]<std::size_t... Index>(std::index_sequence<Index...>) { (visit(element_at<positions[Index]>(elements)), ...); }
    (std::make_index_sequence<positions.size()>{});
}

}  // namespace strata::detail
