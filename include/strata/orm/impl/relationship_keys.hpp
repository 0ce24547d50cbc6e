// strata/orm/impl/relationship_keys.hpp - the definitions behind strata/orm/relationship_keys.hpp.
//
// Included by that header in header-only builds; under STRATA_SEPARATE_COMPILATION only by
// src/strata.cpp, so they are compiled once per program.
#pragma once

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

}  // namespace strata::orm
