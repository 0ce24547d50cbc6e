// strata/sql/impl/statement_core.hpp - the definitions behind strata/sql/statement_core.hpp.
//
// Included by that header in header-only builds; under STRATA_SEPARATE_COMPILATION only by
// src/strata.cpp, so they are compiled once per program.
#pragma once

#include <algorithm>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "strata/core/error.hpp"
#include "strata/detail/linkage.hpp"
#include "strata/sql/node.hpp"
#include "strata/sql/statement_core.hpp"

namespace strata::sql {

STRATA_COMPILED_LINKAGE select_core::select_core() = default;
STRATA_COMPILED_LINKAGE select_core::select_core(const select_core& other) = default;
STRATA_COMPILED_LINKAGE select_core::select_core(select_core&& other) noexcept = default;
STRATA_COMPILED_LINKAGE select_core& select_core::operator=(const select_core& other) = default;
STRATA_COMPILED_LINKAGE select_core& select_core::operator=(select_core&& other) noexcept = default;
STRATA_COMPILED_LINKAGE select_core::~select_core() = default;

STRATA_COMPILED_LINKAGE std::uint64_t select_core::shape() const noexcept {
    using detail::mix;
    using detail::mix_static;
    std::uint64_t hash = 0x5e1ec7;
    auto node_shape = [](const node_ptr& item) -> std::uint64_t { return item ? item->shape : 0; };
    for (const auto& definition : with) {
        hash = mix(mix_static(hash, definition.name), definition.recursive ? 1 : 2);
        for (const auto column : definition.columns) hash = mix_static(hash, column);
        hash = mix(mix(hash, definition.columns.size()), definition.query->shape());
    }
    hash = mix(hash, with.size());
    for (const auto& column : columns) hash = mix(hash, node_shape(column));
    hash = mix(hash, columns.size());
    for (const auto& table : from) hash = mix_static(mix_static(hash, table.name), table.alias);
    hash = mix(hash, from.size());
    if (derived.query) hash = mix_static(mix(hash, derived.query->shape()), derived.name);
    for (const auto& join : joins)
        hash = mix(
            mix_static(mix_static(mix(hash, static_cast<std::uint64_t>(join.kind)), join.table.name), join.table.alias),
            node_shape(join.on));
    for (const auto& join : joins) hash = mix(hash, join.query ? join.query->shape() : 0);
    hash = mix(hash, joins.size());
    hash = mix(hash, node_shape(where));
    for (const auto& item : group_by) hash = mix(hash, node_shape(item));
    hash = mix(hash, group_by.size());
    hash = mix(hash, node_shape(having));
    for (const auto& item : order_by)
        hash = mix(mix(mix(hash, node_shape(item.expression)), static_cast<std::uint64_t>(item.direction)),
                   static_cast<std::uint64_t>(item.nulls));
    hash = mix(hash, order_by.size());
    hash = mix(mix(hash, limit ? 1 : 0), offset ? 1 : 0);
    hash = mix(hash, distinct ? 1 : 0);
    hash =
        mix(mix(mix(hash, static_cast<std::uint64_t>(lock.strength)), lock.nowait ? 1 : 0), lock.skip_locked ? 1 : 0);
    for (const auto& table : lock.of) hash = mix_static(hash, table.name);
    for (const auto& part : compound)
        hash = mix(mix(hash, static_cast<std::uint64_t>(part.kind)), part.query ? part.query->shape() : 0);
    return hash;
}

STRATA_COMPILED_LINKAGE std::vector<std::string_view> output_names(const select_core& query, std::string_view what) {
    const auto& columns = query.compound.empty() ? query.columns : query.compound.front().query->columns;
    std::vector<std::string_view> names;
    names.reserve(columns.size());
    for (std::size_t i = 0; i < columns.size(); ++i) {
        const node& column = *columns[i];
        std::string_view name;
        if (column.kind == node_kind::column)
            name = column.text;
        else if (column.kind == node_kind::label)
            name = permanent_name(column.owned_text);
        else
            throw usage_error("column " + std::to_string(i + 1) + " of a " + std::string{what} +
                              " is an expression without a name: give it one with .label(\"name\")");
        if (std::find(names.begin(), names.end(), name) != names.end())
            throw usage_error("two columns of a " + std::string{what} + " are named '" + std::string{name} +
                              "': label one of them with .label(\"other_name\")");
        names.push_back(name);
    }
    return names;
}

STRATA_COMPILED_LINKAGE node_ptr make_subquery(std::shared_ptr<const select_core> query, bool exists) {
    auto result = std::make_shared<node>();
    result->kind = exists ? node_kind::exists : node_kind::subquery;
    const auto query_shape = query->shape();
    result->query = std::move(query);
    auto finished = finish(std::move(result));
    // The query is not a child node: fold its shape in explicitly.
    std::const_pointer_cast<node>(finished)->shape = detail::mix(finished->shape, query_shape);
    return finished;
}

}  // namespace strata::sql
