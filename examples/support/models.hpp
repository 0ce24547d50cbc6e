// examples/support/models.hpp - the models the examples share.
#pragma once

#include <cstdint>
#include <string>

#include "strata/sql.hpp"

namespace examples {

/// A customer's order; total in cents.
struct order {
    std::int64_t id = 0;
    std::int64_t user_id = 0;
    std::int64_t total = 0;
    std::string status;
};

}  // namespace examples

template <>
struct strata::mapping<examples::order> {
    static constexpr auto table = strata::table("report_orders",                          //
        strata::column<&examples::order::id>("id", strata::primary_key),                    //
        strata::column<&examples::order::user_id>("user_id", strata::index),                //
        strata::column<&examples::order::total>("total"),                                   //
        strata::column<&examples::order::status>("status"));
};
