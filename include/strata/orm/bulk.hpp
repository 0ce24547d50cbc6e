// strata/orm/bulk.hpp - session.bulk_insert<T>(range) and bulk_update<T>(range) (pattern 4).
//
// PostgreSQL: COPY table (columns) FROM STDIN, binary where every column's type has an exact
// encoder, else text (the driver chooses; the fastest paths measured, see docs/design.md).
// SQLite: multi-row INSERTs of up to 100 rows in the session's transaction. Either way the batch
// runs in a savepoint: a failing row raises the typed error (naming the row or COPY line) and no
// row of the batch remains. Objects are not added to the identity map (as SQLAlchemy's
// bulk_insert_mappings).
#pragma once

#include <algorithm>
#include <cstdint>
#include <iterator>
#include <span>
#include <string>
#include <vector>

#include "strata/core/error.hpp"
#include "strata/detail/range.hpp"
#include "strata/orm/model.hpp"
#include "strata/orm/session.hpp"
#include "strata/orm/write_statements.hpp"
#include "strata/sql/compiler.hpp"

namespace strata {
namespace orm {

/// The index of T's database-generated key column, or npos.
template <class T>
std::size_t generated_key_column() {
    const auto& columns = describe<T>().columns;
    for (std::size_t i = 0; i < columns.size(); ++i)
        if (columns[i].generated) return i;
    return static_cast<std::size_t>(-1);
}

/// `column`'s value in `object` as a bulk insert writes it: a version counter left at 0 as 1
/// (a new row's first version, as the session's INSERT writes it).
inline parameter bind_for_insert(const column_accessor& column, const void* object) {
    auto value = column.bind(object);
    if (column.version_counter && value.as_integer() == 0) return parameter::from_integer(1);
    return value;
}

/// How many objects leave the generated key column `column` unset (0).
template <class Range>
std::size_t count_unset_keys(const Range& objects, const column_accessor& column) {
    std::size_t unset = 0;
    for (const auto& object : objects) unset += column.is_unset_key(&object) ? 1 : 0;
    return unset;
}

/// The columns a bulk insert writes: all, less a generated key that every object leaves at 0
/// (the database then chooses it). A range mixing set and unset keys is refused, since one COPY
/// or prepared INSERT has one column list.
template <class T, class Range>
std::vector<std::size_t> bulk_columns(const Range& objects) {
    const auto& info = describe<T>();
    std::vector<std::size_t> columns;
    for (std::size_t i = 0; i < info.columns.size(); ++i) {
        const auto& column = info.columns[i];
        if (column.generated) {
            const auto unset = count_unset_keys(objects, column);
            const auto total = static_cast<std::size_t>(std::distance(std::begin(objects), std::end(objects)));
            if (unset == total) continue;
            if (unset != 0)
                throw usage_error("bulk_insert into " + std::string{info.table} + ": " + std::to_string(unset) +
                                  " of " + std::to_string(total) + " objects leave the generated key " +
                                  std::string{column.name} +
                                  " at 0; set it on every object or on none, or pass strata::return_keys");
        }
        columns.push_back(i);
    }
    return columns;
}

/// "INSERT INTO table (names) VALUES (?, ...), ..." for `rows` rows.
inline std::string multi_row_insert_sql(std::string_view table, std::span<const std::string> names, std::size_t rows) {
    std::string sql = "INSERT INTO " + std::string{table} + " (";
    std::string tuple = "(";
    for (std::size_t i = 0; i < names.size(); ++i) {
        sql += (i ? ", " : "") + names[i];
        tuple += i ? ", ?" : "?";
    }
    tuple += ')';
    sql += ") VALUES ";
    for (std::size_t row = 0; row < rows; ++row) (sql += row ? ", " : "") += tuple;
    return sql;
}

/// SQLite's bulk path: multi-row INSERTs of up to 100 rows (2.6x faster than one reused
/// single-row INSERT; benchmarks/bulk_insert.cpp), within 999 variables, the lowest limit any
/// SQLite build has. When a statement fails, its rows are retried one at a time in a nested
/// savepoint, so the error names the failing row.
template <class T, class Range>
std::int64_t insert_multi_row(connection& target, std::string_view table, std::span<const std::string> names,
                              std::span<const std::size_t> columns, const Range& objects) {
    const auto& info = describe<T>();
    // MariaDB: one single-row INSERT executed with the batch's rows bound as arrays, 1,000 rows
    // at a time (benchmarks/bulk_insert.cpp: faster than multi-row VALUES of 100 or 1,000 rows).
    const bool array_bound = target.native().supports_batch();
    const std::size_t batch_rows =
        array_bound ? 1000 : std::clamp<std::size_t>(999 / std::max<std::size_t>(columns.size(), 1), 1, 100);
    const std::string full_batch = multi_row_insert_sql(table, names, array_bound ? 1 : batch_rows);
    std::vector<parameter> parameters;
    std::vector<const T*> batch;
    std::int64_t written = 0;
    const auto write = [&] {
        parameters.resize(batch.size() * columns.size());  // assigned in place: no reallocation per batch
        auto slot = parameters.begin();
        for (const auto* object : batch)
            for (const auto column : columns) *slot++ = bind_for_insert(info.columns[column], object);
        try {
            // Only the last, shorter batch builds its own text (a conditional expression mixing
            // full_batch with a temporary would copy full_batch for every batch).
            if (array_bound)
                target.execute_batch(full_batch, parameters, batch.size());
            else if (batch.size() == batch_rows)
                target.execute_parameters(full_batch, parameters);
            else
                target.execute_parameters(multi_row_insert_sql(table, names, batch.size()), parameters);
        } catch (const database_error& error) {
            const std::string single = multi_row_insert_sql(table, names, 1);
            const std::string rows = "bulk_insert rows " + std::to_string(written) + " to " +
                                     std::to_string(written + static_cast<std::int64_t>(batch.size()) - 1);
            try {
                target.savepoint("strata_bulk_row");
            } catch (const database_error&) {  // a driver whose transaction is now aborted
                rethrow_with_context(error, rows);
            }
            for (std::size_t row = 0; row < batch.size(); ++row) {
                try {
                    target.execute_parameters(
                        single, std::span<const parameter>{parameters}.subspan(row * columns.size(), columns.size()));
                } catch (const database_error& row_error) {
                    target.rollback_to_savepoint("strata_bulk_row");
                    target.release_savepoint("strata_bulk_row");
                    rethrow_with_context(row_error,
                                         "bulk_insert row " + std::to_string(written + static_cast<std::int64_t>(row)));
                }
            }
            target.rollback_to_savepoint("strata_bulk_row");
            target.release_savepoint("strata_bulk_row");
            rethrow_with_context(error, rows);
        }
        written += static_cast<std::int64_t>(batch.size());
        batch.clear();
    };
    for (const auto& object : objects) {
        batch.push_back(&object);
        if (batch.size() == batch_rows) write();
    }
    if (!batch.empty()) write();
    return written;
}

}  // namespace orm

template <class T, class Range>
std::int64_t session::bulk_insert(const Range& objects) {
    static_assert(
        strata::detail::forward_range<const Range> && std::is_same_v<strata::detail::range_value_t<const Range>, T>,
        "bulk_insert<T>(range): the range must hold T objects");
    if (std::begin(objects) == std::end(objects)) return 0;
    autoflush();
    const auto& info = orm::describe<T>();
    const auto columns = orm::bulk_columns<T>(objects);
    auto& target = connection();
    const auto table = sql::detail::quote_identifier(info.table);
    std::vector<std::string> names;
    std::vector<value_kind> kinds;  // typed NULLs carry their kind too
    for (const auto column : columns) {
        names.push_back(sql::detail::quote_identifier(info.columns[column].name));
        kinds.push_back(info.columns[column].bind(&*std::begin(objects)).kind());
    }
    std::int64_t written = 0;
    within_savepoint(target, "strata_bulk", [&] {
        if (target.native().supports_copy()) {
            std::vector<parameter> row(columns.size());
            written = target.copy_in(table, names, kinds, [&](const auto& send_row) {
                for (const auto& object : objects) {
                    for (std::size_t i = 0; i < columns.size(); ++i)
                        row[i] = orm::bind_for_insert(info.columns[columns[i]], &object);
                    send_row(row);
                }
            });
        } else {
            written = orm::insert_multi_row<T>(target, table, names, columns, objects);
        }
    });
    return written;
}

template <class T, class Range>
std::int64_t session::bulk_insert(Range& objects, return_keys_t) {
    static_assert(
        strata::detail::forward_range<Range> && std::is_same_v<strata::detail::range_value_t<Range>, T> &&
            !std::is_const_v<std::remove_reference_t<std::iter_reference_t<strata::detail::range_iterator_t<Range>>>>,
        "bulk_insert<T>(objects, strata::return_keys): objects must be a modifiable range of T, "
        "so the generated keys can be written into it");
    const auto generated = orm::generated_key_column<T>();
    if (generated == static_cast<std::size_t>(-1)) return bulk_insert<T>(std::as_const(objects));
    autoflush();
    const auto& info = orm::describe<T>();
    const auto& key = info.columns[generated];
    const auto unset = orm::count_unset_keys(objects, key);
    if (unset == 0) return bulk_insert<T>(std::as_const(objects));
    auto& target = connection();
    if (target.native().supports_copy()) {
        // Reserve the keys first (one statement; sequences are not transactional, as with any
        // INSERT), then COPY writes them: keys come back at COPY speed, in the objects' order.
        const std::string reserve =
            "SELECT nextval(pg_get_serial_sequence($1, $2)) FROM generate_series(1, $3) ORDER BY 1";
        auto keys = target.execute_parameters(
            reserve, std::vector<parameter>{parameter::from_text(sql::detail::quote_identifier(info.table)),
                                            parameter::from_text_view(key.name),
                                            parameter::from_integer(static_cast<std::int64_t>(unset))});
        std::vector<T*> keyed;  // the objects given a key here, reset if the COPY fails
        keyed.reserve(unset);
        try {
            for (auto& object : objects) {
                if (!key.is_unset_key(&object)) continue;
                if (!keys.next()) throw internal_error("the sequence returned fewer keys than asked", "", reserve);
                key.read(&object, keys.driver_result(), 0);
                keyed.push_back(&object);
            }
            return bulk_insert<T>(std::as_const(objects));
        } catch (...) {
            for (auto* object : keyed) orm::reset_key(key, object);
            throw;
        }
    }
    // SQLite: the reused prepared INSERT returns each key (RETURNING, SQLite 3.35+).
    std::vector<std::size_t> columns;
    for (std::size_t i = 0; i < info.columns.size(); ++i)
        if (i != generated) columns.push_back(i);
    std::string names;
    std::string values;
    for (std::size_t i = 0; i < columns.size(); ++i) {
        names += (i ? ", " : "") + sql::detail::quote_identifier(info.columns[columns[i]].name);
        values += i ? ", ?" : "?";
    }
    const std::string insert = "INSERT INTO " + sql::detail::quote_identifier(info.table) + " (" + names +
                               ") VALUES (" + values + ") RETURNING " + sql::detail::quote_identifier(key.name);
    const std::string insert_with_key = "INSERT INTO " + sql::detail::quote_identifier(info.table) + " (" + names +
                                        ", " + sql::detail::quote_identifier(key.name) + ") VALUES (" + values + ", ?)";
    std::int64_t written = 0;
    std::vector<T*> keyed;  // the objects given a key here, reset if the batch fails
    try {
        within_savepoint(target, "strata_bulk", [&] {
            std::vector<parameter> parameters;
            for (auto& object : objects) {
                parameters.clear();
                for (const auto column : columns)
                    parameters.push_back(orm::bind_for_insert(info.columns[column], &object));
                const bool choose_key = key.is_unset_key(&object);
                if (!choose_key) parameters.push_back(key.bind(&object));
                try {
                    auto rows = target.execute_parameters(choose_key ? insert : insert_with_key, parameters);
                    if (choose_key) {
                        if (!rows.next()) throw internal_error("INSERT ... RETURNING returned no row", "", insert);
                        key.read(&object, rows.driver_result(), 0);
                        keyed.push_back(&object);
                    }
                } catch (const database_error& error) {
                    rethrow_with_context(error, "bulk_insert row " + std::to_string(written));
                }
                ++written;
            }
        });
    } catch (...) {
        for (auto* object : keyed) orm::reset_key(key, object);
        throw;
    }
    return written;
}

template <class T, class Range>
std::int64_t session::bulk_update(const Range& objects) {
    static_assert(
        strata::detail::input_range<const Range> && std::is_same_v<strata::detail::range_value_t<const Range>, T>,
        "bulk_update<T>(range): the range must hold T objects");
    autoflush();
    const auto& info = orm::describe<T>();
    auto& target = connection();
    std::vector<std::size_t> order;  // SET columns, then the key columns (and the version) for WHERE
    std::uint64_t set_columns = 0;
    for (std::size_t i = 0; i < info.columns.size(); ++i) {
        // on_update columns are left to their SQL, as in a flush
        if (info.columns[i].primary_key || info.columns[i].deferrable || !info.columns[i].on_update.empty()) continue;
        set_columns |= 1ULL << i;
        order.push_back(i);
    }
    order.insert(order.end(), info.primary_key.begin(), info.primary_key.end());
    if (info.versioned()) order.push_back(info.version_column);
    // The unit of work's UPDATE of those columns, by primary key (and version).
    const std::string& text =
        orm::write_statements{info, target.sql_dialect()}.update(set_columns);  // kept for the run
    // Where the SET binds the version counter, found once, not per row (read only when versioned).
    const std::size_t version_slot = static_cast<std::size_t>(
        std::find(order.begin(), order.end() - static_cast<std::ptrdiff_t>(info.primary_key.size()),
                  info.version_column) -
        order.begin());
    std::int64_t updated = 0;
    std::int64_t failed_row = -1;
    std::int64_t stale_row = -1;  // a versioned row its UPDATE did not match
    within_savepoint(target, "strata_bulk", [&] {
        // The UPDATEs wait to go in one round trip per batch on PostgreSQL (bounded memory for
        // the values held); SQLite runs each at once.
        constexpr std::int64_t rows_per_round_trip = 1000;
        std::vector<parameter> parameters(order.size());
        std::int64_t row = 0;
        try {
            for (const auto& object : objects) {
                for (std::size_t i = 0; i < order.size(); ++i) parameters[i] = info.columns[order[i]].bind(&object);
                // SET version = the object's + 1 ... WHERE key AND version = the object's
                if (info.versioned())
                    parameters[version_slot] = parameter::from_integer(parameters.back().as_integer() + 1);
                target.execute_held(
                    text, parameters,
                    [&updated, &stale_row, row, versioned = info.versioned()](result& answer) {
                        const auto matched = answer.affected_rows();
                        updated += matched;
                        if (versioned && matched != 1 && stale_row < 0) stale_row = row;
                    },
                    false, [&failed_row, row](const database_error&) { failed_row = row; });
                if (++row % rows_per_round_trip == 0) target.send_held();
            }
            target.send_held();
        } catch (const database_error& error) {
            if (failed_row < 0) throw;
            rethrow_with_context(error, "bulk_update row " + std::to_string(failed_row));
        }
        if (stale_row >= 0)
            throw stale_data_error("bulk_update row " + std::to_string(stale_row) + " of " + std::string{info.table} +
                                   " matched no row: another transaction changed or deleted it since the version "
                                   "the object holds, or its key changed; no row of the batch was written");
    });
    return updated;
}

}  // namespace strata
