// strata/orm/query_base.hpp - what query<T> holds and does without knowing T: its statement, the
// columns it selects (from model_info), count(), exists() and running the statement.
//
// query<T> (orm/query.hpp) derives from it and adds what must know T: its loader options and
// loading rows into T's identity map. Its generative methods copy this state, so the copy is
// one non-template function too.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <utility>
#include <vector>

#include "strata/core/error.hpp"
#include "strata/core/value.hpp"
#include "strata/detail/function_ref.hpp"
#include "strata/detail/linkage.hpp"
#include "strata/engine/result.hpp"
#include "strata/orm/loader_option.hpp"
#include "strata/orm/model.hpp"
#include "strata/orm/object_state.hpp"
#include "strata/sql/compiler.hpp"
#include "strata/sql/node.hpp"
#include "strata/sql/select.hpp"
#include "strata/sql/statement_core.hpp"

namespace strata {
class session;
}

namespace strata::orm {

class model_objects;

/// Throws no_result_found: query<table>.one() found no row.
[[noreturn]] STRATA_COMPILED_LINKAGE void throw_no_result(std::string_view table);
/// Throws multiple_results_found: query<table> found `count` rows where at most one was expected.
[[noreturn]] STRATA_COMPILED_LINKAGE void throw_multiple_results(std::string_view table, std::size_t count);

/// The T-independent state and work of a query<T>.
class query_base {
public:
    /// The untyped select (without its column list, which the run adds).
    [[nodiscard]] const sql::select_core& core() const noexcept { return core_; }
    /// SELECT count(*) of the matching rows (ignoring ORDER BY). With distinct, limit or offset it
    /// counts the query as a subquery, as SQLAlchemy does: SELECT count(*) FROM (SELECT ...) AS anon_1.
    [[nodiscard]] std::int64_t count() const;
    /// SELECT EXISTS (SELECT 1 FROM ... WHERE ...): whether any row matches; loads no object.
    [[nodiscard]] bool exists() const;

protected:
    friend class strata::session;  // get() and refresh() filter by key in place
    friend class pipelined_load;   // runs a copy of the query in two steps: sent, then loaded

    /// A query over every row of the model `info` describes, in `owner`.
    query_base(session& owner, const model_info& info);
    // Copied by every generative call (filter, order_by, options, ...) of every query<T>: defined
    // once in the library, not inlined into each of them (a select's copy is most of their code).
    query_base(const query_base& other);
    query_base(query_base&& other) noexcept;
    query_base& operator=(const query_base& other);
    query_base& operator=(query_base&& other) noexcept;
    ~query_base();

    /// Adds a WHERE condition (ANDed with those before).
    void add_filter(sql::node_ptr condition);
    /// Adds `column = value` for each of `columns` (positions in `model`'s description: the
    /// query's model, or a table it joins) and the value at the same index.
    void filter_by_columns(const model_info& model, std::span<const std::size_t> columns,
                           std::span<const parameter> values);
    /// Adds `primary key = key` (one value per key column, in mapping order).
    void filter_by_key(std::span<const parameter> key) { filter_by_columns(*info_, info_->primary_key, key); }
    /// Makes rows read overwrite the objects' values (populate_existing, locking reads).
    void lock_rows(lock_options options);
    /// Restricts the columns loaded to `mask` (and the primary key); usage_error for a plain
    /// member left out, which would read as if loaded.
    void load_only_columns(std::uint64_t mask);

    /// The statement run: the model's columns of mask_ (positions_ records where each went), and
    /// with DISTINCT the ORDER BY expressions not selected.
    [[nodiscard]] sql::select_core final_core() const;
    /// Whether a DISTINCT query is ordered by expressions it does not select (final_core adds them).
    [[nodiscard]] bool orders_by_unselected() const;
    /// How many of final_core()'s columns are the model's own.
    [[nodiscard]] std::size_t selected_columns() const;
    /// Wraps the parents' select in a subquery named like their table, joins around it: what a
    /// LIMIT/OFFSET with a joined collection needs, so that it counts parents. The subquery's
    /// columns of other tables (a contains_eager's target) pass through it under labels, and so
    /// does an ORDER BY of another table's column: the outer query names the subquery only.
    void limit_parents_in_subquery(sql::select_core& core) const;
    /// Autoflushes (unless turned off), then runs `statement` on the session's connection;
    /// `compiled` keeps its text and parameters, which a SQLite result still reads as it steps.
    [[nodiscard]] strata::result execute(const sql::select_core& statement, sql::compiled_statement& compiled) const;
    /// The session connection `statement` runs on: the read connection for a read (a replica's
    /// when the session may read from one), the primary's for a locking read or on_primary().
    [[nodiscard]] strata::connection& connection_for(const sql::select_core& statement) const;
    /// Lets each loader option adjust `core` and start its run (a LIMIT/OFFSET with a joined
    /// collection first moves the parents' select into a subquery, so that it counts parents).
    void start_options(sql::select_core& core, std::vector<std::unique_ptr<option_run>>& runs) const;
    /// Runs the query, loading each row into `objects` (the model's identity map) and handing
    /// each object to `each` in row order; `expect` (optional) first learns how many rows a
    /// buffered result holds. The options see every row, then every parent. Compiled once for
    /// every model: query<T> only turns the tracked objects into ref<T>.
    /// `extras` (optional) reads each row's add_columns() values, from the column it is given,
    /// before `each` takes the row's object.
    void load_objects(model_objects& objects, strata::detail::function_ref<void(tracked_pointer&&)> each,
                      strata::detail::function_ref<void(std::size_t)>* expect,
                      strata::detail::function_ref<void(const driver::result&, std::size_t)>* extras = nullptr) const;

    /// One run of the query between building its statement and loading its rows.
    struct loading {
        sql::select_core core;             ///< the statement, with the options' joins and columns
        sql::compiled_statement compiled;  ///< outlives the rows: SQLite binds its values in place
        std::vector<std::unique_ptr<option_run>> runs;
        std::size_t first_extra = 0;  ///< the column of the first add_columns() value
        bool fold = false;            ///< whether rows repeat objects (each is handed on once)
    };
    /// Builds the statement of a run and starts the loader options' runs; `with_extras` selects
    /// the add_columns() values too.
    [[nodiscard]] loading start_loading(bool with_extras) const;
    /// Loads `rows` - the answer to `run`'s statement - as load_objects() describes.
    void load_rows(loading& run, strata::result& rows, model_objects& objects,
                   strata::detail::function_ref<void(tracked_pointer&&)> each,
                   strata::detail::function_ref<void(std::size_t)>* expect,
                   strata::detail::function_ref<void(const driver::result&, std::size_t)>* extras) const;
    /// Adds GROUP BY items.
    void add_group_by(std::vector<sql::node_ptr> items);
    /// Adds a HAVING condition (ANDed with those before).
    void add_having(sql::node_ptr condition);

    session* session_;
    const model_info* info_;
    sql::select_core core_;
    std::uint64_t mask_;
    bool overwrite_ = false;
    bool autoflush_ = true;
    bool on_primary_ = false;  ///< a read that must see the primary (on_primary())
    mutable std::vector<int> positions_;
    mutable bool ordered_by_other_columns_ = false;  ///< final_core() added ORDER BY columns to a DISTINCT
    option_list loaders_;                            ///< loader options, in the order given
    std::vector<sql::node_ptr> extra_columns_;       ///< add_columns(): selected after the objects' columns
};

/// A query over a model known only by its description: the ORM's own loads along relationship
/// descriptions (a lazy load), compiled once rather than once per relationship.
class described_query : public query_base {
public:
    /// A query over every row of the model `info` describes, in `owner`.
    described_query(session& owner, const model_info& info) : query_base(owner, info) {}
    /// Adds a WHERE condition (ANDed with those before).
    void filter(sql::node_ptr condition) { add_filter(std::move(condition)); }
    using query_base::filter_by_columns;
    /// Adds a join after those before.
    void join(sql::join_clause clause) { core_.joins.push_back(std::move(clause)); }
    /// Appends ORDER BY items.
    void order_by(std::vector<sql::order_item> items);
    /// Whether to flush before running (the session's autoflush option still applies).
    void set_autoflush(bool enabled) noexcept { autoflush_ = enabled; }
    /// Whether rows overwrite the objects' values and loaded relationships (populate_existing).
    void set_populate_existing(bool enabled) noexcept { overwrite_ = enabled; }
    /// Loader options for the loaded objects (those chained under a selectinload).
    void set_options(option_list options) { loaders_ = std::move(options); }
    /// LIMIT count.
    void set_limit(std::int64_t count);
    /// Runs the query, loading each row into `objects` (the model's identity map) and handing
    /// each object to `each` in row order (the loader options, if any, run as load_objects runs them).
    void load_each(model_objects& objects, strata::detail::function_ref<void(tracked_pointer)> each) const;

    /// session::by_key() for any model: SELECT by primary key (`key`: one value per key column,
    /// in mapping order) into `objects`; empty when no row has it. `overwrite`: a refresh (values
    /// overwritten, no autoflush).
    static tracked_pointer load_by_key(session& owner, model_objects& objects, std::span<const parameter> key,
                                       bool overwrite, bool autoflush);
};

}  // namespace strata::orm

#if !defined(STRATA_SEPARATE_COMPILATION)
#include "strata/orm/impl/query_base.hpp"
#endif
