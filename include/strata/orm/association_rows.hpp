// strata/orm/association_rows.hpp - the rows of a many-to-many's association table: what a flush
// writes for a changed collection (an INSERT per link added, a DELETE per link removed) and for a
// deleted object (every row naming it).
//
// One function for every many-to-many relationship, over its two foreign-key links (the
// association's columns referencing the parent, and those referencing the target): the unit of
// work (orm/model_objects.hpp) calls it without knowing either model.
#pragma once

#include <vector>

#include "strata/core/value.hpp"
#include "strata/detail/linkage.hpp"
#include "strata/engine/connection.hpp"
#include "strata/orm/object_state.hpp"
#include "strata/orm/relationship_member.hpp"

namespace strata::orm {

/// Writes the association rows of the many-to-many collection `behavior` describes, of `item` (an
/// object of its parent model): all of them removed when the object is being deleted.
/// `parameters`: the flush's vector, reused for every row.
STRATA_COMPILED_LINKAGE void write_association_rows(const relationship_behavior& behavior, connection& target,
                                                    tracked_object& item, bool deleted,
                                                    std::vector<parameter>& parameters);

}  // namespace strata::orm

#if !defined(STRATA_SEPARATE_COMPILATION)
#include "strata/orm/impl/association_rows.hpp"
#endif
