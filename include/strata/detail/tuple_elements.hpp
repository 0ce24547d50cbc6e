// strata/detail/tuple_elements.hpp - a tuple's elements applied to a function, and questions asked
// of a type list's element types (how many, where, whether any satisfy a predicate).
//
// std::apply would do, but its noexcept specification asks is_nothrow_invocable of the visitor
// over every element type, and a mapping's visitors are generic lambdas instantiated per model:
// measured with clang's -ftime-trace, those traits were a large part of a mapped program's
// template instantiation. An index sequence expands the same calls without them.
#pragma once

#include <array>
#include <cstddef>
#include <tuple>
#include <type_traits>
#include <utility>

namespace strata::detail {

/// std::apply without its noexcept specification (see above): `function(elements...)`.
template <class Function, class Tuple>
constexpr decltype(auto) apply_to_elements(Function&& function, Tuple&& elements) {
    return [&]<std::size_t... Index>(std::index_sequence<Index...>)->decltype(auto) {
        return std::forward<Function>(function)(std::get<Index>(std::forward<Tuple>(elements))...);
    }
    (std::make_index_sequence<std::tuple_size_v<std::remove_cvref_t<Tuple>>>{});
}

/// How many element types of Tuple satisfy Predicate (a class template with ::value): counted
/// over the types alone, without instantiating a visitor per element.
template <template <class> class Predicate, class Tuple>
inline constexpr std::size_t count_tuple_elements = 0;
template <template <class> class Predicate, class... Elements>
inline constexpr std::size_t count_tuple_elements<Predicate, std::tuple<Elements...>> =
    (std::size_t{0} + ... + (Predicate<Elements>::value ? 1 : 0));

/// The positions of Tuple's element types that satisfy Predicate, in order.
template <template <class> class Predicate, class Tuple>
inline constexpr std::array<std::size_t, 0> matching_element_positions{};
template <template <class> class Predicate, class... Elements>
inline constexpr auto matching_element_positions<Predicate, std::tuple<Elements...>> = [] {
    std::array<std::size_t, count_tuple_elements<Predicate, std::tuple<Elements...>>> positions{};
    std::size_t next = 0;
    std::size_t position = 0;
    ((Predicate<Elements>::value ? (positions[next++] = position++) : position++), ...);
    return positions;
}();

/// Whether any element type of Tuple satisfies Predicate (a class template with ::value).
template <template <class> class Predicate, class Tuple>
inline constexpr bool any_tuple_element = false;
template <template <class> class Predicate, class... Elements>
inline constexpr bool any_tuple_element<Predicate, std::tuple<Elements...>> = (Predicate<Elements>::value || ...);

}  // namespace strata::detail
