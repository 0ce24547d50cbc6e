// tests/support/tree.hpp - a self-referential model (an adjacency list): categories with a parent.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "strata/orm.hpp"

namespace tree {

/// A category whose parent is another category of the same table.
struct category {
    std::int64_t id = 0;
    std::string name;
    std::optional<std::int64_t> parent_id;
    strata::one<category> parent;
    strata::many<category> children;
};

/// A category made from its name (and, for rows written by hand, its id and parent).
inline category make(std::string name, std::int64_t id = 0, std::optional<std::int64_t> parent_id = std::nullopt) {
    category made;
    made.id = id;
    made.name = std::move(name);
    made.parent_id = parent_id;
    return made;
}

}  // namespace tree

template <>
struct strata::mapping<tree::category> {
    static constexpr auto table = strata::table(
        "categories",                                                    //
        strata::column<&tree::category::id>("id", strata::primary_key),  //
        strata::column<&tree::category::name>("name"),                   //
        strata::column<&tree::category::parent_id>("parent_id", strata::references<&tree::category::id>()),
        strata::many_to_one<&tree::category::parent, &tree::category::parent_id>("category.parent"),
        strata::one_to_many<&tree::category::children, &tree::category::parent_id>("category.children"));
};
