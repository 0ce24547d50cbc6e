// strata/orm/impl/relationship_keys.hpp - the definitions behind strata/orm/relationship_keys.hpp.
//
// Included by that header in header-only builds; under STRATA_SEPARATE_COMPILATION only by
// src/strata.cpp, so they are compiled once per program.
#pragma once

#include <cstddef>
#include <iterator>
#include <utility>
#include <vector>

#include "strata/detail/linkage.hpp"
#include "strata/orm/relationship_keys.hpp"

namespace strata::orm {

STRATA_COMPILED_LINKAGE sql::node_ptr all_of(std::vector<sql::node_ptr> conditions) {
    auto result = std::move(conditions.front());
    for (std::size_t i = 1; i < conditions.size(); ++i)
        result = sql::make_operator(sql::node_kind::binary, " AND ", sql::precedence::and_,
                                    {std::move(result), std::move(conditions[i])});
    return result;
}

STRATA_COMPILED_LINKAGE sql::node_ptr keys_in(std::vector<sql::node_ptr> columns, std::vector<sql::node_ptr> values,
                                              dialect target, std::string_view array_type) {
    if (columns.size() == 1)
        return sql::make_operator(sql::node_kind::binary, " IN ", sql::precedence::comparison,
                                  {std::move(columns.front()), sql::make_value_list(std::move(values), array_type)});
    std::vector<sql::node_ptr> rows;
    rows.reserve(values.size() / columns.size());
    for (std::size_t start = 0; start < values.size(); start += columns.size())
        rows.push_back(sql::make_operator(
            sql::node_kind::list, "", sql::precedence::atom,
            std::vector<sql::node_ptr>(
                std::make_move_iterator(values.begin() + static_cast<std::ptrdiff_t>(start)),
                std::make_move_iterator(values.begin() + static_cast<std::ptrdiff_t>(start + columns.size())))));
    return sql::make_operator(sql::node_kind::binary, " IN ", sql::precedence::comparison,
                              {sql::make_operator(sql::node_kind::list, "", sql::precedence::atom, std::move(columns)),
                               sql::make_operator(sql::node_kind::list, target == dialect::sqlite ? "VALUES " : "",
                                                  sql::precedence::atom, std::move(rows))});
}

}  // namespace strata::orm
