// strata/orm/relationship_load.hpp - loading relationships from their run-time descriptions
// (relationship_behavior), by one non-template function or class for every relationship: the
// lazy loads, selectinload, the joins along a foreign key or through an association table, and
// the joinedload, contains_eager and raiseload options with their runs.
//
// A lazy load of a one-to-many was a query<Target> instantiated per relationship; the statement
// only needs the parent's key values, the child's foreign-key columns and the child's identity
// map, all of which a description carries (orm/model.hpp's model_info and column thunks). The
// typed strategies (orm/strategies.hpp) keep only what needs the types: finding a relationship's
// description from its member, and the compile-time checks of its keys.
#pragma once

#include <cstddef>
#include <memory>
#include <span>
#include <string_view>
#include <unordered_set>
#include <utility>
#include <vector>

#include "strata/core/dialect.hpp"
#include "strata/detail/linkage.hpp"
#include "strata/orm/foreign_key_link.hpp"
#include "strata/orm/loader_option.hpp"
#include "strata/orm/model.hpp"
#include "strata/orm/model_objects.hpp"
#include "strata/orm/object_state.hpp"
#include "strata/orm/relationship_member.hpp"

namespace strata {
class session;
}

namespace strata::orm {

/// The object the foreign key of `holder` (a `behavior.link->child` object, holding the many-to-one
/// `behavior`) names, if the session's identity map holds it (no SQL); null otherwise, and always
/// when the key references other columns than the primary key.
STRATA_COMPILED_LINKAGE tracked_pointer referenced_in_session(const relationship_behavior& behavior, session& owner,
                                                              const void* holder);

/// A lazy load of the many-to-one `behavior`: `reference` (of `holder`, a `behavior.link->child` object) set to the
/// object its foreign key names - from the identity map without SQL when it holds it (unless
/// expired), else by one SELECT (`autoflush` false when the load serves a change); empty for a
/// NULL key or a key no row has.
STRATA_COMPILED_LINKAGE void lazy_load_reference(const relationship_behavior& behavior, session& owner,
                                                 const void* holder, reference_member& reference, bool autoflush);

/// The columns of the model `info` describes appended to the select list, qualified by `table`
/// (its name, or an alias); returns their positions in it.
STRATA_COMPILED_LINKAGE std::vector<int> add_model_columns(sql::select_core& core, const model_info& info,
                                                           const sql::table_ref& table);

/// Fills relationship `behavior`'s members of a query's objects from the target's columns in the
/// same rows (joinedload and contains_eager): one class for every relationship.
class joined_run final : public option_run {
public:
    /// The target's columns are at `positions` of each row; `refill`: members loaded before are
    /// loaded again (populate_existing), not left as they are.
    joined_run(const relationship_behavior& behavior, std::vector<int> positions, bool refill)
        : behavior_(&behavior), positions_(std::move(positions)), refill_(refill) {}
    // STRATA_COMPILED_LINKAGE here too: header-only, an inline virtual member leaves the class no
    // key function, so its vtable (and this body) is compiled only where the class is constructed.
    STRATA_COMPILED_LINKAGE void on_row(session& owner, const tracked_pointer& object,
                                        const field_reader& row) override;
    /// In a session without autoflush: the filled collections follow the unflushed changes.
    STRATA_COMPILED_LINKAGE void finish(session& owner, std::span<const tracked_pointer> parents) override;

private:
    const relationship_behavior* behavior_;
    std::vector<int> positions_;
    bool refill_;
    model_objects* targets_ = nullptr;      ///< the target's identity map, found at the first row
    std::unordered_set<const void*> seen_;  ///< parents whose collection this run fills
    std::vector<tracked_pointer> filled_;   ///< of those, the ones not loaded before (not refilled)
    const void* last_parent_ = nullptr;     ///< the previous row's parent
    bool filling_ = false;                  ///< whether this run fills the previous row's parent
};

/// joinedload's part after its joins (the target under `target_table`): ORDER BY the target's key
/// for a collection, the target's columns, and the run that reads them.
STRATA_COMPILED_LINKAGE std::unique_ptr<option_run> start_joined_run(sql::select_core& core,
                                                                     const relationship_behavior& behavior,
                                                                     const sql::table_ref& target_table, bool refill);

/// contains_eager: the target's columns read from the query's own join of its table (usage_error
/// when the query does not join it), then start_joined_run's ORDER BY, columns and run.
STRATA_COMPILED_LINKAGE std::unique_ptr<option_run> start_contains_eager(sql::select_core& core,
                                                                         const relationship_behavior& behavior,
                                                                         bool refill);

/// The tables a relationship's joins bring in: the target's, and a many-to-many's association's.
struct joined_tables {
    sql::table_ref target;
    sql::table_ref association;
};

/// `table` under the next free numbered alias of this select (books_1, books_2, ...).
STRATA_COMPILED_LINKAGE sql::table_ref next_alias(const sql::select_core& core, sql::table_ref table);

/// The joins that bring the targets of the relationship `behavior` describes next to its parents,
/// under the names in `tables` (aliases for a joined eager load): along its foreign key, or
/// through its association table for a many-to-many. One function for every relationship.
STRATA_COMPILED_LINKAGE std::vector<sql::join_clause> relationship_joins(const relationship_behavior& behavior,
                                                                         sql::join_kind kind,
                                                                         const joined_tables& tables);

/// A relationship a query joins along (query.join(&Model::member)), found by its member: null
/// `behavior` when the member is not a relationship of `parent_table`.
struct relationship_join {
    const relationship_behavior* behavior = nullptr;  ///< the relationship
    std::string_view parent_table;                    ///< the model the query loads (for the message)
};

/// Throws usage_error: a loader option or a join named a member of `table`'s model that its mapping
/// does not declare a relationship (one function for every model).
[[noreturn]] STRATA_COMPILED_LINKAGE void throw_not_a_relationship(std::string_view table);

/// Appends the joins along `found` to `joins`; usage_error when it names no relationship.
STRATA_COMPILED_LINKAGE void append_relationship_joins(std::vector<sql::join_clause>& joins,
                                                       const relationship_join& found, sql::join_kind kind);

/// joinedload: LEFT OUTER JOIN the target and read it from the same rows; INNER JOIN when asked
/// for a many-to-one whose foreign key is not nullable (where it cannot drop a parent). One class
/// for every relationship.
class joined_option final : public relationship_option {
public:
    /// The option for the relationship `behavior` describes; `inner`: INNER JOIN.
    joined_option(const relationship_behavior& behavior, bool inner) noexcept : behavior_(&behavior), inner_(inner) {}
    STRATA_COMPILED_LINKAGE std::unique_ptr<option_run> start(sql::select_core& core,
                                                              bool populate_existing) const override;
    [[nodiscard]] bool repeats_parents() const noexcept override { return behavior_->member->collection; }
    [[nodiscard]] bool limits_parents() const noexcept override { return behavior_->member->collection; }

private:
    const relationship_behavior* behavior_;
    bool inner_;
};

/// contains_eager: the user's own join already brings the target's rows: read them from it.
class contains_eager_option final : public relationship_option {
public:
    /// The option for the relationship `behavior` describes.
    explicit contains_eager_option(const relationship_behavior& behavior) noexcept : behavior_(&behavior) {}
    std::unique_ptr<option_run> start(sql::select_core& core, bool populate_existing) const override {
        return start_contains_eager(core, *behavior_, populate_existing);
    }
    [[nodiscard]] bool repeats_parents() const noexcept override { return behavior_->member->collection; }
    [[nodiscard]] bool reads_query_joins() const noexcept override { return true; }

private:
    const relationship_behavior* behavior_;
};

/// raiseload (reading the relationship unloaded throws lazy_load_forbidden), or lazyload: the
/// relationship's members of the loaded objects take `mode`.
class raise_option final : public relationship_option {
public:
    /// The option for the relationship `behavior` describes.
    raise_option(const relationship_behavior& behavior, relationship_mode mode) noexcept
        : behavior_(&behavior), mode_(mode) {}
    STRATA_COMPILED_LINKAGE std::unique_ptr<option_run> start(sql::select_core& core,
                                                              bool populate_existing) const override;

private:
    const relationship_behavior* behavior_;
    relationship_mode mode_;
};

/// SQLAlchemy's default selectin batch: keys per IN statement.
inline constexpr std::size_t selectin_batch_size = 500;

/// selectinload of the one-to-many `behavior`: the children of every parent in `parents` whose
/// collection is not loaded yet, by one `foreign key IN (...)`
/// statement per selectin_batch_size distinct parent keys, ordered by the foreign key and then
/// the child's primary key, each child appended to the collection of every parent with its key;
/// `nested` are the options chained under it, run on the children (those of collections loaded
/// before too); `refill` (populate_existing) loads the loaded collections again. The statements
/// do not autoflush: the parents' query flushed just before, and no user code ran since.
STRATA_COMPILED_LINKAGE void selectin_load_children(const relationship_behavior& behavior, session& owner,
                                                    std::span<const tracked_pointer> parents, const option_list& nested,
                                                    bool refill);

/// selectinload of the many-to-one `behavior`: the targets the foreign keys of `parents` (those
/// whose reference is not loaded yet) name, by one `key IN (...)` statement per
/// selectin_batch_size distinct keys, each parent's reference set to its target (empty for a NULL
/// key or a key no row has); `nested` run on the targets. No autoflush, as above.
STRATA_COMPILED_LINKAGE void selectin_load_references(const relationship_behavior& behavior, session& owner,
                                                      std::span<const tracked_pointer> parents,
                                                      const option_list& nested, bool refill);

/// selectinload of the many-to-many `behavior`: the targets of every parent whose collection is
/// not loaded yet, joined to their association rows, by one `association.local IN (...)` statement
/// per selectin_batch_size distinct parent keys, ordered by the association's local key and then
/// the target's key; the association's local key is read next to each target, which is appended
/// to the collection of every parent with that key. `nested` run on the targets. No autoflush.
STRATA_COMPILED_LINKAGE void selectin_load_associations(const relationship_behavior& behavior, session& owner,
                                                        std::span<const tracked_pointer> parents,
                                                        const option_list& nested, bool refill);

/// selectinload: after the parents, their targets by the statements of selectin_load_children,
/// selectin_load_references or selectin_load_associations. One class for every relationship.
class selectin_option final : public relationship_option {
public:
    /// The option for the relationship `behavior` describes.
    explicit selectin_option(const relationship_behavior& behavior) noexcept : behavior_(&behavior) {}
    STRATA_COMPILED_LINKAGE std::unique_ptr<option_run> start(sql::select_core& core,
                                                              bool populate_existing) const override;

    option_list nested;  ///< options for the loaded targets (chained: selectinload(...).joinedload(...))

private:
    const relationship_behavior* behavior_;
};

/// Brings the collections of relationship `behavior` of `filled` (parents whose collection a load
/// just filled from rows that lack the session's unflushed changes: a lazy load for a change, or
/// any load in a session without autoflush) in step with the unflushed changes of their other
/// side: a child's many-to-one set to one of these parents joins its collection (set away: leaves
/// it); a target whose many-to-many collection added (removed) one of them joins (leaves) its
/// collection. One pass over the target's objects, however many parents.
STRATA_COMPILED_LINKAGE void follow_unflushed_changes(session& owner, const relationship_behavior& behavior,
                                                      std::span<const tracked_pointer> filled);

/// The lazy load of relationship `behavior`'s `member` of `parent` (every relationship's
/// relationship_behavior::load): a many-to-one's by lazy_load_reference; a collection's by one
/// statement (a one-to-many's children by their foreign key, a many-to-many's targets joined to
/// its association rows), then, for a change, follow_unflushed_changes. `autoflush` false when the
/// load serves a change.
STRATA_COMPILED_LINKAGE void lazy_load(const relationship_behavior& behavior, session& owner, tracked_object& parent,
                                       void* member, bool autoflush);

}  // namespace strata::orm

#if !defined(STRATA_SEPARATE_COMPILATION)
#include "strata/orm/impl/relationship_load.hpp"
#endif
