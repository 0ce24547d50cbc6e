// strata/orm/load_only.hpp - load_only(&User::id, &User::email): select only these columns (and the key).
//
// Columns a query leaves out must be strata::deferred<T> members, which read as unloaded (throw)
// and are never written by flush; leaving out a plain member is a usage_error at the query, since
// its default value would read as if it were data.
#pragma once

#include <cstdint>
#include <string>
#include <type_traits>

#include "strata/core/error.hpp"
#include "strata/schema/mapping.hpp"

namespace strata {

/// The columns a query loads, as a bit mask over T's mapped columns.
template <class T>
struct load_only_option {
    std::uint64_t mask = 0;  ///< bit i: column i of the mapping
};

namespace orm::detail {
template <class T, class Value>
std::uint64_t column_bit(Value T::*member) {
    std::uint64_t bit = 0;
    std::size_t index = 0;
    for_each_column<T>([&](const auto& definition) {
        using member_type = std::remove_cv_t<decltype(definition.member)>;
        if constexpr (std::is_same_v<member_type, Value T::*>) {
            if (definition.member == member) bit = 1ULL << index;
        }
        ++index;
    });
    if (bit == 0) throw usage_error("load_only names a member that is not a mapped column");
    return bit;
}
}  // namespace orm::detail

/// Loads only the named columns of T (the primary key is always loaded).
template <class T, class... Values>
load_only_option<T> load_only(Values T::*... members) {
    static_assert(mapped<T>, "load_only needs members of a mapped type");
    return {(0ULL | ... | orm::detail::column_bit(members))};
}

}  // namespace strata
