// strata/orm/keyset.hpp - keyset pagination over one or several columns (pattern 10).
//
//   strata::keyset<&Post::created_at, &Post::id> cursor;             // ascending by (created_at, id)
//   while (true) {
//       auto page = session.query<Post>().page(cursor, 20);           // WHERE (created_at, id) > (last...)
//       if (page.empty()) break;                                      // ORDER BY created_at, id LIMIT 20
//   }
//
// The key columns together must be unique (end them with the primary key), so that no row is
// skipped or repeated when values repeat. A nullable column (std::optional) walks with its NULLs
// last ascending and first descending (NULLS LAST / NULLS FIRST spelled out: the databases'
// defaults differ), compared NULL-aware, since a row value with a NULL compares to nothing.
#pragma once

#include <cstddef>
#include <optional>
#include <tuple>
#include <utility>

#include "strata/schema/mapping.hpp"
#include "strata/sql/expression.hpp"

namespace strata {

/// Direction of a keyset walk.
enum class sort_order { ascending, descending };

/// Where a keyset walk stands: the key of the last row seen.
template <auto... Members>
class keyset {
public:
    static_assert(sizeof...(Members) >= 1, "a keyset needs at least one column");
    /// The key of a row.
    using key = std::tuple<schema::column_value_t<schema::member_value_t<Members>>...>;

    /// A walk from the start, in `order`.
    explicit keyset(sort_order order = sort_order::ascending) : order_(order) {}
    /// A walk that continues after `last` (a key kept from an earlier request, as an API's cursor).
    keyset(key last, sort_order order) : last_(std::move(last)), order_(order) {}

    /// The key of the last row seen, if any.
    [[nodiscard]] const std::optional<key>& last() const noexcept { return last_; }
    /// The direction.
    [[nodiscard]] sort_order order() const noexcept { return order_; }
    /// Whether a page came back empty (the walk is over).
    [[nodiscard]] bool done() const noexcept { return done_; }
    /// Moves past `object` (the last row of a page).
    template <class Model>
    void advance(const Model& object) {
        last_ = key{object.*Members...};
    }
    /// Marks the walk as over.
    void finish() noexcept { done_ = true; }

private:
    std::optional<key> last_;
    sort_order order_;
    bool done_ = false;
};

namespace detail {

/// Whether a keyset column may hold NULL.
template <auto Member>
inline constexpr bool nullable_key_column = sql::is_optional_v<schema::column_value_t<schema::member_value_t<Member>>>;

/// The condition "column equals the cursor's value", NULL-aware.
template <auto Member, class Value>
expression<bool> key_column_equals(const Value& value) {
    if constexpr (nullable_key_column<Member>)
        return value ? col<Member> == *value : col<Member>.is_null();
    else
        return col<Member> == value;
}

/// The condition "column comes after the cursor's value in the walk" (NULLs last ascending, first
/// descending), or nothing when no value can (ascending past a NULL).
template <auto Member, class Value>
std::optional<expression<bool>> key_column_after(const Value& value, sort_order order) {
    if constexpr (nullable_key_column<Member>) {
        if (order == sort_order::ascending) {
            if (!value) return std::nullopt;
            return col<Member> > *value || col<Member>.is_null();
        }
        if (!value) return col<Member>.is_not_null();
        return col<Member> < *value;
    } else {
        return order == sort_order::ascending ? col<Member> > value : col<Member> < value;
    }
}

/// Rows after `last` in the walk over Members with nullable columns: the lexicographic
/// comparison written out (a1 after) OR (a1 = and a2 after) OR ..., each step NULL-aware.
/// Nothing when no row can come after.
template <auto... Members, class Key>
std::optional<expression<bool>> keyset_after(const Key& last, sort_order order) {
    std::optional<expression<bool>> any;
    std::optional<expression<bool>> equal_so_far;
    [&]<std::size_t... Indexes>(std::index_sequence<Indexes...>) {
        (
            [&] {
                constexpr auto member = std::get<Indexes>(std::tuple{Members...});
                const auto& value = std::get<Indexes>(last);
                if (auto after = key_column_after<member>(value, order)) {
                    auto step = equal_so_far ? *equal_so_far && *after : *after;
                    any = any ? *any || step : step;
                }
                auto equal = key_column_equals<member>(value);
                equal_so_far = equal_so_far ? *equal_so_far && equal : equal;
            }(),
            ...);
    }
    (std::make_index_sequence<sizeof...(Members)>{});
    return any;
}

}  // namespace detail

}  // namespace strata
