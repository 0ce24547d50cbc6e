// strata/orm/impl/write_statements.hpp - the definitions behind strata/orm/write_statements.hpp.
//
// Included by that header in header-only builds; under STRATA_SEPARATE_COMPILATION only by
// src/strata.cpp, so they are compiled once per program.
#pragma once

#include <cstddef>
#include <cstdint>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "strata/core/error.hpp"
#include "strata/detail/linkage.hpp"
#include "strata/orm/write_statements.hpp"
#include "strata/sql/compiler.hpp"

namespace strata::orm {

namespace detail {
/// Hashes a statement_text_key.
struct statement_text_key_hash {
    std::size_t operator()(const statement_text_key& key) const noexcept {
        std::uint64_t hash = sql::detail::mix(reinterpret_cast<std::uintptr_t>(key.info), key.columns);
        hash = sql::detail::mix(hash, key.returned);
        return static_cast<std::size_t>(
            sql::detail::mix(hash, static_cast<std::uint64_t>(key.target) << 8 | static_cast<std::uint64_t>(key.kind)));
    }
};
}  // namespace detail

STRATA_COMPILED_LINKAGE const std::string& shared_statement_text(const statement_text_key& key,
                                                                 strata::detail::function_ref<std::string()> build) {
    // Entries are never erased and a node's string never moves, so a reference stays valid for
    // the run. Built outside the lock; of two threads building one text, the first stored wins.
    static std::mutex guard;
    static std::unordered_map<statement_text_key, std::string, detail::statement_text_key_hash> texts;
    {
        const std::lock_guard lock{guard};
        if (const auto found = texts.find(key); found != texts.end()) return found->second;
    }
    std::string text = build();
    const std::lock_guard lock{guard};
    return texts.try_emplace(key, std::move(text)).first->second;
}

STRATA_COMPILED_LINKAGE const std::string& write_statements::insert(std::uint64_t columns,
                                                                    std::uint64_t returned) const {
    return shared(statement_text_kind::insert, columns, returned, [&] {
        std::string text = "INSERT INTO " + sql::detail::quote_identifier(info_.table);
        std::string names;
        std::string values;
        std::size_t number = 0;
        for (std::size_t i = 0; i < info_.columns.size(); ++i) {
            if (!(columns >> i & 1)) continue;
            const std::string separator = number ? ", " : "";
            ++number;
            names += separator + sql::detail::quote_identifier(info_.columns[i].name);
            values += separator + sql::detail::placeholder(dialect_, number);
        }
        if (number)
            text += " (" + names + ") VALUES (" + values + ")";
        else
            text += sql::detail::default_values(dialect_);
        text += returning(returned);
        return text;
    });
}

STRATA_COMPILED_LINKAGE const std::string& write_statements::update(std::uint64_t changed,
                                                                    bool returning_values) const {
    const auto by_server = updated_by_server(changed);
    const bool returns = returning_values && by_server;
    return shared(returns ? statement_text_kind::update_returning : statement_text_kind::update, changed, 0, [&] {
        std::string text = "UPDATE " + sql::detail::quote_identifier(info_.table) + " SET ";
        std::size_t number = 0;
        bool first = true;
        for (std::size_t i = 0; i < info_.columns.size(); ++i) {
            if (!(changed >> i & 1)) continue;
            text += (first ? "" : ", ") + sql::detail::quote_identifier(info_.columns[i].name) + " = " +
                    sql::detail::placeholder(dialect_, number + 1);
            first = false;
            ++number;
        }
        for (std::size_t i = 0; i < info_.columns.size(); ++i) {
            if (!(by_server >> i & 1)) continue;
            text += (first ? "" : ", ") + sql::detail::quote_identifier(info_.columns[i].name) + " = " +
                    std::string{info_.columns[i].on_update};
            first = false;
        }
        text += where_columns(row_match_columns(), number);
        if (returns) text += returning(by_server);
        return text;
    });
}

STRATA_COMPILED_LINKAGE std::string write_statements::returning(std::uint64_t columns) const {
    std::string text;
    for (std::size_t i = 0; i < info_.columns.size(); ++i)
        if (columns >> i & 1)
            text += (text.empty() ? " RETURNING " : ", ") + sql::detail::quote_identifier(info_.columns[i].name);
    return text;
}

STRATA_COMPILED_LINKAGE const std::string& write_statements::reread(std::uint64_t columns) const {
    return shared(statement_text_kind::reread, columns, 0, [&] {
        std::string text;
        for (std::size_t i = 0; i < info_.columns.size(); ++i)
            if (columns >> i & 1)
                text += (text.empty() ? "SELECT " : ", ") + sql::detail::quote_identifier(info_.columns[i].name);
        return text + " FROM " + sql::detail::quote_identifier(info_.table) + where_key(0);
    });
}

STRATA_COMPILED_LINKAGE const std::string& write_statements::remove() const {
    return shared(statement_text_kind::remove, 0, 0, [&] {
        return "DELETE FROM " + sql::detail::quote_identifier(info_.table) + where_columns(row_match_columns(), 0);
    });
}

STRATA_COMPILED_LINKAGE const std::string& write_statements::remove_matching(std::uint64_t columns) const {
    return shared(statement_text_kind::remove_matching, columns, 0, [&] {
        std::vector<std::size_t> positions;
        for (std::size_t i = 0; i < info_.columns.size(); ++i)
            if (columns >> i & 1) positions.push_back(i);
        return "DELETE FROM " + sql::detail::quote_identifier(info_.table) + where_columns(positions, 0);
    });
}

STRATA_COMPILED_LINKAGE std::string write_statements::remove_many(std::size_t rows) const {
    return "DELETE FROM " + sql::detail::quote_identifier(info_.table) + where_keys(rows);
}

STRATA_COMPILED_LINKAGE std::string write_statements::where_keys(std::size_t rows) const {
    std::string text = " WHERE ";
    const auto key = row_match_columns();
    if (key.size() == 1) {
        text += sql::detail::quote_identifier(info_.columns[key[0]].name) + " IN (";
        for (std::size_t row = 0; row < rows; ++row)
            text += (row ? ", " : "") + sql::detail::placeholder(dialect_, row + 1);
        return text + ")";
    }
    for (std::size_t row = 0; row < rows; ++row) {
        text += row ? " OR (" : "(";
        for (std::size_t k = 0; k < key.size(); ++k)
            text += (k ? " AND " : "") + sql::detail::quote_identifier(info_.columns[key[k]].name) + " = " +
                    sql::detail::placeholder(dialect_, row * key.size() + k + 1);
        text += ")";
    }
    return text;
}

STRATA_COMPILED_LINKAGE std::vector<std::size_t> write_statements::row_match_columns() const {
    std::vector<std::size_t> columns{info_.primary_key.begin(), info_.primary_key.end()};
    if (info_.versioned()) columns.push_back(info_.version_column);
    return columns;
}

STRATA_COMPILED_LINKAGE void write_statements::bind_row_match(const void* object, std::int64_t version,
                                                              std::vector<parameter>& scratch) const {
    for (const auto index : info_.primary_key) scratch.push_back(info_.columns[index].bind(object));
    if (info_.versioned()) scratch.push_back(parameter::from_integer(version));
}

STRATA_COMPILED_LINKAGE std::string write_statements::where_columns(std::span<const std::size_t> columns,
                                                                    std::size_t used) const {
    std::string text = " WHERE ";
    for (std::size_t k = 0; k < columns.size(); ++k)
        text += (k ? " AND " : "") + sql::detail::quote_identifier(info_.columns[columns[k]].name) + " = " +
                sql::detail::placeholder(dialect_, used + k + 1);
    return text;
}

STRATA_COMPILED_LINKAGE write_statements::inserted_row write_statements::insert_row(connection& target, void* object,
                                                                                    std::vector<parameter>& scratch) {
    inserted_row written;
    const auto columns = insert_columns(object, written, scratch);
    try {
        auto rows = target.execute_parameters(insert(columns, written.returned), scratch);
        if (written.returned != 0) read_returned(rows, object, written.returned, "INSERT");
    } catch (...) {
        forget_insert(object, written);  // a failed INSERT leaves the object as it was
        throw;
    }
    return written;
}

STRATA_COMPILED_LINKAGE write_statements::inserted_row write_statements::insert_row_held(
    connection& target, void* object, std::vector<parameter>& scratch, std::function<void()> written_back) {
    inserted_row written;
    const auto columns = insert_columns(object, written, scratch);
    // An INSERT that ran has its row: nothing to refuse, so the COMMIT may ride along.
    target.execute_held(
        insert(columns, written.returned), scratch,
        [this, object, returned = written.returned, written_back = std::move(written_back)](result& rows) {
            if (returned != 0) read_returned(rows, object, returned, "INSERT");
            written_back();
        },
        false);
    return written;
}

STRATA_COMPILED_LINKAGE std::uint64_t write_statements::insert_columns(void* object, inserted_row& written,
                                                                       std::vector<parameter>& scratch) const {
    if (info_.versioned()) {
        const auto& version = info_.columns[info_.version_column];
        if (version.bind(object).as_integer() == 0) {  // a new row's first version
            assign_integer(version, object, 1);
            written.version_assigned = true;
        }
    }
    std::uint64_t columns = 0;
    for (std::size_t i = 0; i < info_.columns.size(); ++i) {
        const auto& column = info_.columns[i];
        if (column.generated && column.is_unset_key(object)) {
            written.generated = i;
            written.returned |= 1ULL << i;
        } else if (column.server_default && column.is_unset(object)) {
            written.returned |= 1ULL << i;
        } else if (column.is_loaded(object)) {
            columns |= 1ULL << i;
        }
    }
    scratch.clear();
    for (std::size_t i = 0; i < info_.columns.size(); ++i)
        if (columns >> i & 1) scratch.push_back(info_.columns[i].bind(object));
    return columns;
}

STRATA_COMPILED_LINKAGE void write_statements::update_row(connection& target, void* object, std::uint64_t changed,
                                                          std::int64_t version, std::vector<parameter>& scratch) {
    if (info_.versioned() && !(changed >> info_.version_column & 1)) {
        // The flush's caller restores the counter if the flush fails (model_objects::abandon_flush).
        assign_integer(info_.columns[info_.version_column], object, version + 1);
        changed |= 1ULL << info_.version_column;
    }
    scratch.clear();
    std::size_t set_count = 0;
    for (std::size_t i = 0; i < info_.columns.size(); ++i)
        if (changed >> i & 1) {
            scratch.push_back(info_.columns[i].bind(object));
            ++set_count;
        }
    bind_row_match(object, version, scratch);
    // on_update columns the server set: read back, so the object and its snapshot agree
    if (const auto by_server = updated_by_server(changed)) {
        if (dialect_ != dialect::mariadb) {
            auto rows = target.execute_parameters(update(changed, true), scratch);
            read_returned(rows, object, by_server, "UPDATE", version);
            return;
        }
        // MariaDB has no UPDATE ... RETURNING: the row is read again by its key, in the same
        // transaction, so it is the row this UPDATE wrote.
        if (target.execute_parameters(update(changed, false), scratch).affected_rows() != 1)
            throw_stale("UPDATE", object, version);
        const auto key_values = std::span<const parameter>{scratch}.subspan(set_count, info_.primary_key.size());
        auto rows = target.execute_parameters(reread(by_server), key_values);
        read_returned(rows, object, by_server, "UPDATE", version);
        return;
    }
    // Nothing to read back: held, to go with the flush's other such statements in one round trip.
    target.execute_checked(update(changed, true), scratch, 1,
                           [this, object, version](std::int64_t) { throw_stale("UPDATE", object, version); });
}

STRATA_COMPILED_LINKAGE void write_statements::delete_row(connection& target, const void* object, std::int64_t version,
                                                          std::vector<parameter>& scratch) {
    scratch.clear();
    bind_row_match(object, version, scratch);
    target.execute_checked(remove(), scratch, 1,
                           [this, object, version](std::int64_t) { throw_stale("DELETE", object, version); });
}

STRATA_COMPILED_LINKAGE void write_statements::delete_rows(connection& target, std::span<const void* const> objects,
                                                           std::span<const std::uint64_t> versions,
                                                           std::vector<parameter>& scratch,
                                                           bool clear_self_references) {
    scratch.clear();
    for (std::size_t row = 0; row < objects.size(); ++row)
        bind_row_match(objects[row], row < versions.size() ? static_cast<std::int64_t>(versions[row]) : 0, scratch);
    if (info_.versioned() && !clear_self_references) {
        // A stale row left out of the DELETE would still hold its children's rows to their
        // parents, so the database would report a foreign key before strata could count the
        // rows: they are counted first (and locked, where rows lock).
        auto matched = target.execute_parameters("SELECT 1 FROM " + sql::detail::quote_identifier(info_.table) +
                                                     where_keys(objects.size()) +
                                                     (dialect_ == dialect::sqlite ? "" : " FOR UPDATE"),
                                                 scratch);
        std::size_t found = 0;
        while (matched.next()) ++found;
        if (found != objects.size())
            throw_stale_rows("SELECT", objects.size(), static_cast<std::int64_t>(found), " before their DELETE");
    }
    if (clear_self_references) {
        // MariaDB's InnoDB checks a foreign key row by row: rows on a cycle, or a row that is its
        // own parent, let go of each other first (same keys, so the same values).
        std::string assignments;
        for (const auto& column : info_.columns)
            if (column.nullable_self_reference)
                assignments +=
                    (assignments.empty() ? "" : ", ") + sql::detail::quote_identifier(column.name) + " = NULL";
        if (!assignments.empty()) {
            const auto matched = target
                                     .execute_parameters("UPDATE " + sql::detail::quote_identifier(info_.table) +
                                                             " SET " + assignments + where_keys(objects.size()),
                                                         scratch)
                                     .affected_rows();
            if (matched != static_cast<std::int64_t>(objects.size()))
                throw_stale_rows("UPDATE", objects.size(), matched, " before their DELETE");
        }
    }
    target.execute_checked(
        remove_many(objects.size()), scratch, static_cast<std::int64_t>(objects.size()),
        [this, rows = objects.size()](std::int64_t matched) { throw_stale_rows("DELETE", rows, matched); });
}

STRATA_COMPILED_LINKAGE void write_statements::forget_insert(void* object, const inserted_row& written) const noexcept {
    if (written.generated != no_generated_key) reset_key(info_.columns[written.generated], object);
    if (written.version_assigned) reset_key(info_.columns[info_.version_column], object);  // back to 0
    // values the server filled in go back to unset: the next flush leaves them to it again
    for (std::size_t i = 0; i < info_.columns.size(); ++i)
        if ((written.returned >> i & 1) && i != written.generated) info_.columns[i].unset(object);
}

STRATA_COMPILED_LINKAGE void write_statements::throw_stale_rows(std::string_view statement, std::size_t rows,
                                                                std::int64_t matched,
                                                                std::string_view after_table) const {
    std::string message{statement};
    message += " of ";
    message += std::to_string(rows);
    message += " rows of ";
    message += info_.table;
    message += after_table;
    message += " matched ";
    message += std::to_string(matched);
    message += info_.versioned() ? ": some were changed or deleted since they were loaded, or their keys changed, "
                                   "outside this session"
                                 : ": some were deleted, or their keys changed, outside this session";
    throw stale_data_error(message);
}

STRATA_COMPILED_LINKAGE void write_statements::throw_stale(std::string_view statement, const void* object,
                                                           std::int64_t version) const {
    std::string message{statement};
    message += " of ";
    message += info_.table;
    message += " (";
    const auto name_value = [&message](std::string_view name, const parameter& value) {
        if (message.back() != '(') message += ", ";
        message += name;
        message += " = ";
        message += value.kind() == value_kind::integer ? std::to_string(value.as_integer())
                   : value.kind() == value_kind::text  ? "'" + std::string{value.as_text()} + "'"
                                                       : std::string{"..."};
    };
    for (const auto index : info_.primary_key) name_value(info_.columns[index].name, info_.columns[index].bind(object));
    if (info_.versioned()) name_value(info_.columns[info_.version_column].name, parameter::from_integer(version));
    message += info_.versioned() ? ") matched no row: another transaction changed or deleted it since it was loaded, "
                                   "or its key changed outside this session"
                                 : ") matched no row: it was deleted, or its key changed, outside this session";
    throw stale_data_error(message);
}

STRATA_COMPILED_LINKAGE void write_statements::read_returned(result& rows, void* object, std::uint64_t returned,
                                                             std::string_view statement, std::int64_t version) const {
    if (!rows.next()) throw_stale(statement, object, version);
    std::size_t position = 0;
    for (std::size_t i = 0; i < info_.columns.size(); ++i)
        if (returned >> i & 1) info_.columns[i].read(object, rows.driver_result(), position++);
}

}  // namespace strata::orm
