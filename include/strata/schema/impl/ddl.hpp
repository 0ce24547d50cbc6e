// strata/schema/impl/ddl.hpp - the definitions behind strata/schema/ddl.hpp (CREATE and DROP statements for table
// schemas).
//
// Included by that header in header-only builds; under STRATA_SEPARATE_COMPILATION only by
// src/strata.cpp, so they are compiled once per program.
#pragma once

#include <algorithm>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "strata/detail/linkage.hpp"
#include "strata/schema/ddl.hpp"

namespace strata::schema {

STRATA_COMPILED_LINKAGE std::vector<std::string> create_all_sql(std::span<const table_description* const> tables,
                                                                dialect target, const ddl_options& options) {
    std::vector<std::string> statements;
    for (const auto* table : dependency_order(tables))
        for (auto& statement : create_statements(*table, target, options)) statements.push_back(std::move(statement));
    return statements;
}

STRATA_COMPILED_LINKAGE std::vector<std::string> drop_all_sql(std::span<const table_description* const> tables,
                                                              const ddl_options& options) {
    const auto ordered = dependency_order(tables);
    std::vector<std::string> statements;
    for (std::size_t left = ordered.size(); left > 0; --left)
        statements.push_back(std::string{"DROP TABLE "} + (options.if_exists ? "IF EXISTS " : "") +
                             quote(ordered[left - 1]->name));
    return statements;
}

STRATA_COMPILED_LINKAGE std::string join_names(std::span<const std::string_view> names) {
    std::string text;
    for (std::size_t i = 0; i < names.size(); ++i) text += (i ? ", " : "") + quote(names[i]);
    return text;
}

STRATA_COMPILED_LINKAGE bool is_generated(const table_description& table, const column_schema& column) {
    const auto keys = std::count_if(table.columns.begin(), table.columns.end(),
                                    [](const column_schema& item) { return item.options.primary_key; });
    if (column.options.autoincrement == 0 || !column.options.primary_key) return false;
    if (column.options.autoincrement == 1) return true;
    return keys == 1 && column.kind == value_kind::integer;
}

STRATA_COMPILED_LINKAGE bool is_keyed(const table_description& table, const column_schema& column) {
    if (column.options.primary_key || column.options.unique || !column.referenced_table.empty()) return true;
    const auto names_it = [&column](std::span<const std::string_view> names) {
        return std::find(names.begin(), names.end(), column.name) != names.end();
    };
    return std::any_of(table.unique_constraints.begin(), table.unique_constraints.end(), names_it) ||
           std::any_of(table.foreign_keys.begin(), table.foreign_keys.end(),
                       [&](const foreign_key_description& key) { return names_it(key.columns); });
}

STRATA_COMPILED_LINKAGE std::string index_columns(const table_description& table,
                                                  std::span<const std::string_view> names, dialect target) {
    std::string text;
    for (const auto name : names) {
        text += (text.empty() ? "" : ", ") + quote(name);
        if (target != dialect::mariadb) continue;
        // A LONGTEXT is indexed by its first 255 characters: lookups use the index, and the rows
        // it finds are compared whole.
        const auto column = std::find_if(table.columns.begin(), table.columns.end(),
                                         [name](const column_schema& item) { return item.name == name; });
        if (column != table.columns.end() && column_type(*column, target, is_keyed(table, *column)) == "LONGTEXT")
            text += "(255)";
    }
    return text;
}

STRATA_COMPILED_LINKAGE std::string column_type(const column_schema& column, dialect target, bool keyed) {
    const bool postgresql = target == dialect::postgresql;
    const bool mariadb = target == dialect::mariadb;
    const auto declared = postgresql ? column.options.postgresql_type
                          : mariadb  ? column.options.mariadb_type
                                     : column.options.sqlite_type;
    if (!declared.empty()) return std::string{declared};
    switch (column.kind) {
        case value_kind::boolean:
            return "BOOLEAN";
        case value_kind::integer:
            if (target == dialect::sqlite) return "INTEGER";  // INTEGER affinity; INTEGER PRIMARY KEY is the rowid
            return column.integer_bytes == 2 ? "SMALLINT" : column.integer_bytes == 4 ? "INTEGER" : "BIGINT";
        case value_kind::real:
            return postgresql ? "DOUBLE PRECISION" : mariadb ? "DOUBLE" : "REAL";
        case value_kind::text:
            // MariaDB's keys and referenced columns need a bounded length. A UNIQUE TEXT would be
            // kept by a hash that lookups cannot use (every query by it a full scan), so a key,
            // unique or foreign key column is VARCHAR(255): a longer value fails loudly
            // (data_error), and sql_type{..., .mariadb = "VARCHAR(n)"} gives it another length.
            // Other text is LONGTEXT (MariaDB's TEXT stops at 65,535 bytes, the others' has no
            // limit), indexed by a prefix where it has an index (index_columns).
            if (mariadb) return keyed ? "VARCHAR(255)" : "LONGTEXT";
            return "TEXT";
        case value_kind::blob:
            return postgresql ? "BYTEA" : mariadb ? "LONGBLOB" : "BLOB";
        case value_kind::timestamp:
            return mariadb ? "DATETIME(6)" : "TIMESTAMP";  // MariaDB's TIMESTAMP would convert by time zone
        case value_kind::null:
            break;
    }
    return "TEXT";
}

STRATA_COMPILED_LINKAGE std::string_view action_sql(on_delete action) {
    switch (action) {
        case on_delete::no_action:
            return "";
        case on_delete::restrict:
            return " ON DELETE RESTRICT";
        case on_delete::cascade:
            return " ON DELETE CASCADE";
        case on_delete::set_null:
            return " ON DELETE SET NULL";
        case on_delete::set_default:
            return " ON DELETE SET DEFAULT";
    }
    return "";
}

STRATA_COMPILED_LINKAGE std::vector<std::string> create_statements(const table_description& table, dialect target,
                                                                   const ddl_options& options) {
    const bool postgresql = target == dialect::postgresql;
    std::vector<std::string_view> keys;
    for (const auto& column : table.columns)
        if (column.options.primary_key) keys.push_back(column.name);
    std::string sql = "CREATE TABLE ";
    if (options.if_not_exists) sql += "IF NOT EXISTS ";
    sql += quote(table.name) + " (";
    bool inline_key = false;
    for (std::size_t i = 0; i < table.columns.size(); ++i) {
        const auto& column = table.columns[i];
        sql += (i ? ", " : "") + quote(column.name) + " " + column_type(column, target, is_keyed(table, column));
        const bool generated = is_generated(table, column);
        if (generated && postgresql) {
            sql += " GENERATED BY DEFAULT AS IDENTITY";
        } else if (generated && target == dialect::mariadb) {
            sql += " AUTO_INCREMENT";  // a key column: the PRIMARY KEY below indexes it
        } else if (generated && column.options.autoincrement == 1 && keys.size() == 1) {
            sql += " PRIMARY KEY AUTOINCREMENT";  // SQLite: only an inline key can say AUTOINCREMENT
            inline_key = true;
        }
        if (!column.nullable) sql += " NOT NULL";
        if (column.allowed_values != nullptr) {
            const auto allowed = column.allowed_values();
            sql += " CHECK (" + quote(column.name) + " IN (";
            for (std::size_t value = 0; value < allowed.size(); ++value) {
                sql += value ? ", '" : "'";
                for (const char c : allowed[value]) sql += c == '\'' ? std::string{"''"} : std::string{c};
                sql += "'";
            }
            sql += "))";
        }
        if (column.options.unique) sql += " UNIQUE";
        if (!column.options.server_default.empty()) sql += " DEFAULT " + std::string{column.options.server_default};
    }
    if (!keys.empty() && !inline_key) sql += ", PRIMARY KEY (" + join_names(keys) + ")";
    for (const auto& constraint : table.unique_constraints) sql += ", UNIQUE (" + join_names(constraint) + ")";
    for (const auto& column : table.columns) {
        if (column.referenced_table.empty()) continue;
        sql += ", FOREIGN KEY (" + quote(column.name) + ") REFERENCES " + quote(column.referenced_table) + " (" +
               quote(column.referenced_column) + ")" + std::string{action_sql(column.options.delete_action)};
    }
    for (const auto& key : table.foreign_keys)
        sql += ", FOREIGN KEY (" + join_names(key.columns) + ") REFERENCES " + quote(key.referenced_table) + " (" +
               join_names(key.referenced_columns) + ")" + std::string{action_sql(key.delete_action)};
    sql += ")";
    // Text compares byte by byte, as on the other two, whatever the server's default collation
    // (MariaDB's usual utf8mb4_general_ci finds 'ADA' equal to 'ada', and every PAD SPACE one
    // 'a' equal to 'a ').
    if (target == dialect::mariadb) sql += " ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_nopad_bin";
    std::vector<std::string> statements{std::move(sql)};
    const std::string exists = options.if_not_exists ? "IF NOT EXISTS " : "";
    for (const auto& column : table.columns) {
        if (!column.options.index) continue;
        statements.push_back("CREATE INDEX " + exists +
                             quote("ix_" + std::string{table.name} + "_" + std::string{column.name}) + " ON " +
                             quote(table.name) + " (" + index_columns(table, {&column.name, 1}, target) + ")");
    }
    for (const auto& index : table.indexes)
        statements.push_back("CREATE INDEX " + exists + quote(index.name) + " ON " + quote(table.name) + " (" +
                             index_columns(table, index.columns, target) + ")");
    return statements;
}

STRATA_COMPILED_LINKAGE std::vector<const table_description*> dependency_order(
    std::span<const table_description* const> unordered) {
    std::vector<const table_description*> tables{unordered.begin(), unordered.end()};
    std::vector<const table_description*> ordered;
    while (!tables.empty()) {
        const auto ready = std::find_if(tables.begin(), tables.end(), [&tables](const table_description* table) {
            const auto waits_for = [&](std::string_view referenced) {
                return referenced != table->name &&
                       std::any_of(tables.begin(), tables.end(),
                                   [&](const table_description* other) { return other->name == referenced; });
            };
            return std::none_of(table->columns.begin(), table->columns.end(),
                                [&](const column_schema& column) { return waits_for(column.referenced_table); }) &&
                   std::none_of(table->foreign_keys.begin(), table->foreign_keys.end(),
                                [&](const foreign_key_description& key) { return waits_for(key.referenced_table); });
        });
        if (ready == tables.end())
            throw usage_error("create_all: the foreign keys between these tables form a cycle (" +
                              std::string{tables.front()->name} + ", ...)");
        ordered.push_back(*ready);
        tables.erase(ready);
    }
    return ordered;
}

}  // namespace strata::schema
