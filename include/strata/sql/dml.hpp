// strata/sql/dml.hpp - insert<T>() (with ON CONFLICT: upserts), update<T>() and delete_from<T>(),
// with optional RETURNING.
//
//   strata::update<Account>().set(col<&Account::balance>, col<&Account::balance> - 10)
//                            .where(col<&Account::id> == id)
//
// Without RETURNING, executing one gives the number of rows affected; with returning(cols...)
// it gives rows, like a select.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <tuple>
#include <utility>

#include "strata/core/dialect.hpp"
#include "strata/core/error.hpp"
#include "strata/sql/compiler.hpp"
#include "strata/sql/expression.hpp"
#include "strata/sql/select.hpp"
#include "strata/sql/statement_core.hpp"

namespace strata {

namespace sql {
/// The column name of a column expression; throws usage_error for anything else.
template <class Column>
std::string_view column_name_of(const Column& column) {
    static_assert(expression_like<Column>, "the target of value()/set() must be a column: col<&T::member>");
    const node_ptr item = to_node(column);
    if (item->kind != node_kind::column) throw usage_error("value()/set() needs a column, not an expression");
    return item->text;
}

template <class... Items>
std::vector<node_ptr> returning_nodes(const Items&... items) {
    return {to_node(items)...};
}
}  // namespace sql

/// INSERT INTO table (...) VALUES (...) [RETURNING ...].
template <class... Ts>
class insert_statement {
public:
    /// Rows of RETURNING (an empty tuple: the statement returns a row count).
    using row_type = std::tuple<Ts...>;
    /// Wraps an insert core.
    explicit insert_statement(sql::insert_core core) : core_(std::move(core)) {}
    /// Sets one column's value.
    template <class Column, class Value>
    [[nodiscard]] insert_statement value(const Column& column, const Value& value) const {
        sql::require_comparable<Column, Value>();
        insert_statement copy = *this;
        copy.core_.columns.push_back(sql::column_name_of(column));
        if (copy.core_.rows.empty()) copy.core_.rows.emplace_back();
        copy.core_.rows.front().push_back(sql::to_node(value));
        return copy;
    }
    /// ON CONFLICT [(columns)] DO NOTHING: a row that would violate the unique constraint of
    /// `columns` (any unique constraint when none are named) is skipped; RETURNING gives no row for it.
    template <class... Columns>
    [[nodiscard]] insert_statement on_conflict_do_nothing(const Columns&... columns) const {
        insert_statement copy = *this;
        copy.core_.on_conflict = sql::conflict_action{{sql::column_name_of(columns)...}, false, {}, nullptr};
        return copy;
    }
    /// ON CONFLICT (columns) DO UPDATE: a row whose `columns` (a unique constraint's, all of them)
    /// match an existing row updates that row instead, with set(column, value) - excluded(column)
    /// is the value the INSERT would have written - and where(condition).
    template <class Column, class... More>
    [[nodiscard]] insert_statement on_conflict_do_update(const Column& column, const More&... more) const {
        insert_statement copy = *this;
        copy.core_.on_conflict =
            sql::conflict_action{{sql::column_name_of(column), sql::column_name_of(more)...}, true, {}, nullptr};
        return copy;
    }
    /// DO UPDATE SET column = value, after on_conflict_do_update(...).
    template <class Column, class Value>
    [[nodiscard]] insert_statement set(const Column& column, const Value& value) const {
        sql::require_comparable<Column, Value>();
        insert_statement copy = *this;
        copy.updating("set()").assignments.emplace_back(sql::column_name_of(column), sql::to_node(value));
        return copy;
    }
    /// DO UPDATE ... WHERE condition (several are ANDed): rows that fail it are left as they are.
    template <class Condition>
    [[nodiscard]] insert_statement where(const Condition& condition) const {
        sql::require_boolean<Condition>();
        insert_statement copy = *this;
        auto& action = copy.updating("where()");
        auto added = sql::to_node(condition);
        action.where = action.where ? sql::make_operator(sql::node_kind::binary, " AND ", sql::precedence::and_,
                                                         {action.where, std::move(added)})
                                    : std::move(added);
        return copy;
    }
    /// RETURNING items: the statement now yields rows of their types.
    template <class... Items>
    [[nodiscard]] insert_statement<sql::operand_value_t<Items>...> returning(const Items&... items) const {
        sql::insert_core core = core_;
        core.returning = sql::returning_nodes(items...);
        return insert_statement<sql::operand_value_t<Items>...>{std::move(core)};
    }
    /// The untyped statement.
    [[nodiscard]] const sql::insert_core& core() const noexcept { return core_; }
    /// SQL and parameters for a dialect.
    [[nodiscard]] sql::compiled_statement compile(dialect target) const {
        if (core_.on_conflict && core_.on_conflict->update && core_.on_conflict->assignments.empty())
            throw usage_error("on_conflict_do_update(...) needs at least one set(column, value)");
        return sql::compile(core_, target);
    }

private:
    /// The DO UPDATE action that set() and where() add to; usage_error without one.
    sql::conflict_action& updating(const char* method) {
        if (!core_.on_conflict || !core_.on_conflict->update)
            throw usage_error(std::string{"insert()."} + method +
                              " belongs to an upsert: call on_conflict_do_update(columns...) first");
        return *core_.on_conflict;
    }

    sql::insert_core core_;
};

/// In an upsert's DO UPDATE: the value the INSERT would have written to `column`
/// (PostgreSQL's and SQLite's excluded.column).
template <class Column>
expression<sql::operand_value_t<Column>> excluded(const Column& column) {
    return expression<sql::operand_value_t<Column>>{
        sql::make_column(sql::table_ref{"excluded", {}}, sql::column_name_of(column))};
}

/// UPDATE table SET ... [WHERE ...] [RETURNING ...].
template <class... Ts>
class update_statement {
public:
    /// Rows of RETURNING (an empty tuple: the statement returns a row count).
    using row_type = std::tuple<Ts...>;
    /// Wraps an update core.
    explicit update_statement(sql::update_core core) : core_(std::move(core)) {}
    /// SET column = value (a value or an expression such as col - 1).
    template <class Column, class Value>
    [[nodiscard]] update_statement set(const Column& column, const Value& value) const {
        sql::require_comparable<Column, Value>();
        update_statement copy = *this;
        copy.core_.assignments.emplace_back(sql::column_name_of(column), sql::to_node(value));
        return copy;
    }
    /// Adds a WHERE condition (several are ANDed).
    template <class Condition>
    [[nodiscard]] update_statement where(const Condition& condition) const {
        sql::require_boolean<Condition>();
        update_statement copy = *this;
        auto added = sql::to_node(condition);
        copy.core_.where = copy.core_.where ? sql::make_operator(sql::node_kind::binary, " AND ", sql::precedence::and_,
                                                                 {copy.core_.where, std::move(added)})
                                            : std::move(added);
        return copy;
    }
    /// RETURNING items.
    template <class... Items>
    [[nodiscard]] update_statement<sql::operand_value_t<Items>...> returning(const Items&... items) const {
        sql::update_core core = core_;
        core.returning = sql::returning_nodes(items...);
        return update_statement<sql::operand_value_t<Items>...>{std::move(core)};
    }
    /// The untyped statement.
    [[nodiscard]] const sql::update_core& core() const noexcept { return core_; }
    /// SQL and parameters for a dialect.
    [[nodiscard]] sql::compiled_statement compile(dialect target) const {
        if (core_.assignments.empty()) throw usage_error("an UPDATE needs at least one set(column, value)");
        return sql::compile(core_, target);
    }

private:
    sql::update_core core_;
};

/// DELETE FROM table [WHERE ...] [RETURNING ...].
template <class... Ts>
class delete_statement {
public:
    /// Rows of RETURNING (an empty tuple: the statement returns a row count).
    using row_type = std::tuple<Ts...>;
    /// Wraps a delete core.
    explicit delete_statement(sql::delete_core core) : core_(std::move(core)) {}
    /// Adds a WHERE condition (several are ANDed).
    template <class Condition>
    [[nodiscard]] delete_statement where(const Condition& condition) const {
        sql::require_boolean<Condition>();
        delete_statement copy = *this;
        auto added = sql::to_node(condition);
        copy.core_.where = copy.core_.where ? sql::make_operator(sql::node_kind::binary, " AND ", sql::precedence::and_,
                                                                 {copy.core_.where, std::move(added)})
                                            : std::move(added);
        return copy;
    }
    /// RETURNING items.
    template <class... Items>
    [[nodiscard]] delete_statement<sql::operand_value_t<Items>...> returning(const Items&... items) const {
        sql::delete_core core = core_;
        core.returning = sql::returning_nodes(items...);
        return delete_statement<sql::operand_value_t<Items>...>{std::move(core)};
    }
    /// The untyped statement.
    [[nodiscard]] const sql::delete_core& core() const noexcept { return core_; }
    /// SQL and parameters for a dialect.
    [[nodiscard]] sql::compiled_statement compile(dialect target) const { return sql::compile(core_, target); }

private:
    sql::delete_core core_;
};

/// INSERT INTO Model's table.
template <class Model>
insert_statement<> insert() {
    return insert_statement<>{sql::insert_core{table_of<Model>(), {}, {}, {}, std::nullopt}};
}

/// UPDATE Model's table.
template <class Model>
update_statement<> update() {
    return update_statement<>{sql::update_core{table_of<Model>(), {}, nullptr, {}}};
}

/// DELETE FROM Model's table (a WHERE-less delete empties the table, as in SQL).
template <class Model>
delete_statement<> delete_from() {
    return delete_statement<>{sql::delete_core{table_of<Model>(), nullptr, {}}};
}

}  // namespace strata
