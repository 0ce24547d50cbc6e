// Window functions, subqueries in FROM and common table expressions (recursive ones too): the SQL
// each dialect gets, and the rows both databases return for it.
#include <catch2/catch.hpp>

#include <functional>
#include <map>
#include <string>
#include <tuple>
#include <vector>

#include "support/backends.hpp"
#include "support/models.hpp"
#include "support/tree.hpp"

using namespace models;
using strata::col;
using strata::testing::for_each_backend;
using strata::testing::fresh_tables;

namespace {

/// Users 1..3; orders (id: user, total): 1: 1/100, 2: 1/250, 3: 1/250, 4: 2/40, 5: 3/500, 6: 3/70.
void seed_orders(strata::connection& connection) {
    for (int i = 1; i <= 3; ++i)
        connection.execute(strata::insert<user>()
                               .value(col<&user::email>, "user" + std::to_string(i) + "@example.com")
                               .value(col<&user::name>, "user " + std::to_string(i))
                               .value(col<&user::score>, 0.0));
    const std::int64_t orders[][2] = {{1, 100}, {1, 250}, {1, 250}, {2, 40}, {3, 500}, {3, 70}};
    for (const auto& [user_id, total] : orders)
        connection.execute(
            strata::insert<order>().value(col<&order::user_id>, user_id).value(col<&order::total>, total));
}

/// A tree of categories: 1 root, 2 and 3 under it, 4 under 2, 5 under 4, 6 under 5; 7 is a second root.
void seed_tree(strata::connection& connection) {
    const std::optional<std::int64_t> parents[] = {std::nullopt, 1, 1, 2, 4, 5, std::nullopt};
    for (std::int64_t id = 1; id <= 7; ++id)
        connection.execute(strata::insert<tree::category>()
                               .value(col<&tree::category::id>, id)
                               .value(col<&tree::category::name>, "c" + std::to_string(id))
                               .value(col<&tree::category::parent_id>, parents[id - 1]));
}

}  // namespace

TEST_CASE("window functions number, rank, shift and total rows per partition, with the same text on both databases") {
    const auto by_user = strata::partition_by(col<&order::user_id>);
    const auto numbered =
        strata::select(col<&order::id>,
                       strata::row_number().over(by_user.order_by(col<&order::total>.desc(), col<&order::id>)))
            .order_by(col<&order::id>);
    const std::string numbered_text =
        "SELECT orders.id, row_number() OVER (PARTITION BY orders.user_id ORDER BY orders.total DESC, orders.id) "
        "FROM orders ORDER BY orders.id";
    CHECK(numbered.compile(strata::dialect::postgresql).sql == numbered_text);
    CHECK(numbered.compile(strata::dialect::sqlite).sql == numbered_text);

    const auto running =
        strata::select(col<&order::id>, strata::sum(col<&order::total>)
                                            .over(by_user.order_by(col<&order::id>)
                                                      .rows_between(strata::frame_bound::unbounded_preceding(),
                                                                    strata::frame_bound::current_row())))
            .order_by(col<&order::id>);
    CHECK(running.compile(strata::dialect::postgresql).sql ==
          "SELECT orders.id, sum(orders.total) OVER (PARTITION BY orders.user_id ORDER BY orders.id ROWS BETWEEN "
          "UNBOUNDED PRECEDING AND CURRENT ROW) FROM orders ORDER BY orders.id");
    const auto shifted =
        strata::select(col<&order::id>, strata::lag(col<&order::total>).over(strata::order_by(col<&order::id>)),
                       strata::lead(col<&order::total>, 2).over(strata::order_by(col<&order::id>)))
            .order_by(col<&order::id>);
    CHECK(shifted.compile(strata::dialect::postgresql).sql ==
          "SELECT orders.id, lag(orders.total, CAST($1 AS INTEGER)) OVER (ORDER BY orders.id), lead(orders.total, "
          "CAST($2 AS INTEGER)) OVER (ORDER BY orders.id) FROM orders ORDER BY orders.id");
    CHECK(strata::select(strata::count().over()).compile(strata::dialect::sqlite).sql == "SELECT count(*) OVER ()");

    // over() takes an aggregate or a window function; a frame counts rows from 0.
    CHECK_THROWS_AS(col<&order::total>.over(by_user), strata::usage_error);
    CHECK_THROWS_AS(strata::frame_bound::preceding(-1), strata::usage_error);

    for_each_backend([&](strata::engine& engine) {
        fresh_tables<order, user>(engine);
        auto connection = engine.connect();
        seed_orders(connection);
        CHECK(connection.execute(numbered) ==
              std::vector<std::tuple<std::int64_t, std::int64_t>>{{1, 3}, {2, 1}, {3, 2}, {4, 1}, {5, 1}, {6, 2}});
        CHECK(connection.execute(running) == std::vector<std::tuple<std::int64_t, std::optional<std::int64_t>>>{
                                                 {1, 100}, {2, 350}, {3, 600}, {4, 40}, {5, 500}, {6, 570}});
        using optional_total = std::optional<std::int64_t>;
        CHECK(connection.execute(shifted) ==
              std::vector<std::tuple<std::int64_t, optional_total, optional_total>>{{1, std::nullopt, 250},
                                                                                    {2, 100, 40},
                                                                                    {3, 250, 500},
                                                                                    {4, 250, 70},
                                                                                    {5, 40, std::nullopt},
                                                                                    {6, 500, std::nullopt}});
        // Ties: rank leaves a gap after them, dense_rank does not; ntile splits into near-equal groups.
        const auto by_total = strata::order_by(col<&order::total>.desc());
        const auto ranked = strata::select(col<&order::id>, strata::rank().over(by_total),
                                           strata::dense_rank().over(by_total), strata::ntile(2).over(by_total),
                                           strata::first_value(col<&order::id>).over(by_user.order_by(col<&order::id>)))
                                .order_by(col<&order::id>);
        CHECK(
            connection.execute(ranked) ==
            std::vector<std::tuple<std::int64_t, std::int64_t, std::int64_t, std::int64_t, std::int64_t>>{
                {1, 4, 3, 2, 1}, {2, 2, 2, 1, 1}, {3, 2, 2, 1, 1}, {4, 6, 5, 2, 4}, {5, 1, 1, 1, 5}, {6, 5, 4, 2, 5}});
    });
}

TEST_CASE("a subquery in FROM or a JOIN reads like a table: the top order of each user, each user's total") {
    const auto ranked =
        strata::select(
            col<&order::user_id>, col<&order::id>,
            strata::row_number()
                .over(strata::partition_by(col<&order::user_id>).order_by(col<&order::total>.desc(), col<&order::id>))
                .label("place"))
            .subquery("ranked");
    const auto top = strata::select(ranked.column<0>(), ranked.column<1>())
                         .from(ranked)
                         .where(ranked.column<2>() == 1)
                         .order_by(ranked.column<0>());
    CHECK(top.compile(strata::dialect::postgresql).sql ==
          "SELECT ranked.user_id, ranked.id FROM (SELECT orders.user_id, orders.id, row_number() OVER (PARTITION BY "
          "orders.user_id ORDER BY orders.total DESC, orders.id) AS place FROM orders) AS ranked WHERE ranked.place = "
          "$1 ORDER BY ranked.user_id");

    const auto totals = strata::select(col<&order::user_id>, strata::sum(col<&order::total>).label("spent"))
                            .group_by(col<&order::user_id>)
                            .subquery("totals");
    const auto spenders = strata::select(col<&user::name>, totals.column<1>())
                              .join(totals, totals.column<0>() == col<&user::id>)
                              .where(totals.column<1>() > 100)
                              .order_by(col<&user::id>);
    CHECK(spenders.compile(strata::dialect::sqlite).sql ==
          "SELECT users.name, totals.spent FROM users JOIN (SELECT orders.user_id, sum(orders.total) AS spent FROM "
          "orders GROUP BY orders.user_id) AS totals ON totals.user_id = users.id WHERE totals.spent > ? ORDER BY "
          "users.id");

    // A subquery's columns need names that tell them apart.
    CHECK_THROWS_AS(strata::select(col<&order::user_id>, strata::count()).group_by(col<&order::user_id>).subquery("t"),
                    strata::usage_error);
    CHECK_THROWS_AS(strata::select(col<&order::id>, col<&user::id>).subquery("t"), strata::usage_error);
    CHECK_THROWS_AS(strata::select(col<&order::id>).subquery("no such"), strata::usage_error);
    CHECK_THROWS_AS(top.from(ranked), strata::usage_error);

    for_each_backend([&](strata::engine& engine) {
        fresh_tables<order, user>(engine);
        auto connection = engine.connect();
        seed_orders(connection);
        CHECK(connection.execute(top) == std::vector<std::tuple<std::int64_t, std::int64_t>>{{1, 2}, {2, 4}, {3, 5}});
        CHECK(connection.execute(spenders) ==
              std::vector<std::tuple<std::string, std::optional<std::int64_t>>>{{"user 1", 600}, {"user 3", 570}});
        // A LEFT JOIN keeps the user without orders; the ORM's query joins a subquery too.
        connection.execute(strata::insert<user>()
                               .value(col<&user::email>, "none@example.com")
                               .value(col<&user::name>, "none")
                               .value(col<&user::score>, 0.0));
        const auto everyone = strata::select(col<&user::name>, totals.column<1>())
                                  .left_join(totals, totals.column<0>() == col<&user::id>)
                                  .order_by(col<&user::id>);
        CHECK(connection.execute(everyone).back() ==
              std::tuple<std::string, std::optional<std::int64_t>>{"none", std::nullopt});
    });
    for_each_backend([&](strata::engine& engine) {
        fresh_tables<order, user>(engine);
        {
            auto connection = engine.connect();
            seed_orders(connection);
        }
        strata::session session{engine};
        const auto big = session.query<user>()
                             .join(totals, totals.column<0>() == col<&user::id>)
                             .filter(totals.column<1>() > 100)
                             .order_by(col<&user::id>)
                             .all();
        REQUIRE(big.size() == 2);
        CHECK(big[0]->name == "user 1");
        CHECK(big[1]->name == "user 3");
    });
}

TEST_CASE("a CTE is named once and read like a table; a recursive one counts and walks a tree of any depth") {
    const auto big_orders =
        strata::select(col<&order::id>, col<&order::user_id>).where(col<&order::total> > 200).cte("big");
    const auto from_big = strata::select(big_orders.column<0>()).with_(big_orders).order_by(big_orders.column<0>());
    CHECK(from_big.compile(strata::dialect::postgresql).sql ==
          "WITH big(id, user_id) AS (SELECT orders.id, orders.user_id FROM orders WHERE orders.total > $1) SELECT "
          "big.id FROM big ORDER BY big.id");

    auto numbers = strata::select(strata::literal(1).label("n")).cte("numbers");
    numbers = numbers.union_all(strata::select(numbers.column<0>() + 1).where(numbers.column<0>() < 10));
    const auto counted = strata::select(strata::sum(numbers.column<0>())).with_(numbers);
    CHECK(
        counted.compile(strata::dialect::sqlite).sql ==
        "WITH RECURSIVE numbers(n) AS (SELECT ? AS n UNION ALL SELECT numbers.n + ? FROM numbers WHERE numbers.n < ?) "
        "SELECT sum(numbers.n) FROM numbers");
    CHECK_THROWS_AS(numbers.union_all(strata::select(numbers.column<0>())), strata::usage_error);

    // Every category under category 1, with its depth: a tree of unknown depth in one statement.
    using tree::category;
    auto under = strata::select(col<&category::id>, strata::literal(0).label("depth"))
                     .where(col<&category::id> == 1)
                     .cte("under");
    under = under.union_all(strata::select(col<&category::id>, under.column<1>() + 1)
                                .join(under, col<&category::parent_id> == under.column<0>()));
    const auto descendants =
        strata::select(under.column<0>(), under.column<1>()).with_(under).order_by(under.column<0>());
    CHECK(descendants.compile(strata::dialect::postgresql).sql ==
          "WITH RECURSIVE under(id, depth) AS (SELECT categories.id, $1 AS depth FROM categories WHERE categories.id = "
          "$2 UNION ALL SELECT categories.id, under.depth + $3 FROM categories JOIN under ON categories.parent_id = "
          "under.id) SELECT under.id, under.depth FROM under ORDER BY under.id");

    for_each_backend([&](strata::engine& engine) {
        fresh_tables<order, user>(engine);
        fresh_tables<category>(engine);
        {
            auto connection = engine.connect();
            seed_orders(connection);
            seed_tree(connection);
            CHECK(connection.execute(from_big) == std::vector<std::tuple<std::int64_t>>{{2}, {3}, {5}});
            CHECK(connection.execute(counted) == std::vector<std::tuple<std::optional<std::int64_t>>>{{55}});
            CHECK(connection.execute(descendants) ==
                  std::vector<std::tuple<std::int64_t, std::int64_t>>{{1, 0}, {2, 1}, {3, 1}, {4, 2}, {5, 3}, {6, 4}});
            // A CTE inside IN (...): the same rows.
            CHECK(connection.execute(
                      strata::select(strata::count())
                          .from<category>()
                          .where(col<&category::id>.in_(strata::select(under.column<0>()).with_(under)))) ==
                  std::vector<std::tuple<std::int64_t>>{{6}});
        }

        // The ORM loads the subtree into the identity map in one statement, and its children in one
        // more (selectinload); walking it down and up then costs nothing.
        strata::session session{engine};
        strata::statement_counter counter{engine};
        const auto subtree = session.query<category>()
                                 .with_(under)
                                 .join(under, col<&category::id> == under.column<0>())
                                 .options(strata::selectinload(&category::children))
                                 .order_by(col<&category::id>)
                                 .all();
        CHECK(counter.count() == 2);
        CHECK(counter.statements()[0].rfind("WITH RECURSIVE under(id, depth) AS (", 0) == 0);
        REQUIRE(subtree.size() == 6);
        std::map<std::int64_t, std::vector<std::int64_t>> children;
        std::function<void(const strata::ref<category>&)> walk = [&](const strata::ref<category>& node) {
            for (const auto& child : node->children) {
                children[node->id].push_back(child->id);
                walk(child);
            }
        };
        walk(subtree[0]);
        CHECK(children == std::map<std::int64_t, std::vector<std::int64_t>>{{1, {2, 3}}, {2, {4}}, {4, {5}}, {5, {6}}});
        CHECK(subtree[5]->parent->parent->parent->parent->name == "c1");
        CHECK(counter.count() == 2);
    });
}

TEST_CASE("the ORM's query joins an aliased<T> of its own table to filter by a parent's column") {
    using tree::category;
    const auto parent = strata::aliased<category>("parent");
    for_each_backend([&](strata::engine& engine) {
        fresh_tables<category>(engine);
        {
            auto connection = engine.connect();
            seed_tree(connection);
        }
        strata::session session{engine};
        strata::statement_counter counter{engine};
        const auto under_root = session.query<category>()
                                    .join(parent, col<&category::parent_id> == parent.col<&category::id>())
                                    .filter(parent.col<&category::name>() == "c1")
                                    .order_by(col<&category::id>)
                                    .all();
        REQUIRE(under_root.size() == 2);
        CHECK(under_root[0]->id == 2);
        CHECK(under_root[1]->id == 3);
        CHECK(
            counter.statements().at(0).find(
                "FROM categories JOIN categories AS parent ON categories.parent_id = parent.id WHERE parent.name = ") !=
            std::string::npos);
    });
}

TEST_CASE("query<T>().add_columns() reads each object with an aggregate: users with their order count and total") {
    for_each_backend([&](strata::engine& engine) {
        fresh_tables<order, user>(engine);
        {
            auto connection = engine.connect();
            seed_orders(connection);
            connection.execute(strata::insert<user>()
                                   .value(col<&user::email>, "none@example.com")
                                   .value(col<&user::name>, "none")
                                   .value(col<&user::score>, 0.0));
        }
        strata::session session{engine};
        strata::statement_counter counter{engine};
        const auto rows = session.query<user>()
                              .left_join<order>(col<&order::user_id> == col<&user::id>)
                              .group_by(col<&user::id>)
                              .add_columns(strata::count(col<&order::id>), strata::sum(col<&order::total>))
                              .order_by(strata::count(col<&order::id>).desc(), col<&user::id>)
                              .all();
        CHECK(counter.count() == 1);
        CHECK(counter.statements()[0].find("SELECT users.id, users.email, users.name, users.age, users.score, "
                                           "count(orders.id), sum(orders.total) FROM users LEFT OUTER JOIN orders") !=
              std::string::npos);
        REQUIRE(rows.size() == 4);
        static_assert(
            std::is_same_v<std::tuple_element_t<0, std::remove_cvref_t<decltype(rows[0])>>, strata::ref<user>>);
        CHECK(std::get<0>(rows[0])->name == "user 1");
        CHECK(std::get<1>(rows[0]) == 3);
        CHECK(std::get<2>(rows[0]) == 600);
        CHECK(std::get<0>(rows[1])->name == "user 3");
        CHECK(std::get<1>(rows[1]) == 2);
        CHECK(std::get<0>(rows[3])->name == "none");
        CHECK(std::get<1>(rows[3]) == 0);
        CHECK(!std::get<2>(rows[3]));
        // The objects are the session's: the identity map gives the same one to a later query.
        CHECK(session.get<user>(std::get<0>(rows[0])->id).get() == std::get<0>(rows[0]).get());
        // HAVING filters groups; first() reads one row.
        const auto busiest = session.query<user>()
                                 .join<order>(col<&order::user_id> == col<&user::id>)
                                 .group_by(col<&user::id>)
                                 .having(strata::count(col<&order::id>) >= 2)
                                 .add_columns(strata::count(col<&order::id>))
                                 .order_by(col<&user::id>.desc())
                                 .first();
        REQUIRE(busiest);
        CHECK(std::get<0>(*busiest)->name == "user 3");
    });
    // A joined collection repeats each object's rows with other values: refused, as yield_per refuses it.
    for_each_backend([&](strata::engine& engine) {
        using tree::category;
        fresh_tables<category>(engine);
        strata::session session{engine};
        CHECK_THROWS_AS(session.query<category>()
                            .options(strata::joinedload(&category::children))
                            .add_columns(strata::literal(1))
                            .all(),
                        strata::usage_error);
        CHECK(session.query<category>().add_columns(strata::literal(1)).all().empty());
    });
}
