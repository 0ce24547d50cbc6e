// strata/sql/impl/compiler.hpp - the definitions behind strata/sql/compiler.hpp (the SQL compiler).
//
// Included by that header in header-only builds; under STRATA_SEPARATE_COMPILATION only by
// src/strata.cpp, so they are compiled once per program.
#pragma once

#include <algorithm>
#include <cstdint>
#include <iterator>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "strata/detail/array_literal.hpp"
#include "strata/detail/function_ref.hpp"
#include "strata/detail/linkage.hpp"
#include "strata/sql/compiler.hpp"

namespace strata::sql::detail {

STRATA_COMPILED_LINKAGE bool needs_quoting(std::string_view name) noexcept {
    if (name.empty()) return true;
    if (!(name[0] == '_' || (name[0] >= 'a' && name[0] <= 'z'))) return true;
    for (char c : name)
        if (!(c == '_' || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))) return true;
    static const auto sorted = [] {
        std::vector<std::string_view> words(std::begin(reserved_words), std::end(reserved_words));
        std::sort(words.begin(), words.end());
        return words;
    }();
    return std::binary_search(sorted.begin(), sorted.end(), name);
}

STRATA_COMPILED_LINKAGE std::string quote_identifier(std::string_view name) {
    if (!needs_quoting(name)) return std::string{name};
    std::string text = "\"";
    for (char c : name) {
        if (c == '"') text += '"';
        text += c;
    }
    return text + "\"";
}

STRATA_COMPILED_LINKAGE std::unordered_map<std::uint64_t, std::string>& select_cache() {
    thread_local std::unordered_map<std::uint64_t, std::string> cache;
    return cache;
}

}  // namespace strata::sql::detail

namespace strata::sql {

/// Walks statements; renders SQL when `render` is set, and always collects the parameters in
/// placeholder order (so a cached text can be reused with the values of a new statement).
class compiler {
public:
    /// A compiler for `target`; `render` false only collects parameters.
    compiler(dialect target, bool render) : dialect_(target), render_(render) {}

    /// Renders SELECT; `enclosing` lists the FROM tables of the query this one is nested in.
    void select(const select_core& query, const std::vector<table_ref>* enclosing = nullptr) {
        if (!query.with.empty()) with(query.with);
        if (!query.compound.empty()) {
            compound_select(query, enclosing);
            return;
        }
        const std::vector<table_ref> from = query.from.empty() ? inferred_from(query, enclosing) : query.from;
        std::vector<table_ref> scope = from;  // what a nested query may correlate with
        if (query.derived.query) scope.push_back({query.derived.name, {}});
        for (const auto& join : query.joins) scope.push_back(join.table);
        if (enclosing) scope.insert(scope.end(), enclosing->begin(), enclosing->end());
        scopes_.push_back(&scope);
        if (render_ && query.distinct) require_ordering_selected(query);
        emit("SELECT ");
        if (query.distinct) emit("DISTINCT ");
        for (std::size_t i = 0; i < query.columns.size(); ++i) {
            if (i) emit(", ");
            expression(*query.columns[i]);
        }
        if (query.derived.query) {
            emit(" FROM (");
            const bool saved = qualify_;
            qualify_ = true;
            select(*query.derived.query);  // its own scope: a derived table cannot correlate
            qualify_ = saved;
            emit(") AS ");
            identifier(query.derived.name);
        }
        if (!from.empty()) {
            emit(query.derived.query ? ", " : " FROM ");
            for (std::size_t i = 0; i < from.size(); ++i) {
                if (i) emit(", ");
                table(from[i]);
            }
        }
        for (const auto& join : query.joins) {
            emit(join.kind == join_kind::inner ? " JOIN " : " LEFT OUTER JOIN ");
            if (join.query) {
                emit("(");
                const bool saved = qualify_;
                qualify_ = true;
                select(*join.query);  // a derived table cannot correlate (no LATERAL)
                qualify_ = saved;
                emit(") AS ");
                identifier(join.table.name);
            } else {
                table(join.table);
            }
            emit(" ON ");
            expression(*join.on);
        }
        if (query.where) {
            emit(" WHERE ");
            expression(*query.where);
        }
        if (!query.group_by.empty()) {
            emit(" GROUP BY ");
            for (std::size_t i = 0; i < query.group_by.size(); ++i) {
                if (i) emit(", ");
                grouping_key(*query.group_by[i]);
            }
        }
        if (query.having) {
            emit(" HAVING ");
            expression(*query.having);
        }
        order_and_limit(query, [this](const order_item& item) { grouping_key(*item.expression); });
        scopes_.pop_back();
        if (query.lock.strength != lock_strength::none && dialect_ == dialect::mariadb) {
            mariadb_lock(query, from);
        } else if (query.lock.strength != lock_strength::none && dialect_ == dialect::postgresql) {
            switch (query.lock.strength) {
                case lock_strength::update:
                    emit(" FOR UPDATE");
                    break;
                case lock_strength::no_key_update:
                    emit(" FOR NO KEY UPDATE");
                    break;
                case lock_strength::share:
                    emit(" FOR SHARE");
                    break;
                case lock_strength::key_share:
                    emit(" FOR KEY SHARE");
                    break;
                case lock_strength::none:
                    break;
            }
            if (!query.lock.of.empty()) {
                emit(" OF ");
                for (std::size_t i = 0; i < query.lock.of.size(); ++i) {
                    if (i) emit(", ");
                    identifier(query.lock.of[i].qualifier());
                }
            }
            if (query.lock.nowait) emit(" NOWAIT");
            if (query.lock.skip_locked) emit(" SKIP LOCKED");
        }
    }

    /// The type MariaDB's CAST takes for one of SQLite's type names (its CAST knows CHAR, SIGNED,
    /// DOUBLE, DECIMAL, DATETIME, BINARY - not TEXT, INTEGER or REAL).
    static std::string_view mariadb_cast_type(std::string_view sqlite_type) noexcept {
        if (sqlite_type == "TEXT") return "CHAR";
        if (sqlite_type == "INTEGER") return "SIGNED";
        if (sqlite_type == "REAL") return "DOUBLE";
        if (sqlite_type == "BLOB") return "BINARY";
        return sqlite_type;
    }

    /// MariaDB's row locks: FOR UPDATE, or LOCK IN SHARE MODE for the share strengths. It has no
    /// OF (it locks the rows read from every table of the query): an OF naming every table of the
    /// query means just that, one naming fewer is refused.
    void mariadb_lock(const select_core& query, const std::vector<table_ref>& from) {
        const auto& lock = query.lock;
        const auto locked = [&lock](const table_ref& table) {
            return std::find(lock.of.begin(), lock.of.end(), table) != lock.of.end();
        };
        const bool every_table = std::all_of(from.begin(), from.end(), locked) && !query.derived.query &&
                                 std::all_of(query.joins.begin(), query.joins.end(),
                                             [&](const join_clause& join) { return locked(join.table); });
        if (!lock.of.empty() && !every_table)
            throw not_supported_error(
                "MariaDB has no FOR UPDATE OF: it locks the rows read from every table of the "
                "query; leave of() out",
                "", sql_);
        const bool share = lock.strength == lock_strength::share || lock.strength == lock_strength::key_share;
        emit(share ? " LOCK IN SHARE MODE" : " FOR UPDATE");
        if (lock.nowait) emit(" NOWAIT");
        if (lock.skip_locked) emit(" SKIP LOCKED");
    }

    /// Renders WITH [RECURSIVE] name(columns) AS (query), ...: each body in its own scope (a CTE
    /// cannot correlate with the query that uses it).
    void with(const std::vector<cte_definition>& definitions) {
        const bool recursive = std::any_of(definitions.begin(), definitions.end(),
                                           [](const cte_definition& definition) { return definition.recursive; });
        emit(recursive ? "WITH RECURSIVE " : "WITH ");
        const bool saved = qualify_;
        qualify_ = true;
        for (std::size_t i = 0; i < definitions.size(); ++i) {
            if (i) emit(", ");
            identifier(definitions[i].name);
            emit("(");
            for (std::size_t column = 0; column < definitions[i].columns.size(); ++column) {
                if (column) emit(", ");
                identifier(definitions[i].columns[column]);
            }
            emit(") AS (");
            select(*definitions[i].query);
            emit(")");
        }
        qualify_ = saved;
        emit(" ");
    }

    /// Renders a compound SELECT: its queries joined by UNION [ALL], INTERSECT or EXCEPT, then
    /// ORDER BY (by result column position: both databases refuse a table's column there),
    /// LIMIT and OFFSET of the combined rows.
    void compound_select(const select_core& query, const std::vector<table_ref>* enclosing) {
        if (!query.columns.empty() || !query.from.empty() || query.derived.query || !query.joins.empty() ||
            query.where || !query.group_by.empty() || query.having || query.distinct ||
            query.lock.strength != lock_strength::none)
            throw usage_error(
                "a union (union_, union_all, intersect, except_) takes only order_by, limit and offset: filter, join, "
                "group or lock the SELECTs inside it");
        static constexpr std::string_view keywords[] = {" UNION ", " UNION ALL ", " INTERSECT ", " EXCEPT "};
        for (std::size_t i = 0; i < query.compound.size(); ++i) {
            if (i) emit(keywords[static_cast<std::size_t>(query.compound[i].kind)]);
            select(*query.compound[i].query, enclosing);
        }
        const auto& columns = query.compound.front().query->columns;
        order_and_limit(query, [&](const order_item& item) {
            const auto found = std::find_if(columns.begin(), columns.end(), [&](const node_ptr& column) {
                return column == item.expression || column->shape == item.expression->shape;
            });
            if (found == columns.end())
                throw usage_error("order_by() of a union names one of its columns, as its first SELECT selects it");
            emit(std::to_string(found - columns.begin() + 1));
        });
    }

    /// Renders ORDER BY (each item's expression through `key`), LIMIT and OFFSET.
    void order_and_limit(const select_core& query, strata::detail::function_ref<void(const order_item&)> key) {
        if (!query.order_by.empty()) {
            emit(" ORDER BY ");
            for (std::size_t i = 0; i < query.order_by.size(); ++i) {
                if (i) emit(", ");
                const auto& item = query.order_by[i];
                // MariaDB has no NULLS FIRST / LAST: it sorts on "is NULL" first (true after false)
                const bool nulls_by_key = item.nulls != nulls_order::unspecified && dialect_ == dialect::mariadb;
                if (nulls_by_key) {
                    key(item);
                    emit(item.nulls == nulls_order::first ? " IS NULL DESC, " : " IS NULL, ");
                }
                key(item);
                if (item.direction == sort_direction::ascending) emit(" ASC");
                if (item.direction == sort_direction::descending) emit(" DESC");
                if (nulls_by_key) continue;
                if (item.nulls == nulls_order::first) emit(" NULLS FIRST");
                if (item.nulls == nulls_order::last) emit(" NULLS LAST");
            }
        }
        if (query.limit) {
            emit(" LIMIT ");
            expression(*query.limit);
        } else if (query.offset && dialect_ == dialect::sqlite) {
            emit(" LIMIT -1");  // SQLite only takes OFFSET after a LIMIT
        } else if (query.offset && dialect_ == dialect::mariadb) {
            emit(" LIMIT 18446744073709551615");  // MariaDB too: the largest is its "no limit"
        }
        if (query.offset) {
            emit(" OFFSET ");
            expression(*query.offset);
        }
    }

    /// A GROUP BY or ORDER BY item. MariaDB reads a bare ? there as a column's position (GROUP BY ?
    /// bound to 4 groups by the fourth selected column); a bound value is one constant for every
    /// row, so there it becomes the constant NULL, which groups and orders as any constant does.
    void grouping_key(const node& item) {
        if (dialect_ == dialect::mariadb && item.kind == node_kind::parameter) {
            emit("NULL");
            return;
        }
        expression(item);
    }

    /// Renders INSERT.
    void insert(const insert_core& statement) {
        qualify_ = false;
        emit("INSERT INTO ");
        table(statement.table);
        if (statement.columns.empty()) {
            emit(detail::default_values(dialect_));
        } else {
            emit(" (");
            for (std::size_t i = 0; i < statement.columns.size(); ++i) {
                if (i) emit(", ");
                identifier(statement.columns[i]);
            }
            emit(") VALUES ");
            for (std::size_t row = 0; row < statement.rows.size(); ++row) {
                if (row) emit(", ");
                emit("(");
                list(statement.rows[row]);
                emit(")");
            }
        }
        if (statement.on_conflict) {
            if (dialect_ == dialect::mariadb)
                duplicate_key(statement, *statement.on_conflict);
            else
                conflict(statement.table, *statement.on_conflict);
        }
        returning(statement.returning);
    }

    /// An upsert on MariaDB: ON DUPLICATE KEY UPDATE, which handles a conflict on any unique key
    /// (it takes no target) and reads the row that was to be inserted as VALUES(column). DO NOTHING
    /// is a no-op assignment; INSERT IGNORE is not used, since it would also turn other errors
    /// (a value too long, a missing NOT NULL value) into warnings and write the row anyway.
    void duplicate_key(const insert_core& statement, const conflict_action& action) {
        if (action.where)
            throw not_supported_error(
                "MariaDB has no ON DUPLICATE KEY UPDATE ... WHERE (its assignments run in order, each seeing "
                "the ones before, so a condition cannot be spread over them); leave where() out",
                "", sql_);
        if (!action.update && !statement.returning.empty())
            throw not_supported_error(
                "MariaDB returns the existing row for a row on_conflict_do_nothing() skipped, where the others "
                "return nothing; leave returning() out or use on_conflict_do_update()",
                "", sql_);
        emit(" ON DUPLICATE KEY UPDATE ");
        if (!action.update) {
            const auto column = action.target.empty() ? statement.columns.front() : action.target.front();
            identifier(column);
            emit(" = ");
            identifier(column);
            return;
        }
        const std::vector<table_ref> scope{statement.table, table_ref{"excluded", {}}};
        scopes_.push_back(&scope);
        const bool saved = qualify_;
        qualify_ = true;
        in_duplicate_key_ = true;  // excluded.column reads as VALUES(column) here, and only here
        assignments(action.assignments);
        in_duplicate_key_ = false;
        qualify_ = saved;
        scopes_.pop_back();
    }

    /// Renders an upsert's ON CONFLICT clause (the same text on PostgreSQL and SQLite 3.35+). In
    /// DO UPDATE, columns are qualified: the row being updated by its table's name, the row that
    /// was to be inserted as excluded.column.
    void conflict(const table_ref& target_table, const conflict_action& action) {
        emit(" ON CONFLICT");
        if (!action.target.empty()) {
            emit(" (");
            for (std::size_t i = 0; i < action.target.size(); ++i) {
                if (i) emit(", ");
                identifier(action.target[i]);
            }
            emit(")");
        }
        if (!action.update) {
            emit(" DO NOTHING");
            return;
        }
        const std::vector<table_ref> scope{target_table, table_ref{"excluded", {}}};
        scopes_.push_back(&scope);
        const bool saved = qualify_;
        qualify_ = true;
        emit(" DO UPDATE SET ");
        assignments(action.assignments);
        if (action.where) {
            emit(" WHERE ");
            expression(*action.where);
        }
        qualify_ = saved;
        scopes_.pop_back();
    }

    /// SET's `column = value, ...` (UPDATE's and an upsert's DO UPDATE): the columns are the
    /// target table's, unqualified; the values render as the caller's qualification says.
    void assignments(const std::vector<std::pair<std::string_view, node_ptr>>& items) {
        for (std::size_t i = 0; i < items.size(); ++i) {
            if (i) emit(", ");
            identifier(items[i].first);
            emit(" = ");
            expression(*items[i].second);
        }
    }

    /// Renders UPDATE; columns are unqualified, as there is one table.
    void update(const update_core& statement) {
        if (dialect_ == dialect::mariadb && !statement.returning.empty())
            throw not_supported_error(
                "MariaDB has no UPDATE ... RETURNING (only INSERT and DELETE return rows): select the rows "
                "after the UPDATE, in the same transaction",
                "", sql_);
        qualify_ = false;
        const std::vector<table_ref> scope{statement.table};  // nested queries correlate with the target
        scopes_.push_back(&scope);
        emit("UPDATE ");
        table(statement.table);
        emit(" SET ");
        assignments(statement.assignments);
        if (statement.where) {
            emit(" WHERE ");
            expression(*statement.where);
        }
        returning(statement.returning);
        scopes_.pop_back();
    }

    /// Renders DELETE.
    void remove(const delete_core& statement) {
        qualify_ = false;
        const std::vector<table_ref> scope{statement.table};
        scopes_.push_back(&scope);
        emit("DELETE FROM ");
        table(statement.table);
        if (statement.where) {
            emit(" WHERE ");
            expression(*statement.where);
        }
        returning(statement.returning);
        scopes_.pop_back();
    }

    /// Renders one expression.
    void expression(const node& item) {
        switch (item.kind) {
            case node_kind::column:
                if (in_duplicate_key_ && item.table.name == "excluded" && item.table.alias.empty()) {
                    emit("VALUES(");  // an upsert's row that was to be inserted
                    identifier(item.text);
                    emit(")");
                    break;
                }
                if (qualify_) {
                    identifier(item.table.qualifier());
                    emit(".");
                }
                identifier(item.text);
                break;
            case node_kind::parameter:
                placeholder(item);
                break;
            case node_kind::keyword:
                emit(item.text);
                break;
            case node_kind::unary_prefix: {
                emit(item.text);
                const auto operand_start = sql_.size();
                operand(*item.children[0], item.binding, false);
                // A minus before an operand that starts with one (-(-x)) would read "--", which
                // starts a comment: the two are kept apart.
                if (render_ && item.text == "-" && sql_.size() > operand_start && sql_[operand_start] == '-')
                    sql_.insert(operand_start, " ");
                break;
            }
            case node_kind::unary_postfix:
                operand(*item.children[0], item.binding, false);
                emit(item.text);
                break;
            case node_kind::binary: {
                if (item.children[1]->kind == node_kind::value_list && value_list_in(item)) break;
                const bool associative = item.text == " AND " || item.text == " OR ";
                operand(*item.children[0], item.binding, false);
                emit(item.text);
                operand(*item.children[1], item.binding, !associative);
                break;
            }
            case node_kind::function:
                emit(item.text);
                emit("(");
                if (item.flag) emit("DISTINCT ");
                list(item.children);
                emit(")");
                break;
            case node_kind::list:
                emit("(");
                emit(item.text);  // "VALUES " for a list of row values read as a table (SQLite's row IN)
                list(item.children);
                emit(")");
                break;
            case node_kind::value_list:
                emit("(");
                list(item.children);
                emit(")");
                break;
            case node_kind::between:
                operand(*item.children[0], precedence::comparison, true);
                emit(" BETWEEN ");
                operand(*item.children[1], precedence::comparison, true);
                emit(" AND ");
                operand(*item.children[2], precedence::comparison, true);
                break;
            case node_kind::like:
                if (item.flag && dialect_ != dialect::postgresql) {  // ILIKE is PostgreSQL's alone
                    emit("lower(");
                    expression(*item.children[0]);
                    emit(") LIKE lower(");
                    expression(*item.children[1]);
                    emit(")");
                } else {
                    operand(*item.children[0], precedence::comparison, true);
                    emit(item.flag ? " ILIKE " : " LIKE ");
                    operand(*item.children[1], precedence::comparison, true);
                }
                // PostgreSQL escapes with a backslash by default, SQLite has no escape character:
                // naming it makes one pattern match the same rows on both.
                emit(" ESCAPE '\\'");
                break;
            case node_kind::case_when: {
                emit("CASE");
                const std::size_t pairs = item.children.size() / 2;
                for (std::size_t i = 0; i < pairs; ++i) {
                    emit(" WHEN ");
                    expression(*item.children[2 * i]);
                    emit(" THEN ");
                    expression(*item.children[2 * i + 1]);
                }
                if (item.children.size() % 2 == 1) {
                    emit(" ELSE ");
                    expression(*item.children.back());
                }
                emit(" END");
                break;
            }
            case node_kind::subquery:
            case node_kind::exists: {
                emit(item.kind == node_kind::exists ? "EXISTS (" : "(");
                const bool saved = qualify_;
                qualify_ = true;
                select(*item.query, scopes_.empty() ? nullptr : scopes_.back());
                qualify_ = saved;
                emit(")");
                break;
            }
            case node_kind::label:
                expression(*item.children[0]);
                emit(" AS ");
                identifier(item.owned_text);
                break;
            case node_kind::empty_set:
                emit(item.flag ? "1 = 1" : "1 != 1");
                break;
            case node_kind::current_timestamp:
                // strata's timestamps are UTC without a zone: PostgreSQL's now() is taken at UTC, and
                // SQLite's text gets the microsecond digits strata writes, so values compare as text.
                emit(dialect_ == dialect::postgresql ? "(now() AT TIME ZONE 'UTC')"
                     : dialect_ == dialect::mariadb  ? "UTC_TIMESTAMP(6)"
                                                     : "strftime('%Y-%m-%d %H:%M:%f000', 'now')");
                break;
            case node_kind::cast:
                emit("CAST(");
                expression(*item.children[0]);
                emit(" AS ");
                emit(dialect_ == dialect::postgresql ? item.text
                     : dialect_ == dialect::mariadb  ? mariadb_cast_type(item.owned_text)
                                                     : std::string_view{item.owned_text});
                emit(")");
                break;
            case node_kind::per_dialect:
                expression(*item.children[dialect_ == dialect::sqlite    ? 1
                                          : dialect_ == dialect::mariadb ? (item.children.size() > 2 ? 2 : 0)
                                                                         : 0]);
                break;
            case node_kind::window: {
                expression(*item.children[0]);
                emit(" OVER (");
                const auto& partitions = item.children[1]->children;
                const auto& orders = item.children[2]->children;
                if (!partitions.empty()) {
                    emit("PARTITION BY ");
                    list(partitions);
                }
                if (!orders.empty()) {
                    emit(partitions.empty() ? "ORDER BY " : " ORDER BY ");
                    list(orders);
                }
                if (!item.owned_text.empty()) {
                    if (!partitions.empty() || !orders.empty()) emit(" ");
                    emit(item.owned_text);
                }
                emit(")");
                break;
            }
        }
    }

    /// The SQL rendered so far.
    [[nodiscard]] std::string& sql() noexcept { return sql_; }
    /// The parameters collected so far, in placeholder order.
    [[nodiscard]] std::vector<parameter>& parameters() noexcept { return parameters_; }
    /// A hash of where the statement used one bound value node more than once (0: nowhere); the
    /// text depends on it, the shape does not.
    [[nodiscard]] std::uint64_t reuse_signature() const noexcept { return reuse_signature_; }

private:
    /// The most values an IN list sends one placeholder each on SQLite and MariaDB; a longer one
    /// travels as one JSON text, read by json_each or JSON_TABLE (SQLite takes at most 32,766
    /// parameters and MariaDB 65,535; at 1,000 and up the two forms measured the same on SQLite).
    static constexpr std::size_t plain_list_limit = 1000;

    /// JSON_TABLE's column type for the values of a long IN list on MariaDB.
    static std::string_view mariadb_list_type(value_kind kind) noexcept {
        switch (kind) {
            case value_kind::integer:
                return "BIGINT";
            case value_kind::real:
                return "DOUBLE";
            case value_kind::boolean:
                return "BOOLEAN";
            case value_kind::timestamp:
                return "DATETIME(6)";
            default:  // text compares as in the tables strata creates: byte by byte, no padding
                return "LONGTEXT CHARACTER SET utf8mb4 COLLATE utf8mb4_nopad_bin";
        }
    }

    /// Renders `x IN (values)` / `x NOT IN (values)` of a value_list: one array parameter on
    /// PostgreSQL (= ANY / <> ALL, same NULL semantics), json_each for a long list on SQLite and
    /// JSON_TABLE on MariaDB. Returns false when the plain list form is the one to render.
    bool value_list_in(const node& item) {
        const node& values = *item.children[1];
        const bool negated = item.text == " NOT IN ";
        auto kind = value_kind::null;  // the list's kind: its first value that is not NULL
        for (const auto& value : values.children)
            if ((kind = value->value.kind()) != value_kind::null) break;
        const bool postgresql = dialect_ == dialect::postgresql;
        const bool mariadb = dialect_ == dialect::mariadb;
        if (!postgresql && (values.children.size() <= plain_list_limit || kind == value_kind::blob)) return false;
        operand(*item.children[0], item.binding, false);
        if (postgresql)
            emit(negated ? " <> ALL(" : " = ANY(");
        else if (mariadb)
            emit(negated ? " NOT IN (SELECT value FROM JSON_TABLE(" : " IN (SELECT value FROM JSON_TABLE(");
        else
            emit(negated ? " NOT IN (SELECT value FROM json_each(" : " IN (SELECT value FROM json_each(");
        // The list node is the array's source: the same list met again reuses its placeholder.
        if (!reuse_placeholder(&values)) {
            std::string literal{postgresql ? '{' : '['};
            for (std::size_t i = 0; i < values.children.size(); ++i) {
                if (i) literal += ',';
                if (postgresql)
                    strata::detail::append_array_element(literal, values.children[i]->value);
                else
                    strata::detail::append_json_element(literal, values.children[i]->value, sql_);
            }
            literal += postgresql ? '}' : ']';
            source_placeholder(&values, parameter::from_text(literal));
        }
        if (postgresql) {
            emit("::");
            emit(values.text);
            emit(")");
        } else if (mariadb) {
            emit(", '$[*]' COLUMNS (value ");
            emit(mariadb_list_type(kind));
            emit(" PATH '$')) AS strata_list)");
        } else {
            emit("))");
        }
        return true;
    }

    /// SELECT DISTINCT ... ORDER BY x needs x among the selected columns: PostgreSQL refuses it
    /// otherwise (42P10) and SQLite sorts by a value of an arbitrary row of each distinct group.
    /// One refusal on both, naming the fix (query<T> adds its ORDER BY columns itself).
    static void require_ordering_selected(const select_core& query) {
        for (const auto& item : query.order_by) {
            if (!selects(query.columns, *item.expression))
                throw usage_error(
                    "SELECT DISTINCT ... ORDER BY an expression that is not selected: PostgreSQL refuses it and "
                    "SQLite would sort by an arbitrary row's value; select the expression too");
        }
    }

    void emit(std::string_view text) {
        if (render_) sql_ += text;
    }
    void identifier(std::string_view name) {
        if (!render_) return;
        if (!detail::needs_quoting(name)) {
            sql_ += name;
            return;
        }
        sql_ += '"';
        for (char c : name) {
            if (c == '"') sql_ += '"';
            sql_ += c;
        }
        sql_ += '"';
    }
    void table(const table_ref& reference) {
        identifier(reference.name);
        if (!reference.alias.empty()) {
            emit(" AS ");
            identifier(reference.alias);
        }
    }
    /// A bound value node's placeholder. The same node met again (an expression used in both the
    /// select list and GROUP BY) reuses its number, so PostgreSQL sees the two as one expression.
    void placeholder(const node& item) {
        if (!reuse_placeholder(&item)) source_placeholder(&item, item.value);
    }
    /// Writes the number of an earlier placeholder of `source`; false when there is none.
    bool reuse_placeholder(const node* source) {
        if (dialect_ == dialect::mariadb) return false;  // ? has no number: each use binds the value again
        const auto earlier = earlier_use(source);
        if (earlier == 0) return false;
        reuse_signature_ = sql::detail::mix(sql::detail::mix(reuse_signature_, parameters_.size()), earlier);
        if (render_) sql_ += (dialect_ == dialect::postgresql ? "$" : "?") + std::to_string(earlier);
        return true;
    }
    /// A new placeholder for `value`, the value of `source` (a node, met again later, reuses it).
    void source_placeholder(const node* source, parameter value) {
        parameters_.push_back(std::move(value));
        sources_.push_back(source);
        if (!source_index_.empty()) source_index_.emplace(source, sources_.size());
        if (render_) sql_ += detail::placeholder(dialect_, parameters_.size());
    }
    /// The 1-based number of the first placeholder of `source`, or 0.
    std::size_t earlier_use(const node* source) {
        // A linear scan for the usual handful of parameters; an index once a statement has many.
        constexpr std::size_t scan_limit = 32;
        if (sources_.size() < scan_limit) {
            for (std::size_t i = 0; i < sources_.size(); ++i)
                if (sources_[i] == source) return i + 1;
            return 0;
        }
        if (source_index_.empty())
            for (std::size_t i = 0; i < sources_.size(); ++i) source_index_.emplace(sources_[i], i + 1);
        const auto found = source_index_.find(source);
        return found == source_index_.end() ? 0 : found->second;
    }
    void operand(const node& child, precedence parent, bool parenthesize_equal) {
        const bool parentheses = child.binding < parent || (parenthesize_equal && child.binding == parent);
        if (parentheses) emit("(");
        expression(child);
        if (parentheses) emit(")");
    }
    void list(const std::vector<node_ptr>& items) {
        for (std::size_t i = 0; i < items.size(); ++i) {
            if (i) emit(", ");
            expression(*items[i]);
        }
    }
    void returning(const std::vector<node_ptr>& columns) {
        if (columns.empty()) return;
        emit(" RETURNING ");
        list(columns);
    }

    /// FROM tables a SELECT names implicitly: those its expressions use, minus joined ones and,
    /// for a nested query, those of the enclosing query (correlation), as SQLAlchemy does.
    static std::vector<table_ref> inferred_from(const select_core& query, const std::vector<table_ref>* enclosing) {
        std::vector<table_ref> tables;
        auto collect = [&tables, &query](const auto& self, const node_ptr& item) -> void {
            if (!item) return;
            if (item->kind == node_kind::column) {
                if (query.derived.query && item->table == table_ref{query.derived.name, {}}) return;
                if (std::find(tables.begin(), tables.end(), item->table) == tables.end()) tables.push_back(item->table);
                return;
            }
            if (item->kind == node_kind::subquery || item->kind == node_kind::exists) return;  // its own scope
            for (const auto& child : item->children) self(self, child);
        };
        for (const auto& column : query.columns) collect(collect, column);
        const std::size_t from_columns = tables.size();
        collect(collect, query.where);
        for (const auto& item : query.group_by) collect(collect, item);
        collect(collect, query.having);
        for (const auto& item : query.order_by) collect(collect, item.expression);
        auto joined = [&query](const table_ref& table) {
            return std::any_of(query.joins.begin(), query.joins.end(),
                               [&table](const join_clause& join) { return join.table == table; });
        };
        std::vector<table_ref> result;
        for (const auto& table : tables) {
            const bool correlated =
                enclosing && std::find(enclosing->begin(), enclosing->end(), table) != enclosing->end();
            if (!joined(table) && !correlated) result.push_back(table);
        }
        if (result.empty() && from_columns > 0 && query.joins.empty()) {
            // Everything correlated away: keep the selected columns' own tables.
            for (std::size_t i = 0; i < from_columns; ++i) result.push_back(tables[i]);
        }
        return result;
    }

    dialect dialect_;
    bool render_;
    bool qualify_ = true;
    bool in_duplicate_key_ = false;  ///< rendering MariaDB's ON DUPLICATE KEY UPDATE assignments
    std::string sql_;
    std::vector<parameter> parameters_;
    std::vector<const node*> sources_;  ///< the node of each parameter (null: built by the compiler)
    std::unordered_map<const node*, std::size_t> source_index_;
    std::uint64_t reuse_signature_ = 0;
    std::vector<const std::vector<table_ref>*> scopes_;
};

}  // namespace strata::sql

namespace strata::sql {

namespace detail {
/// Renders one statement with a fresh compiler: `walk` calls the compiler's entry for it.
template <class Walk>
compiled_statement render(dialect target, Walk&& walk) {
    compiler walker{target, true};
    walk(walker);
    return {std::move(walker.sql()), std::move(walker.parameters())};
}
}  // namespace detail

STRATA_COMPILED_LINKAGE compiled_statement compile(const select_core& query, dialect target) {
    auto& cache = detail::select_cache();
    // The parameters first: which bound values repeat decides the text as much as the shape does.
    compiler collector{target, false};
    collector.select(query);
    const std::uint64_t key = sql::detail::mix(sql::detail::mix(query.shape(), static_cast<std::uint64_t>(target)),
                                               collector.reuse_signature());
    if (const auto found = cache.find(key); found != cache.end())
        return {found->second, std::move(collector.parameters())};
    compiler walker{target, true};
    walker.select(query);
    if (cache.size() > 10'000) cache.clear();  // bound memory for programs that build unbounded shapes
    cache.emplace(key, walker.sql());
    return {std::move(walker.sql()), std::move(walker.parameters())};
}

STRATA_COMPILED_LINKAGE compiled_statement compile_uncached(const select_core& query, dialect target) {
    return detail::render(target, [&](compiler& walker) { walker.select(query); });
}

STRATA_COMPILED_LINKAGE compiled_statement compile(const insert_core& statement, dialect target) {
    return detail::render(target, [&](compiler& walker) { walker.insert(statement); });
}

STRATA_COMPILED_LINKAGE compiled_statement compile(const update_core& statement, dialect target) {
    return detail::render(target, [&](compiler& walker) { walker.update(statement); });
}

STRATA_COMPILED_LINKAGE compiled_statement compile(const delete_core& statement, dialect target) {
    return detail::render(target, [&](compiler& walker) { walker.remove(statement); });
}

}  // namespace strata::sql
