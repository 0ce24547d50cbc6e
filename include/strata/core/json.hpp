// strata/core/json.hpp - strata::json: a JSON document as its text, checked when made, and its
// mapping (PostgreSQL JSONB; SQLite TEXT). strata parses no further: hand text() to the JSON
// library of your choice, and json::parse() what it writes.
//
//   struct Event { std::int64_t id = 0; strata::json payload; };
//   session.add(Event{0, strata::json::parse(R"({"user": {"id": 7}, "tags": ["a", "b"]})")});
//   select(strata::json_value<std::int64_t>(col<&Event::payload>, "user", "id"))   // 7
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>

#include "strata/core/error.hpp"
#include "strata/core/type_traits.hpp"
#include "strata/core/value.hpp"
#include "strata/detail/linkage.hpp"

namespace strata {

namespace detail {
/// Whether `text` is one JSON value (RFC 8259), whitespace around it allowed; on failure, `error`
/// says where. Nesting deeper than 1,000 levels is refused (PostgreSQL's own limit is near it).
STRATA_COMPILED_LINKAGE bool is_json(std::string_view text, std::string* error);
}  // namespace detail

/// A JSON document (an object, array, string, number, true, false or null) held as its text.
class json {
public:
    /// The JSON null.
    json() : text_("null") {}

    /// `text` after checking it is one JSON value; conversion_error (saying where) if it is not.
    static json parse(std::string text) {
        std::string error;
        if (!detail::is_json(text, &error)) throw conversion_error("not JSON: " + error);
        json value;
        value.text_ = std::move(text);
        return value;
    }

    /// The text, as written or as the database gave it back (PostgreSQL's JSONB prints it its own
    /// way: keys sorted, one space after ':' and ',').
    [[nodiscard]] const std::string& text() const noexcept { return text_; }

    /// The same text.
    friend bool operator==(const json&, const json&) = default;

private:
    std::string text_;
};

/// JSONB on PostgreSQL, TEXT on SQLite; the text travels as a parameter both read as JSON.
template <>
struct type_traits<json> {
    static constexpr value_kind kind = value_kind::text;
    static constexpr std::string_view postgresql_type = "JSONB";  ///< CREATE TABLE type
    /// The array an IN list travels as on PostgreSQL (TEXT[] would not compare with a JSONB column).
    static constexpr std::string_view postgresql_array_type = "JSONB[]";
    static constexpr std::string_view mariadb_type = "JSON";  ///< LONGTEXT checked by JSON_VALID
    static parameter to_parameter(const json& value) { return parameter::from_text_view(value.text()); }
    static json read(const field_reader& reader, std::size_t column) {
        return json::parse(std::string{reader.read_text(column)});
    }
};

}  // namespace strata

#if !defined(STRATA_SEPARATE_COMPILATION)
#include "strata/core/impl/json.hpp"
#endif
