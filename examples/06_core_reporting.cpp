// 06_core_reporting: totals per user over 100,000 orders of 10,000 users.
//
//   orm_objects:    load every order as a struct and sum in C++ (the seed's "bad")
//   core_aggregate: select(user_id, sum(total)).group_by(user_id) - the database sums
//
// Both must find the same totals.
#include <fmt/core.h>

#include <map>
#include <string>
#include <vector>

#include "support/example.hpp"
#include "support/models.hpp"

using examples::order;
using strata::col;

namespace {

constexpr std::int64_t user_count = 10'000;
constexpr std::int64_t order_count = 100'000;

/// Fills the table with multi-row INSERTs of 500 rows (1,500 parameters, within SQLite's limit).
void seed(const strata::engine& engine) {
    strata::drop_all<order>(engine);
    strata::create_all<order>(engine);
    auto connection = engine.connect();
    strata::transaction transaction{connection};
    constexpr std::int64_t batch = 500;
    std::string sql;
    std::vector<strata::parameter> parameters;
    for (std::int64_t start = 0; start < order_count; start += batch) {
        sql = "INSERT INTO report_orders (user_id, total, status) VALUES ";
        parameters.clear();
        for (std::int64_t i = start; i < start + batch; ++i) {
            const auto n = parameters.size();
            sql += fmt::format("{}(${}, ${}, ${})", i == start ? "" : ", ", n + 1, n + 2, n + 3);
            parameters.push_back(strata::parameter::from_integer(i % user_count + 1));
            parameters.push_back(strata::parameter::from_integer((i * 7919) % 10'000 + 1));
            parameters.push_back(strata::parameter::from_text_view(i % 3 == 0 ? "shipped" : "open"));
        }
        connection.execute_parameters(sql, parameters);
    }
    transaction.commit();
}

}  // namespace

int main() try {
    auto engine = strata::create_engine(examples::database_url());
    seed(engine);
    auto connection = engine.connect();

    std::map<std::int64_t, std::int64_t> from_objects;
    {
        examples::variant_run run{engine, "core_reporting", "orm_objects"};
        const auto orders = connection.execute_into<order>(
            strata::select(col<&order::id>, col<&order::user_id>, col<&order::total>, col<&order::status>));
        for (const auto& item : orders) from_objects[item.user_id] += item.total;
        run.finish(orders.size());
    }

    std::map<std::int64_t, std::int64_t> from_database;
    {
        examples::variant_run run{engine, "core_reporting", "core_aggregate"};
        const auto totals = connection.execute(
            strata::select(col<&order::user_id>, strata::sum(col<&order::total>)).group_by(col<&order::user_id>));
        for (const auto& [user_id, total] : totals) from_database[user_id] = total.value_or(0);
        run.finish(totals.size());
    }

    if (from_objects != from_database || from_database.size() != static_cast<std::size_t>(user_count)) {
        fmt::print(stderr, "the two variants disagree: {} vs {} users\n", from_objects.size(), from_database.size());
        return 1;
    }
    connection.close();
    strata::drop_all<order>(engine);
    return 0;
} catch (const std::exception& error) {
    fmt::print(stderr, "error: {}\n", error.what());
    return 1;
}
