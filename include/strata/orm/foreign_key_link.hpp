// strata/orm/foreign_key_link.hpp - a foreign key and the key it references as a run-time
// description (column positions in two models), and the unit of work's steps over it: pointing a
// child's foreign key at its parent's key, clearing it, comparing it, and the journal that gives a
// failed flush's pointing back.
//
// These steps ran as templates per relationship (typed key tuples assigned member by member);
// over the columns' accessors they are compiled once per program, and a relationship costs a
// constant.
#pragma once

#include <array>
#include <cstddef>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "strata/core/value.hpp"
#include "strata/detail/linkage.hpp"
#include "strata/orm/model.hpp"
#include "strata/orm/object_state.hpp"
#include "strata/orm/relationship_keys.hpp"
#include "strata/orm/relationship_member.hpp"
#include "strata/schema/mapping.hpp"

namespace strata::orm {

/// The positions (in model_info::columns) of a key's columns, in order.
template <class Keys>
struct key_column_positions;
template <auto... Members>
struct key_column_positions<key_columns<Members...>> {
    static constexpr std::array<std::size_t, sizeof...(Members)> value{column_position_of<Members>()...};
};

/// The user's object inside a tracked object of model T.
template <class T>
void* object_in_state(tracked_object& item) noexcept {
    return &state_of<T>(item).object;
}

/// A child model's foreign key and the parent key it references (a constant per relationship).
struct foreign_key_link {
    const model_info* child = nullptr;                  ///< the model holding the foreign key
    std::span<const std::size_t> foreign_key;           ///< its columns
    const model_info* parent = nullptr;                 ///< the referenced model
    std::span<const std::size_t> referenced;            ///< the referenced columns, in the same order
    void* (*child_object)(tracked_object&) = nullptr;   ///< a child's object in its tracked state
    void* (*parent_object)(tracked_object&) = nullptr;  ///< a parent's object in its tracked state
    bool nullable = false;                              ///< every foreign-key column is std::optional
};

/// The link of foreign-key columns ForeignKeys (of their model) to Referenced (of theirs).
template <class ForeignKeys, class Referenced>
inline constexpr foreign_key_link foreign_key_link_of{
    &detail::model_description<typename key_traits<ForeignKeys>::model>::info,
    key_column_positions<ForeignKeys>::value,
    &detail::model_description<typename key_traits<Referenced>::model>::info,
    key_column_positions<Referenced>::value,
    &object_in_state<typename key_traits<ForeignKeys>::model>,
    &object_in_state<typename key_traits<Referenced>::model>,
    key_traits<ForeignKeys>::all_nullable};

/// The foreign keys a flush pointed, with the values they held before. A failed flush gives them
/// back: an object pointed at a key the flush generated would otherwise keep a key the rollback
/// took away, and a later flush write it (on SQLite another new row may get that key meanwhile).
class foreign_key_journal {
public:
    /// Keeps `child`'s values of `link`'s foreign key, before the flush changes them.
    STRATA_COMPILED_LINKAGE void save(const foreign_key_link& link, void* child);
    /// Puts every kept value back, the latest change undone first, and empties the journal.
    STRATA_COMPILED_LINKAGE void give_back();

private:
    struct saved_key {
        const foreign_key_link* link;
        void* child;
        std::size_t first_value;  ///< its values' position in values_
    };
    std::vector<saved_key> keys_;
    std::vector<parameter> values_;  ///< owned copies
};

/// Sets `child`'s foreign key to `parent`'s referenced key values.
STRATA_COMPILED_LINKAGE void point_foreign_key(const foreign_key_link& link, void* child, const void* parent);

/// Sets `child`'s foreign-key columns to NULL (the link must be nullable).
STRATA_COMPILED_LINKAGE void clear_foreign_key(const foreign_key_link& link, void* child) noexcept;

/// Whether `child`'s foreign key is not NULL and equals `parent`'s referenced key.
STRATA_COMPILED_LINKAGE bool foreign_key_points_at(const foreign_key_link& link, const void* child, const void* parent);

/// "table.a" or "table.(a, b)": the foreign key's columns, for messages.
STRATA_COMPILED_LINKAGE std::string describe_foreign_key(const foreign_key_link& link);

/// The flush's step for a many-to-one `member` of `child` (relationship `name`): when set since
/// the last flush, the foreign key takes the target's key (a target without a row yet, or none:
/// NULL, or usage_error where the key is not nullable); `journal` keeps what it held.
STRATA_COMPILED_LINKAGE void point_reference(const foreign_key_link& link, std::string_view name,
                                             const reference_member& member, void* child, foreign_key_journal& journal);

/// The flush's step for a one-to-many `collection` of `parent` (relationship `name`) for the
/// children it added: each takes the parent's key.
STRATA_COMPILED_LINKAGE void point_added_children(const foreign_key_link& link, const collection_member& collection,
                                                  const void* parent, foreign_key_journal& journal);

}  // namespace strata::orm

#if !defined(STRATA_SEPARATE_COMPILATION)
#include "strata/orm/impl/foreign_key_link.hpp"
#endif
