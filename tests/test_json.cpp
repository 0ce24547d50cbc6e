// strata::json: checked when made, JSONB on PostgreSQL and text on SQLite, and read inside with
// typed paths on both databases: unicode, nesting, arrays, keys that look like paths, NULL.
#include <catch2/catch.hpp>

#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "strata/core/json.hpp"
#include "strata/orm.hpp"
#include "strata/sql/json.hpp"
#include "support/backends.hpp"

using strata::col;
using strata::json;
using strata::testing::for_each_backend;
using strata::testing::fresh_tables;

namespace documents {
/// An event with a JSON payload and an optional JSON note.
struct event {
    std::int64_t id = 0;
    std::string name;
    json payload;
    std::optional<json> note;
};
}  // namespace documents

template <>
struct strata::mapping<documents::event> {
    using event = documents::event;
    static constexpr auto table = strata::table(
        "json_events", strata::column<&event::id>("id", strata::primary_key), strata::column<&event::name>("name"),
        strata::column<&event::payload>("payload"), strata::column<&event::note>("note"));
};

using documents::event;

TEST_CASE("json checks its text: one JSON value, or a conversion_error saying where it is not") {
    for (const char* good : {"null", "true", " false ", "0", "-1.5e+10", "\"\\u00e9\\n\"", "[]", "{}",
                             R"({"a": [1, {"b": null}], "c": "d"})", "[[[[[]]]]]"})
        CHECK(json::parse(good).text() == good);
    for (const char* bad : {"", "nul", "01", "1.", "-", "[1,]", "{\"a\" 1}", "{a: 1}", "\"open", "[1] 2", "'single'",
                            "\"tab\there\"", "\"\\x\"", "{\"a\":1,}", "NaN"})
        CHECK_THROWS_AS(json::parse(bad), strata::conversion_error);
    CHECK_THROWS_AS(json::parse(std::string(1001, '[') + std::string(1001, ']')), strata::conversion_error);
    CHECK_NOTHROW(json::parse(std::string(1000, '[') + std::string(1000, ']')));
    CHECK(json{}.text() == "null");
}

TEST_CASE("json columns round-trip, and json_value/json_path read inside them the same way on both databases") {
    const auto user_id = strata::json_value<std::int64_t>(col<&event::payload>, "user", "id");
    const auto first_tag = strata::json_value<std::string>(col<&event::payload>, "tags", 0);
    CHECK(strata::select(user_id).compile(strata::dialect::postgresql).sql ==
          "SELECT CAST((json_events.payload #>> CAST($1 AS TEXT[])) AS BIGINT) FROM json_events");
    CHECK(strata::select(first_tag).compile(strata::dialect::sqlite).sql ==
          "SELECT (json_events.payload ->> ?) FROM json_events");
    CHECK(strata::select(user_id).compile(strata::dialect::postgresql).parameters.at(0).as_text() ==
          "{\"user\",\"id\"}");
    CHECK(strata::select(first_tag).compile(strata::dialect::sqlite).parameters.at(0).as_text() == "$.\"tags\"[0]");
    CHECK_THROWS_AS(strata::json_value<std::string>(col<&event::payload>, "say \"hi\""), strata::usage_error);
    CHECK_THROWS_AS(strata::json_value<std::string>(col<&event::payload>, -1), strata::usage_error);

    const std::string unicode = "Zoë 東京 🚀";
    for_each_backend([&](strata::engine& engine) {
        fresh_tables<event>(engine);
        {
            strata::session session{engine};
            session.add(
                event{0, "signup",
                      json::parse(R"({"user": {"id": 7, "name": ")" + unicode +
                                  R"(", "admin": true, "score": 2.5}, "tags": ["new", "web"], "a.b": 1, "$c": 2})"),
                      std::nullopt});
            session.add(event{0, "array", json::parse(R"([10, [20, 30], {"deep": {"deeper": [null, "x"]}}])"),
                              json::parse(R"("a note")")});
            session.add(event{0, "scalar", json::parse("42"), json::parse("null")});
            session.commit();
        }
        strata::session session{engine};
        // The text comes back as each database keeps it; its content is the same.
        const auto signup = session.query<event>().filter(col<&event::name> == "signup").one();
        CHECK(signup->payload.text().find(unicode) != std::string::npos);
        CHECK(!signup->note);
        CHECK(session.query<event>().filter(col<&event::name> == "array").one()->note == json::parse(R"("a note")"));
        CHECK(session.query<event>().filter(col<&event::name> == "scalar").one()->payload == json::parse("42"));
        CHECK(session.query<event>().filter(col<&event::name> == "scalar").one()->note == json::parse("null"));

        using row = std::tuple<std::optional<std::int64_t>, std::optional<std::string>, std::optional<std::string>,
                               std::optional<bool>, std::optional<double>, std::optional<std::int64_t>,
                               std::optional<std::int64_t>>;
        const auto values = session.execute(
            strata::select(user_id, strata::json_value<std::string>(col<&event::payload>, "user", "name"), first_tag,
                           strata::json_value<bool>(col<&event::payload>, "user", "admin"),
                           strata::json_value<double>(col<&event::payload>, "user", "score"),
                           strata::json_value<std::int64_t>(col<&event::payload>, "a.b"),
                           strata::json_value<std::int64_t>(col<&event::payload>, "$c"))
                .order_by(col<&event::id>));
        REQUIRE(values.size() == 3);
        CHECK(values[0] == row{7, unicode, "new", true, 2.5, 1, 2});
        // Paths that lead nowhere are NULL: a missing key, an index into an object, a key into an array.
        CHECK(values[1] == row{});
        CHECK(values[2] == row{});

        CHECK(session.execute(
                  strata::select(strata::json_value<std::string>(col<&event::payload>, 2, "deep", "deeper", 1),
                                 strata::json_value<std::int64_t>(col<&event::payload>, 1, 1))
                      .where(col<&event::name> == "array")) ==
              std::vector<std::tuple<std::optional<std::string>, std::optional<std::int64_t>>>{{"x", 30}});
        // A sub-document reads as json; a filter on a value inside finds its row.
        const auto user = session.execute(
            strata::select(strata::json_path(col<&event::payload>, "user")).where(col<&event::name> == "signup"));
        REQUIRE(user.size() == 1);
        REQUIRE(std::get<0>(user[0]));
        CHECK(std::get<0>(user[0])->text().find("\"id\"") != std::string::npos);
        CHECK(session.query<event>().filter(user_id == 7).count() == 1);
        CHECK(session.query<event>().filter(first_tag == "new").one()->name == "signup");
    });
}
