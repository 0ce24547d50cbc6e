// strata/orm/loader_option.hpp - the interface every loader strategy implements for query<T>
// (relationship_option, and option_run for one run of a query); the strategies themselves
// are in orm/strategies.hpp.
#pragma once

#include <memory>
#include <span>
#include <vector>

#include "strata/core/type_traits.hpp"
#include "strata/engine/connection.hpp"
#include "strata/orm/object_state.hpp"
#include "strata/orm/ref.hpp"
#include "strata/orm/relationship.hpp"
#include "strata/sql/statement_core.hpp"

namespace strata {

class session;
template <class T>
class query;
template <class Parent, class Target>
class loader;

namespace orm {

/// One query run of a loader option: sees each parent row, then all parents. Not a template:
/// the query's row loop (query_base::load_objects) is compiled once for every model, and each
/// strategy casts its parents back to their model.
class option_run {
public:
    virtual ~option_run() = default;
    /// Called for every row, after its parent object (an object_state of the query's model) was loaded.
    virtual void on_row(session&, const tracked_pointer&, const field_reader&) {}
    /// Called once with every parent loaded by the query (selectin loads run here).
    virtual void finish(session&, std::span<const tracked_pointer>) {}
};

/// A loader option for a relationship of one model (one class per strategy); loader<Parent, Target>
/// keeps the model in its type, so an option only ever reaches queries of its own model.
class relationship_option {
public:
    virtual ~relationship_option() = default;
    /// Adjusts the query (joins, extra columns) and returns the run's state. A member loaded
    /// before is left as it is unless `populate_existing` (SQLAlchemy's rule): the session's
    /// copy may hold changes the rows do not, and another option of the same query may be
    /// filling it.
    virtual std::unique_ptr<option_run> start(sql::select_core& core, bool populate_existing) const = 0;
    /// Whether the query's rows repeat parents (a joined collection): the result lists each once.
    [[nodiscard]] virtual bool repeats_parents() const noexcept { return false; }
    /// Whether a LIMIT/OFFSET must count parents, not joined rows: the query then selects the
    /// limited parents in a subquery and joins to it (joinedload of a collection).
    [[nodiscard]] virtual bool limits_parents() const noexcept { return false; }
    /// Whether the option reads the query's own joins (contains_eager): it then starts on the
    /// parents' select, before a LIMIT moves that into a subquery.
    [[nodiscard]] virtual bool reads_query_joins() const noexcept { return false; }
};

/// A query's loader options, shared between copies of the query.
using option_list = std::vector<std::shared_ptr<const relationship_option>>;

struct relationship_join;
/// The relationship of Parent declared on `member`, for a query's join along it (orm/strategies.hpp).
template <class Parent, class Member>
relationship_join relationship_join_of(Member Parent::*member) noexcept;

}  // namespace orm
}  // namespace strata
