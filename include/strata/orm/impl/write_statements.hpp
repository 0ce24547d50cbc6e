// strata/orm/impl/write_statements.hpp - the definitions behind strata/orm/write_statements.hpp.
//
// Included by that header in header-only builds; under STRATA_SEPARATE_COMPILATION only by
// src/strata.cpp, so they are compiled once per program.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "strata/detail/linkage.hpp"
#include "strata/orm/write_statements.hpp"
#include "strata/sql/compiler.hpp"

namespace strata::orm {

STRATA_COMPILED_LINKAGE const std::string& write_statements::insert(std::uint64_t columns, std::uint64_t returned) {
    auto& text = insert_cache_[{columns, returned}];
    if (!text.empty()) return text;
    text = "INSERT INTO " + sql::detail::quote_identifier(info_.table);
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
    text += number ? " (" + names + ") VALUES (" + values + ")" : std::string{" DEFAULT VALUES"};
    text += returning(returned);
    return text;
}

STRATA_COMPILED_LINKAGE const std::string& write_statements::update(std::uint64_t changed, bool returning_values) {
    const auto by_server = updated_by_server(changed);
    auto& text = (returning_values && by_server ? update_returning_cache_ : update_cache_)[changed];
    if (!text.empty()) return text;
    text = "UPDATE " + sql::detail::quote_identifier(info_.table) + " SET ";
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
    text += where_key(number);
    if (returning_values) text += returning(by_server);
    return text;
}

STRATA_COMPILED_LINKAGE std::string write_statements::returning(std::uint64_t columns) const {
    std::string text;
    for (std::size_t i = 0; i < info_.columns.size(); ++i)
        if (columns >> i & 1)
            text += (text.empty() ? " RETURNING " : ", ") + sql::detail::quote_identifier(info_.columns[i].name);
    return text;
}

STRATA_COMPILED_LINKAGE const std::string& write_statements::remove() {
    if (delete_text_.empty()) delete_text_ = "DELETE FROM " + sql::detail::quote_identifier(info_.table) + where_key(0);
    return delete_text_;
}

STRATA_COMPILED_LINKAGE std::string write_statements::remove_many(std::size_t rows) const {
    std::string text = "DELETE FROM " + sql::detail::quote_identifier(info_.table) + " WHERE ";
    const auto& key = info_.primary_key;
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

STRATA_COMPILED_LINKAGE std::string write_statements::where_key(std::size_t used) const {
    std::string text = " WHERE ";
    for (std::size_t k = 0; k < info_.primary_key.size(); ++k)
        text += (k ? " AND " : "") + sql::detail::quote_identifier(info_.columns[info_.primary_key[k]].name) + " = " +
                sql::detail::placeholder(dialect_, used + k + 1);
    return text;
}

}  // namespace strata::orm
