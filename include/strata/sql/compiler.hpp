// strata/sql/compiler.hpp - one compiler, per-dialect rules: statements to SQL text plus parameters.
//
// Dialect rules: placeholders ($n / ?), identifier quoting (only where needed: reserved words,
// capitals, odd characters), ILIKE (SQLite: lower() on both sides), OFFSET without LIMIT
// (SQLite: LIMIT -1), locking clauses (SQLite has no row locks: left out, as SQLAlchemy does).
//
// SELECT text is cached by statement shape (a hash of everything but the bound values, kept
// in every node as it is built), so building the same query with new values costs a walk that
// only collects parameters.
#pragma once

#include <algorithm>
#include <cstdint>
#include <iterator>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "strata/core/dialect.hpp"
#include "strata/core/error.hpp"
#include "strata/core/value.hpp"
#include "strata/detail/linkage.hpp"
#include "strata/sql/node.hpp"
#include "strata/sql/statement_core.hpp"

namespace strata::sql {

/// SQL text and the values for its placeholders, in order.
struct compiled_statement {
    std::string sql;
    std::vector<parameter> parameters;
};

namespace detail {

/// Words that must be quoted as identifiers in PostgreSQL or SQLite (the union of both lists).
inline constexpr std::string_view reserved_words[] = {"abort",
                                                      "action",
                                                      "add",
                                                      "after",
                                                      "all",
                                                      "alter",
                                                      "analyse",
                                                      "analyze",
                                                      "and",
                                                      "any",
                                                      "array",
                                                      "as",
                                                      "asc",
                                                      "asymmetric",
                                                      "attach",
                                                      "authorization",
                                                      "autoincrement",
                                                      "before",
                                                      "begin",
                                                      "between",
                                                      "binary",
                                                      "both",
                                                      "by",
                                                      "cascade",
                                                      "case",
                                                      "cast",
                                                      "check",
                                                      "collate",
                                                      "collation",
                                                      "column",
                                                      "commit",
                                                      "concurrently",
                                                      "conflict",
                                                      "constraint",
                                                      "create",
                                                      "cross",
                                                      "current_catalog",
                                                      "current_date",
                                                      "current_role",
                                                      "current_schema",
                                                      "current_time",
                                                      "current_timestamp",
                                                      "current_user",
                                                      "database",
                                                      "default",
                                                      "deferrable",
                                                      "deferred",
                                                      "delete",
                                                      "desc",
                                                      "detach",
                                                      "distinct",
                                                      "do",
                                                      "drop",
                                                      "each",
                                                      "else",
                                                      "end",
                                                      "escape",
                                                      "except",
                                                      "exclusive",
                                                      "exists",
                                                      "explain",
                                                      "fail",
                                                      "false",
                                                      "fetch",
                                                      "for",
                                                      "foreign",
                                                      "freeze",
                                                      "from",
                                                      "full",
                                                      "glob",
                                                      "grant",
                                                      "group",
                                                      "having",
                                                      "if",
                                                      "ignore",
                                                      "ilike",
                                                      "immediate",
                                                      "in",
                                                      "index",
                                                      "indexed",
                                                      "initially",
                                                      "inner",
                                                      "insert",
                                                      "instead",
                                                      "intersect",
                                                      "into",
                                                      "is",
                                                      "isnull",
                                                      "join",
                                                      "key",
                                                      "lateral",
                                                      "leading",
                                                      "left",
                                                      "like",
                                                      "limit",
                                                      "localtime",
                                                      "localtimestamp",
                                                      "match",
                                                      "natural",
                                                      "no",
                                                      "not",
                                                      "notnull",
                                                      "null",
                                                      "of",
                                                      "offset",
                                                      "on",
                                                      "only",
                                                      "or",
                                                      "order",
                                                      "outer",
                                                      "overlaps",
                                                      "placing",
                                                      "plan",
                                                      "pragma",
                                                      "primary",
                                                      "query",
                                                      "raise",
                                                      "recursive",
                                                      "references",
                                                      "regexp",
                                                      "reindex",
                                                      "release",
                                                      "rename",
                                                      "replace",
                                                      "restrict",
                                                      "returning",
                                                      "right",
                                                      "rollback",
                                                      "row",
                                                      "savepoint",
                                                      "select",
                                                      "session_user",
                                                      "set",
                                                      "similar",
                                                      "some",
                                                      "symmetric",
                                                      "table",
                                                      "tablesample",
                                                      "temp",
                                                      "temporary",
                                                      "then",
                                                      "to",
                                                      "trailing",
                                                      "transaction",
                                                      "trigger",
                                                      "true",
                                                      "union",
                                                      "unique",
                                                      "update",
                                                      "user",
                                                      "using",
                                                      "vacuum",
                                                      "values",
                                                      "variadic",
                                                      "verbose",
                                                      "view",
                                                      "virtual",
                                                      "when",
                                                      "where",
                                                      "window",
                                                      "with",
                                                      "without"};

/// Whether an identifier must be quoted to mean itself.
[[nodiscard]] STRATA_COMPILED_LINKAGE bool needs_quoting(std::string_view name) noexcept;

/// An identifier as SQL text, quoted only when it must be.
STRATA_COMPILED_LINKAGE std::string quote_identifier(std::string_view name);

/// The text of the `number`-th placeholder (1-based): $n on PostgreSQL, ? on SQLite and MariaDB.
[[nodiscard]] inline std::string placeholder(dialect target, std::size_t number) {
    return target == dialect::postgresql ? "$" + std::to_string(number) : std::string{"?"};
}

/// An INSERT's row of nothing but defaults: MariaDB has no DEFAULT VALUES.
[[nodiscard]] inline std::string_view default_values(dialect target) noexcept {
    return target == dialect::mariadb ? " () VALUES ()" : " DEFAULT VALUES";
}

}  // namespace detail

namespace detail {
/// Compiled SELECT texts by (dialect, shape), per thread so lookups take no lock.
STRATA_COMPILED_LINKAGE std::unordered_map<std::uint64_t, std::string>& select_cache();
}  // namespace detail

/// Compiles a SELECT, reusing the text of an earlier statement of the same shape.
STRATA_COMPILED_LINKAGE compiled_statement compile(const select_core& query, dialect target);

/// Compiles a SELECT without consulting the cache (for measuring, and for tests of the text).
STRATA_COMPILED_LINKAGE compiled_statement compile_uncached(const select_core& query, dialect target);

/// Compiles an INSERT.
STRATA_COMPILED_LINKAGE compiled_statement compile(const insert_core& statement, dialect target);

/// Compiles an UPDATE.
STRATA_COMPILED_LINKAGE compiled_statement compile(const update_core& statement, dialect target);

/// Compiles a DELETE.
STRATA_COMPILED_LINKAGE compiled_statement compile(const delete_core& statement, dialect target);

}  // namespace strata::sql

#if !defined(STRATA_SEPARATE_COMPILATION)
#include "strata/sql/impl/compiler.hpp"
#endif
