// strata/sql/impl/json.hpp - the definitions behind strata/sql/json.hpp (JSON paths).
//
// Included by that header in header-only builds; under STRATA_SEPARATE_COMPILATION only by
// src/strata.cpp, so they are compiled once per program.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>

#include "strata/core/error.hpp"
#include "strata/core/value.hpp"
#include "strata/detail/array_literal.hpp"
#include "strata/detail/linkage.hpp"
#include "strata/sql/json.hpp"

namespace strata::sql {

STRATA_COMPILED_LINKAGE void append_json_key(json_path_text& path, std::string_view key) {
    if (key.find('"') != std::string_view::npos)
        throw usage_error("a JSON path key with a '\"' cannot be named: SQLite's paths have no way to quote it");
    if (path.postgresql.size() > 1) path.postgresql += ',';
    strata::detail::append_array_element(path.postgresql, parameter::from_text_view(key));
    path.sqlite += ".\"";
    path.sqlite += key;
    path.sqlite += '"';
}

STRATA_COMPILED_LINKAGE void append_json_index(json_path_text& path, std::int64_t index) {
    if (index < 0) throw usage_error("a JSON path index counts from 0");
    if (path.postgresql.size() > 1) path.postgresql += ',';
    path.postgresql += std::to_string(index);
    path.sqlite += '[' + std::to_string(index) + ']';
}

STRATA_COMPILED_LINKAGE node_ptr make_json_extract(const node_ptr& document, const json_path_text& path, bool as_text) {
    // Parenthesized: PostgreSQL's #>> binds looser than + and tighter than =, SQLite's ->> tighter still.
    auto postgresql = make_operator(
        node_kind::list, "", precedence::atom,
        {make_operator(
            node_kind::binary, as_text ? " #>> " : " #> ", precedence::comparison,
            {document, make_cast(make_parameter(parameter::from_text(path.postgresql)), "TEXT[]", "TEXT")})});
    auto sqlite_path = make_parameter(parameter::from_text(path.sqlite));
    auto sqlite = make_operator(node_kind::list, "", precedence::atom,
                                {make_operator(node_kind::binary, as_text ? " ->> " : " -> ", precedence::comparison,
                                               {document, sqlite_path})});
    // MariaDB takes SQLite's path. As text: a scalar unquoted (JSON null as NULL) by JSON_VALUE,
    // an object or array as its JSON by JSON_QUERY, which is what the others' #>> / ->> give.
    auto mariadb = as_text ? make_function("coalesce", {make_function("JSON_VALUE", {document, sqlite_path}),
                                                        make_function("JSON_QUERY", {document, sqlite_path})})
                           : make_function("JSON_EXTRACT", {document, sqlite_path});
    return make_per_dialect(std::move(postgresql), std::move(sqlite), std::move(mariadb));
}

}  // namespace strata::sql
