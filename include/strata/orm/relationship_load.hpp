// strata/orm/relationship_load.hpp - loading a collection's objects from a run-time description
// of its keys (collection_load_plan), by one non-template function for every relationship.
//
// A lazy load of a one-to-many was a query<Target> instantiated per relationship; the statement
// only needs the parent's key values, the child's foreign-key columns and the child's identity
// map, all of which a description carries (orm/model.hpp's model_info and column thunks).
#pragma once

#include <cstddef>
#include <optional>
#include <string_view>
#include <vector>

#include "strata/detail/function_ref.hpp"
#include "strata/detail/linkage.hpp"
#include "strata/orm/model.hpp"
#include "strata/orm/model_objects.hpp"
#include "strata/orm/object_state.hpp"
#include "strata/sql/node.hpp"
#include "strata/sql/statement_core.hpp"

namespace strata {
class session;
}

namespace strata::orm {

/// What loading one parent's children needs at run time.
struct collection_load_plan {
    const model_info* parent = nullptr;                   ///< the parent's model
    const model_info* target = nullptr;                   ///< the children's model
    std::vector<std::size_t> parent_columns;              ///< the parent's referenced key columns (indexes)
    std::vector<std::size_t> child_columns;               ///< the children's foreign-key columns, in the same order
    model_objects& (*target_objects)(session&);           ///< the children's identity map in a session
    void* (*collection_of)(tracked_object& parent);       ///< the parent's many<Target> member
    bool (*is_loaded)(const void* collection);            ///< many<Target>::is_loaded
    void (*start_loading)(void* collection);              ///< many<Target>::start_loading
    void (*append)(void* collection, const void* child);  ///< many<Target>::append of a `const ref<Target>*`
    const void* (*parent_object_of)(const tracked_object& parent);  ///< the user's struct in a parent
    const void* (*child_object_of)(const tracked_object& child);    ///< the user's struct in a child
};

/// Receives each child a selectin statement loaded: its tracked object and its handle (a
/// `const ref<Target>*`, what the collections append).
using selectin_child_sink = strata::detail::function_ref<void(const tracked_object& child, const void* handle)>;
/// Runs one selectin statement: the children's query with `condition` (the IN over a batch of
/// keys) and `order`, handing each loaded child to the sink in row order. The strategy supplies
/// it, so that options chained after selectinload apply to the children's query.
using selectin_batch_runner = strata::detail::function_ref<void(
    sql::node_ptr condition, std::vector<sql::order_item> order, selectin_child_sink each)>;

/// selectinload of a one-to-many: the parents whose collection is not loaded yet are grouped by
/// key; one statement per 500 keys (WHERE fk IN (...), or (a, b) IN for a composite key) loads
/// their children, ordered by foreign key and primary key, and appends each to its parents.
STRATA_COMPILED_LINKAGE void select_children(const collection_load_plan& plan, session& owner,
                                             const std::vector<tracked_object*>& parents,
                                             selectin_batch_runner run_batch);

/// The index of the column named `name` in `info` (a relationship's key column: it exists).
STRATA_COMPILED_LINKAGE std::size_t column_position(const model_info& info, std::string_view name);

/// The children of `parent_object` (a `plan.parent` object): SELECT the child's columns WHERE the
/// foreign key equals the parent's key, ordered by the child's primary key, loaded into the
/// child's identity map; nullopt (no statement) when the parent's key is NULL.
STRATA_COMPILED_LINKAGE std::optional<std::vector<tracked_pointer>> load_children(const collection_load_plan& plan,
                                                                                  session& owner,
                                                                                  const void* parent_object,
                                                                                  bool autoflush);

}  // namespace strata::orm

#if !defined(STRATA_SEPARATE_COMPILATION)
#include "strata/orm/impl/relationship_load.hpp"
#endif
