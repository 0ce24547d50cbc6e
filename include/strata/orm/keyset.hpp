// strata/orm/keyset.hpp - keyset pagination over one or several columns (pattern 10).
//
//   strata::keyset<&Post::created_at, &Post::id> cursor;             // ascending by (created_at, id)
//   while (true) {
//       auto page = session.query<Post>().page(cursor, 20);           // WHERE (created_at, id) > (last...)
//       if (page.empty()) break;                                      // ORDER BY created_at, id LIMIT 20
//   }
//
// The key columns together must be unique (end them with the primary key), so that no row is
// skipped or repeated when values repeat.
#pragma once

#include <optional>
#include <tuple>

#include "strata/schema/mapping.hpp"

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

}  // namespace strata
