// strata/sql/json.hpp - reading inside JSON columns: a path of keys and array indexes.
//
//   strata::json_value<std::int64_t>(col<&Event::payload>, "user", "id")   // payload's user.id, or NULL
//   strata::json_value<std::string>(col<&Event::payload>, "tags", 0)       // the first tag
//   strata::json_path(col<&Event::payload>, "user")                         // the user object, as json
//
// PostgreSQL: payload #>> '{user,id}' (one TEXT[] parameter); SQLite: payload ->> '$."user"."id"'
// (one path parameter, every key quoted, so a key with a '.' or '$' is a key). A path that leads
// nowhere is NULL on both.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>

#include "strata/core/json.hpp"
#include "strata/detail/linkage.hpp"
#include "strata/sql/expression.hpp"
#include "strata/sql/node.hpp"

namespace strata {

namespace sql {
/// A JSON path as each database spells it: a TEXT[] literal for PostgreSQL, a JSON path for SQLite.
struct json_path_text {
    std::string postgresql = "{";
    std::string sqlite = "$";
};
/// Adds an object key (usage_error for a key with a '"', which SQLite's paths cannot quote).
STRATA_COMPILED_LINKAGE void append_json_key(json_path_text& path, std::string_view key);
/// Adds an array index (from 0).
STRATA_COMPILED_LINKAGE void append_json_index(json_path_text& path, std::int64_t index);
/// `document` followed along `path`: as text (#>> / ->>) or as JSON (#> / ->).
STRATA_COMPILED_LINKAGE node_ptr make_json_extract(const node_ptr& document, const json_path_text& path, bool as_text);

/// The path of `steps` (keys as strings, indexes as integers).
template <class... Steps>
json_path_text json_path_of(const Steps&... steps) {
    static_assert(sizeof...(Steps) >= 1, "a JSON path needs at least one key or index");
    json_path_text path;
    (
        [&path](const auto& step) {
            using step_type = std::remove_cvref_t<decltype(step)>;
            if constexpr (std::is_integral_v<step_type>)
                append_json_index(path, static_cast<std::int64_t>(step));
            else if constexpr (std::is_convertible_v<const step_type&, std::string_view>)
                append_json_key(path, std::string_view{step});
            else
                static_assert(!sizeof(step_type), "a JSON path step is a key (a string) or an index (an integer)");
        }(steps),
        ...);
    path.postgresql += '}';
    return path;
}

template <class X>
constexpr void require_json() {
    static_assert(std::is_same_v<strip_optional_t<operand_value_t<X>>, json>,
                  "json_value()/json_path() read inside a strata::json column or expression");
}
}  // namespace sql

/// The JSON value at `steps` inside `document`, as JSON (a JSONB on PostgreSQL); NULL where the
/// path leads nowhere.
template <sql::expression_like X, class... Steps>
expression<std::optional<json>> json_path(const X& document, const Steps&... steps) {
    sql::require_json<X>();
    return expression<std::optional<json>>{
        sql::make_json_extract(sql::to_node(document), sql::json_path_of(steps...), false)};
}

/// The value at `steps` inside `document` read as T (std::string, std::int64_t, double or bool);
/// NULL where the path leads nowhere. A string reads the same on both databases; a number or
/// boolean as std::string reads as each database prints it. Text that is no number is an error
/// on PostgreSQL and 0 on SQLite.
template <class T, sql::expression_like X, class... Steps>
expression<std::optional<T>> json_value(const X& document, const Steps&... steps) {
    sql::require_json<X>();
    auto text = sql::make_json_extract(sql::to_node(document), sql::json_path_of(steps...), true);
    if constexpr (std::is_same_v<T, std::string>) {
        return expression<std::optional<T>>{std::move(text)};
    } else if constexpr (std::is_same_v<T, std::int64_t>) {
        return expression<std::optional<T>>{sql::make_cast(std::move(text), "BIGINT", "INTEGER")};
    } else if constexpr (std::is_same_v<T, double>) {
        return expression<std::optional<T>>{sql::make_cast(std::move(text), "DOUBLE PRECISION", "REAL")};
    } else if constexpr (std::is_same_v<T, bool>) {
        // SQLite's ->> and MariaDB's JSON_VALUE give a JSON true as 1 already; PostgreSQL's #>> gives 'true'.
        return expression<std::optional<T>>{
            sql::make_per_dialect(sql::make_cast(text, "BOOLEAN", "INTEGER"), text, text)};
    } else {
        static_assert(!sizeof(T), "json_value<T>: T is std::string, std::int64_t, double or bool");
    }
}

}  // namespace strata

#if !defined(STRATA_SEPARATE_COMPILATION)
#include "strata/sql/impl/json.hpp"
#endif
