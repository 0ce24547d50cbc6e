// tests/support/models.hpp - the models the tests share, mapped once.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "strata/sql.hpp"

namespace models {

struct user {
    std::int64_t id = 0;
    std::string email;
    std::string name;
    std::optional<std::int32_t> age;
    double score = 0;
};

struct order {
    std::int64_t id = 0;
    std::int64_t user_id = 0;
    std::int64_t total = 0;
    std::optional<std::string> note;
};

struct post {
    std::int64_t id = 0;
    std::string title;
    strata::timestamp created_at{};
};

struct account {
    std::int64_t id = 0;
    std::int64_t balance = 0;
};

/// Reserved words as table and column names.
struct keyword_table {
    std::int64_t id = 0;
    std::string user;
    std::int32_t group = 0;
};

/// A composite primary key, a multi-column unique constraint and index, a server default.
struct membership {
    std::int64_t user_id = 0;
    std::int64_t group_id = 0;
    std::string role;
    std::optional<strata::timestamp> joined_at;
};

/// A model whose bio may be left unloaded by load_only.
struct profile {
    std::int64_t id = 0;
    std::string email;
    std::string name;
    strata::deferred<std::string> bio;
};

/// A queued job that workers claim with SKIP LOCKED.
struct job {
    std::int64_t id = 0;
    std::optional<std::int64_t> claimed_by;
};

}  // namespace models

template <>
struct strata::mapping<models::user> {
    static constexpr auto table = strata::table("users",                                                        //
                                                strata::column<&models::user::id>("id", strata::primary_key),   //
                                                strata::column<&models::user::email>("email", strata::unique),  //
                                                strata::column<&models::user::name>("name", strata::index),     //
                                                strata::column<&models::user::age>("age"),                      //
                                                strata::column<&models::user::score>("score"));
};

template <>
struct strata::mapping<models::order> {
    static constexpr auto table =
        strata::table("orders",                                                       //
                      strata::column<&models::order::id>("id", strata::primary_key),  //
                      strata::column<&models::order::user_id>(
                          "user_id",  //
                          strata::references<&models::user::id>(strata::on_delete::cascade), strata::index),
                      strata::column<&models::order::total>("total"),  //
                      strata::column<&models::order::note>("note"));
};

template <>
struct strata::mapping<models::post> {
    static constexpr auto table =
        strata::table("posts",                                                       //
                      strata::column<&models::post::id>("id", strata::primary_key),  //
                      strata::column<&models::post::title>("title"),                 //
                      strata::column<&models::post::created_at>("created_at"),       //
                      strata::index_on<&models::post::created_at, &models::post::id>("ix_posts_created_at_id"));
};

template <>
struct strata::mapping<models::account> {
    static constexpr auto table =
        strata::table("accounts",                                                                                 //
                      strata::column<&models::account::id>("id", strata::primary_key, strata::no_autoincrement),  //
                      strata::column<&models::account::balance>("balance"));
};

template <>
struct strata::mapping<models::keyword_table> {
    static constexpr auto table =
        strata::table("order",                                                                //
                      strata::column<&models::keyword_table::id>("id", strata::primary_key),  //
                      strata::column<&models::keyword_table::user>("user"),                   //
                      strata::column<&models::keyword_table::group>("group"));
};

template <>
struct strata::mapping<models::membership> {
    static constexpr auto table = strata::table(
        "memberships",  //
        strata::column<&models::membership::user_id>("user_id", strata::primary_key,
                                                     strata::references<&models::user::id>()),
        strata::column<&models::membership::group_id>("group_id", strata::primary_key),         //
        strata::column<&models::membership::role>("role", strata::server_default{"'member'"}),  //
        strata::column<&models::membership::joined_at>("joined_at", strata::server_default{"CURRENT_TIMESTAMP"}),
        strata::unique_constraint<&models::membership::group_id, &models::membership::role>());
};

template <>
struct strata::mapping<models::profile> {
    static constexpr auto table = strata::table("profiles",                                                       //
                                                strata::column<&models::profile::id>("id", strata::primary_key),  //
                                                strata::column<&models::profile::email>("email"),                 //
                                                strata::column<&models::profile::name>("name"),                   //
                                                strata::column<&models::profile::bio>("bio"));
};

template <>
struct strata::mapping<models::job> {
    static constexpr auto table = strata::table("jobs",                                                       //
                                                strata::column<&models::job::id>("id", strata::primary_key),  //
                                                strata::column<&models::job::claimed_by>("claimed_by"));
};
