// examples/support/models.hpp - the models the examples share.
#pragma once

#include <cstdint>
#include <string>

#include "strata/orm.hpp"
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
    static constexpr auto table = strata::table("report_orders",                                                      //
                                                strata::column<&examples::order::id>("id", strata::primary_key),      //
                                                strata::column<&examples::order::user_id>("user_id", strata::index),  //
                                                strata::column<&examples::order::total>("total"),                     //
                                                strata::column<&examples::order::status>("status"));
};

namespace examples {

/// A user with a 1 KB bio; name and bio may be left unloaded by load_only.
struct user {
    std::int64_t id = 0;
    std::string email;
    strata::deferred<std::string> name;
    strata::deferred<std::string> bio;
};

/// A post in a feed.
struct post {
    std::int64_t id = 0;
    std::string title;
    strata::timestamp created_at{};
};

/// A bank account.
struct account {
    std::int64_t id = 0;
    std::int64_t balance = 0;
};

}  // namespace examples

template <>
struct strata::mapping<examples::user> {
    static constexpr auto table = strata::table("example_users",                                                  //
                                                strata::column<&examples::user::id>("id", strata::primary_key),   //
                                                strata::column<&examples::user::email>("email", strata::unique),  //
                                                strata::column<&examples::user::name>("name"),                    //
                                                strata::column<&examples::user::bio>("bio"));
};

template <>
struct strata::mapping<examples::post> {
    static constexpr auto table = strata::table("example_posts",                                                 //
                                                strata::column<&examples::post::id>("id", strata::primary_key),  //
                                                strata::column<&examples::post::title>("title"),                 //
                                                strata::column<&examples::post::created_at>("created_at"));
};

template <>
struct strata::mapping<examples::account> {
    static constexpr auto table =
        strata::table("example_accounts",                                                                           //
                      strata::column<&examples::account::id>("id", strata::primary_key, strata::no_autoincrement),  //
                      strata::column<&examples::account::balance>("balance"));
};
