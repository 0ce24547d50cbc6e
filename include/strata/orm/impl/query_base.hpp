// strata/orm/impl/query_base.hpp - the definitions behind strata/orm/query_base.hpp.
//
// Included by that header in header-only builds; under STRATA_SEPARATE_COMPILATION only by
// src/strata.cpp, so they are compiled once per program.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <iterator>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_set>
#include <utility>

#include "strata/detail/linkage.hpp"
#include "strata/orm/model_objects.hpp"
#include "strata/orm/query_base.hpp"
#include "strata/orm/session.hpp"
#include "strata/sql/compiler.hpp"
#include "strata/sql/functions.hpp"

namespace strata::orm {

STRATA_COMPILED_LINKAGE void throw_no_result(std::string_view table) {
    throw no_result_found("query<" + std::string{table} + ">.one() found no row");
}

STRATA_COMPILED_LINKAGE void throw_multiple_results(std::string_view table, std::size_t count) {
    throw multiple_results_found("query<" + std::string{table} + "> found " + std::to_string(count) +
                                 " rows where at most one was expected");
}

STRATA_COMPILED_LINKAGE query_base::query_base(session& owner, const model_info& info)
    : session_(&owner), info_(&info), mask_(info.all_columns_mask) {
    core_.from.push_back(sql::table_ref{info.table, {}});
}

STRATA_COMPILED_LINKAGE void query_base::add_filter(sql::node_ptr condition) {
    core_.where = core_.where ? sql::make_operator(sql::node_kind::binary, " AND ", sql::precedence::and_,
                                                   {core_.where, std::move(condition)})
                              : std::move(condition);
}

STRATA_COMPILED_LINKAGE query_base::query_base(const query_base& other) = default;
STRATA_COMPILED_LINKAGE query_base::query_base(query_base&& other) noexcept = default;
STRATA_COMPILED_LINKAGE query_base& query_base::operator=(const query_base& other) = default;
STRATA_COMPILED_LINKAGE query_base& query_base::operator=(query_base&& other) noexcept = default;
STRATA_COMPILED_LINKAGE query_base::~query_base() = default;

STRATA_COMPILED_LINKAGE void query_base::filter_by_columns(const model_info& model,
                                                           std::span<const std::size_t> columns,
                                                           std::span<const parameter> values) {
    // A column on the left compares by its own collation: a decimal by value on SQLite too.
    for (std::size_t i = 0; i < columns.size(); ++i)
        add_filter(sql::make_operator(sql::node_kind::binary, " = ", sql::precedence::comparison,
                                      {model.columns[columns[i]].column_node(), sql::make_parameter(values[i])}));
}

STRATA_COMPILED_LINKAGE void query_base::lock_rows(lock_options options) {
    if (options.nowait && options.skip_locked)
        throw usage_error("a locking clause takes NOWAIT or SKIP LOCKED, not both");
    core_.lock = {options.read ? sql::lock_strength::share : sql::lock_strength::update, options.nowait,
                  options.skip_locked, std::move(options.of)};
    overwrite_ = true;
}

STRATA_COMPILED_LINKAGE void query_base::load_only_columns(std::uint64_t mask) {
    for (const auto index : info_->primary_key) mask |= 1ULL << index;
    for (std::size_t i = 0; i < info_->columns.size(); ++i) {
        if ((mask >> i & 1) || info_->columns[i].deferrable) continue;
        throw usage_error("load_only leaves out " + std::string{info_->table} + "." +
                          std::string{info_->columns[i].name} +
                          ", a plain member that would read as if loaded: declare it strata::deferred<...> "
                          "or name it in load_only");
    }
    mask_ = mask;
}

STRATA_COMPILED_LINKAGE std::int64_t query_base::count() const {
    sql::select_core counting;
    if (core_.limit || core_.offset || core_.distinct) {
        auto counted = std::make_shared<sql::select_core>(final_core());
        counted->lock = {};
        if (!counted->limit && !counted->offset) {
            counted->order_by.clear();
            if (counted->distinct) counted->columns.resize(selected_columns());  // no ORDER BY columns
        }
        counting.columns = {strata::count().node()};
        counting.derived = {std::move(counted), "anon_1"};
    } else {
        counting = core_;
        counting.columns = {strata::count().node()};
        counting.order_by.clear();
        counting.lock = {};
    }
    sql::compiled_statement compiled;
    return execute(counting, compiled).scalar<std::int64_t>();
}

STRATA_COMPILED_LINKAGE bool query_base::exists() const {
    auto inner = std::make_shared<sql::select_core>(core_);
    inner->columns = {sql::make_keyword("1")};
    inner->order_by.clear();
    inner->lock = {};
    sql::select_core outer;
    outer.columns = {sql::make_subquery(std::move(inner), true)};
    sql::compiled_statement compiled;
    return execute(outer, compiled).scalar<bool>();
}

STRATA_COMPILED_LINKAGE sql::select_core query_base::final_core() const {
    sql::select_core final = core_;
    final.columns.clear();
    positions_.assign(info_->columns.size(), -1);
    for (std::size_t i = 0; i < info_->columns.size(); ++i) {
        if (!(mask_ >> i & 1)) continue;
        positions_[i] = static_cast<int>(final.columns.size());
        final.columns.push_back(info_->columns[i].column_node());
    }
    // SELECT DISTINCT must select what it is ordered by (PostgreSQL refuses it otherwise and
    // SQLite sorts by an arbitrary row's value): the ORDER BY expressions not selected are
    // added after the model's columns, as SQLAlchemy's Query does; the run then keeps each
    // object once.
    ordered_by_other_columns_ = false;
    if (final.distinct) {
        for (const auto& item : final.order_by) {
            if (sql::selects(final.columns, *item.expression)) continue;
            final.columns.push_back(item.expression);
            ordered_by_other_columns_ = true;
        }
    }
    return final;
}

STRATA_COMPILED_LINKAGE bool query_base::orders_by_unselected() const {
    if (!core_.distinct) return false;
    [[maybe_unused]] const auto statement = final_core();  // sets ordered_by_other_columns_
    return ordered_by_other_columns_;
}

STRATA_COMPILED_LINKAGE std::size_t query_base::selected_columns() const {
    return static_cast<std::size_t>(
        std::count_if(positions_.begin(), positions_.end(), [](int at) { return at >= 0; }));
}

STRATA_COMPILED_LINKAGE void query_base::limit_parents_in_subquery(sql::select_core& core) const {
    const sql::table_ref subquery{info_->table, {}};  // the subquery takes the parents' table's name
    const auto parents_column = [&subquery](const sql::node& column) {
        return column.kind == sql::node_kind::column && column.table == subquery;
    };
    auto parents = std::make_shared<sql::select_core>(std::move(core));
    core = sql::select_core{};
    // Labelled: two tables' columns may share a name (books.id, publishers.id).
    std::size_t labels = 0;
    const auto pass_through = [&](sql::node_ptr& column) {
        const auto name = sql::permanent_name("strata_" + std::to_string(++labels));
        column = sql::make_label(std::move(column), name);
        return sql::make_column(subquery, name);
    };
    for (auto& column : parents->columns)
        core.columns.push_back(parents_column(*column) ? column : pass_through(column));
    for (const auto& item : parents->order_by) {
        sql::order_item outer = item;
        if (!parents_column(*item.expression)) {
            // Selected under its own label for the outer ORDER BY only (after the columns the
            // outer query reads, so their positions stay).
            auto column = item.expression;
            outer.expression = pass_through(column);
            parents->columns.push_back(std::move(column));
        }
        core.order_by.push_back(std::move(outer));
    }
    core.derived = {std::move(parents), info_->table};
}

STRATA_COMPILED_LINKAGE strata::connection& query_base::connection_for(const sql::select_core& statement) const {
    if (on_primary_ || statement.lock.strength != sql::lock_strength::none) return session_->primary_read_connection();
    return session_->read_connection();
}

STRATA_COMPILED_LINKAGE strata::result query_base::execute(const sql::select_core& statement,
                                                           sql::compiled_statement& compiled) const {
    if (autoflush_) session_->autoflush();
    for (bool retried = false;; retried = true) {
        auto& connection = connection_for(statement);
        compiled = sql::compile(statement, connection.sql_dialect());
        try {
            return connection.execute_parameters(compiled.sql, compiled.parameters);
        } catch (const database_error& failure) {
            // A replica that stopped or dropped the connection: the read runs again on another
            // replica or the primary, and the user's query does not fail.
            if (retried || connection.server() == "primary" || !strata::detail::server_unavailable(failure)) throw;
            session_->read_failed();
        }
    }
}

STRATA_COMPILED_LINKAGE void query_base::start_options(sql::select_core& core,
                                                       std::vector<std::unique_ptr<option_run>>& runs) const {
    runs.clear();
    runs.resize(loaders_.size());
    const bool limited = core.limit || core.offset;
    if (limited &&
        std::any_of(loaders_.begin(), loaders_.end(), [](const auto& option) { return option->limits_parents(); })) {
        // An option reading the query's own joins starts inside the subquery, where they stay.
        for (std::size_t i = 0; i < loaders_.size(); ++i)
            if (loaders_[i]->reads_query_joins()) runs[i] = loaders_[i]->start(core, overwrite_);
        limit_parents_in_subquery(core);
    }
    for (std::size_t i = 0; i < loaders_.size(); ++i)
        if (!runs[i]) runs[i] = loaders_[i]->start(core, overwrite_);
}

STRATA_COMPILED_LINKAGE void query_base::add_group_by(std::vector<sql::node_ptr> items) {
    core_.group_by.insert(core_.group_by.end(), std::make_move_iterator(items.begin()),
                          std::make_move_iterator(items.end()));
}

STRATA_COMPILED_LINKAGE void query_base::add_having(sql::node_ptr condition) {
    core_.having = core_.having ? sql::make_operator(sql::node_kind::binary, " AND ", sql::precedence::and_,
                                                     {core_.having, std::move(condition)})
                                : std::move(condition);
}

STRATA_COMPILED_LINKAGE query_base::loading query_base::start_loading(bool with_extras) const {
    loading run;
    run.core = final_core();
    start_options(run.core, run.runs);
    run.first_extra = run.core.columns.size();
    // Rows repeat an object under a joined collection, and under DISTINCT ordered by another
    // table's columns (selected too, so one object may come with several of their values).
    run.fold = ordered_by_other_columns_ || std::any_of(loaders_.begin(), loaders_.end(),
                                                        [](const auto& option) { return option->repeats_parents(); });
    if (with_extras) {
        if (run.fold)
            throw usage_error(
                "add_columns() with a joined collection (joinedload or contains_eager of one) or DISTINCT ordered "
                "by another table: each object's rows repeat with other values; use selectinload");
        run.core.columns.insert(run.core.columns.end(), extra_columns_.begin(), extra_columns_.end());
    }
    return run;
}

STRATA_COMPILED_LINKAGE void query_base::load_objects(
    model_objects& objects, strata::detail::function_ref<void(tracked_pointer&&)> each,
    strata::detail::function_ref<void(std::size_t)>* expect,
    strata::detail::function_ref<void(const driver::result&, std::size_t)>* extras) const {
    auto run = start_loading(extras != nullptr);
    auto rows = execute(run.core, run.compiled);
    load_rows(run, rows, objects, each, expect, extras);
}

STRATA_COMPILED_LINKAGE void query_base::load_rows(
    loading& run, strata::result& rows, model_objects& objects,
    strata::detail::function_ref<void(tracked_pointer&&)> each, strata::detail::function_ref<void(std::size_t)>* expect,
    strata::detail::function_ref<void(const driver::result&, std::size_t)>* extras) const {
    // A buffered result knows its size: grow the identity map and the caller's vector once.
    if (const auto expected = rows.driver_result().known_row_count(); expected > 0) {
        objects.reserve_objects(expected);
        if (expect != nullptr) (*expect)(expected);
    }
    std::vector<tracked_pointer> parents;
    std::unordered_set<const void*> seen;
    // Read once: `each` is opaque to the optimizer, which would otherwise read `run` again per row.
    const bool fold = run.fold;
    const bool with_options = !run.runs.empty();
    while (rows.next()) {
        auto object = objects.load_row(rows.driver_result(), positions_, mask_, overwrite_);
        if (with_options)
            for (auto& item : run.runs) item->on_row(*session_, object, rows.driver_result());
        if (fold && !seen.insert(object.get()).second) continue;  // a repeated parent of a joined collection
        if (with_options) parents.push_back(object);
        if (extras != nullptr) (*extras)(rows.driver_result(), run.first_extra);
        each(std::move(object));
    }
    rows = strata::result{nullptr};
    for (auto& item : run.runs) item->finish(*session_, parents);
}

STRATA_COMPILED_LINKAGE tracked_pointer described_query::load_by_key(session& owner, model_objects& objects,
                                                                     std::span<const parameter> key, bool overwrite,
                                                                     bool autoflush) {
    described_query lookup{owner, objects.info()};
    lookup.filter_by_key(key);
    if (overwrite) lookup.overwrite_ = true;
    if (overwrite || !autoflush) lookup.autoflush_ = false;
    tracked_pointer found;
    std::size_t count = 0;
    lookup.load_each(objects, [&found, &count](tracked_pointer object) {
        if (count++ == 0) found = std::move(object);
    });
    if (count > 1) throw_multiple_results(objects.info().table, count);
    return found;
}

STRATA_COMPILED_LINKAGE void described_query::set_limit(std::int64_t count) {
    core_.limit = sql::make_parameter(parameter::from_integer(count));
}

STRATA_COMPILED_LINKAGE void described_query::order_by(std::vector<sql::order_item> items) {
    core_.order_by.insert(core_.order_by.end(), std::make_move_iterator(items.begin()),
                          std::make_move_iterator(items.end()));
}

STRATA_COMPILED_LINKAGE void described_query::load_each(
    model_objects& objects, strata::detail::function_ref<void(tracked_pointer)> each) const {
    if (!loaders_.empty()) {
        const auto hand_on = [&each](tracked_pointer&& object) { each(std::move(object)); };
        strata::detail::function_ref<void(tracked_pointer &&)> handed{hand_on};
        load_objects(objects, handed, nullptr);
        return;
    }
    const auto core = final_core();
    sql::compiled_statement compiled;  // outlives the rows: SQLite binds its values in place
    auto rows = execute(core, compiled);
    if (const auto expected = rows.driver_result().known_row_count(); expected > 0) objects.reserve_objects(expected);
    while (rows.next()) each(objects.load_row(rows.driver_result(), positions_, mask_, overwrite_));
}

}  // namespace strata::orm
