// strata/detail/range.hpp - the few range concepts strata's templates take, over <iterator>.
//
// <ranges> costs every translation unit about 0.3 s to parse (g++ 12) and strata uses none of
// its views; what it needs is "can be iterated with begin/end" and the element type.
#pragma once

#include <iterator>
#include <utility>

namespace strata::detail {

/// The iterator begin() gives for an lvalue of Range.
template <class Range>
using range_iterator_t = decltype(std::begin(std::declval<Range&>()));

/// A type iterated with std::begin / std::end (containers, arrays, spans, views).
template <class Range>
concept input_range = requires(Range& range) {
    std::begin(range);
    std::end(range);
}
&&std::input_iterator<range_iterator_t<Range>>;

/// An input_range whose iterator can go over it more than once.
template <class Range>
concept forward_range = input_range<Range> && std::forward_iterator<range_iterator_t<Range>>;

/// An input_range that knows its size without iterating.
template <class Range>
concept sized_range = input_range<Range> && requires(Range& range) {
    std::size(range);
};

/// The element type of a range.
template <class Range>
using range_value_t = std::iter_value_t<range_iterator_t<Range>>;

}  // namespace strata::detail
