// Relationships over composite keys: orders keyed by (region, order_no), lines pointing back
// with two columns, promotions linked through an association with a two-column key. Every
// strategy and every write, on both backends, with the statements counted and their SQL asserted.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "strata/orm.hpp"
#include "support/backends.hpp"

namespace composite {

struct order_line;
struct promotion;

struct sales_order {
    std::string region;
    std::int64_t order_no = 0;
    std::string customer;
    strata::many<order_line> lines;
    strata::many<promotion> promotions;
};

struct order_line {
    std::int64_t id = 0;
    std::optional<std::string> order_region;
    std::optional<std::int64_t> order_no;
    std::string item;
    strata::one<sales_order> order;
};

struct promotion {
    std::int64_t id = 0;
    std::string code;
    strata::many<sales_order> orders;
};

struct order_promotion {
    std::string order_region;
    std::int64_t order_no = 0;
    std::int64_t promotion_id = 0;
};

// An association whose columns come in another order than the keys its relationships declare:
// (group_id, visit_number, visit_hall), where an exhibit's key is declared (hall, number).
struct visitor_group;

struct exhibit {
    std::string hall;
    std::int64_t number = 0;
    strata::many<visitor_group> groups;
};

struct visitor_group {
    std::int64_t id = 0;
    strata::many<exhibit> exhibits;
};

struct group_visit {
    std::int64_t group_id = 0;
    std::int64_t visit_number = 0;
    std::string visit_hall;
};

}  // namespace composite

using namespace composite;

template <>
struct strata::mapping<exhibit> {
    static constexpr auto table = strata::table(
        "exhibits", strata::column<&exhibit::hall>("hall", strata::primary_key),
        strata::column<&exhibit::number>("number", strata::primary_key),
        strata::many_to_many<&exhibit::groups, strata::keys<&group_visit::visit_hall, &group_visit::visit_number>,
                             &group_visit::group_id>("exhibit.groups"));
};

template <>
struct strata::mapping<visitor_group> {
    static constexpr auto table =
        strata::table("visitor_groups", strata::column<&visitor_group::id>("id", strata::primary_key),
                      strata::many_to_many<&visitor_group::exhibits, &group_visit::group_id,
                                           strata::keys<&group_visit::visit_hall, &group_visit::visit_number>>(
                          "visitor_group.exhibits"));
};

template <>
struct strata::mapping<group_visit> {
    static constexpr auto table =
        strata::table("group_visits",
                      strata::column<&group_visit::group_id>("group_id", strata::primary_key,
                                                             strata::references<&visitor_group::id>()),
                      strata::column<&group_visit::visit_number>("visit_number", strata::primary_key),
                      strata::column<&group_visit::visit_hall>("visit_hall", strata::primary_key),
                      strata::foreign_key(strata::keys<&group_visit::visit_hall, &group_visit::visit_number>,
                                          strata::keys<&exhibit::hall, &exhibit::number>));
};

template <>
struct strata::mapping<sales_order> {
    static constexpr auto table = strata::table(
        "sales_orders", strata::column<&sales_order::region>("region", strata::primary_key),
        strata::column<&sales_order::order_no>("order_no", strata::primary_key),
        strata::column<&sales_order::customer>("customer"),
        strata::one_to_many<&sales_order::lines, &order_line::order_region, &order_line::order_no>("sales_order.lines"),
        strata::many_to_many<&sales_order::promotions,
                             strata::keys<&order_promotion::order_region, &order_promotion::order_no>,
                             &order_promotion::promotion_id>("sales_order.promotions"));
};

template <>
struct strata::mapping<order_line> {
    static constexpr auto table = strata::table(
        "order_lines", strata::column<&order_line::id>("id", strata::primary_key),
        strata::column<&order_line::order_region>("order_region"), strata::column<&order_line::order_no>("order_no"),
        strata::column<&order_line::item>("item"),
        strata::foreign_key(strata::keys<&order_line::order_region, &order_line::order_no>,
                            strata::keys<&sales_order::region, &sales_order::order_no>),
        strata::many_to_one<&order_line::order, &order_line::order_region, &order_line::order_no>("order_line.order"));
};

template <>
struct strata::mapping<promotion> {
    static constexpr auto table =
        strata::table("promotions", strata::column<&promotion::id>("id", strata::primary_key),
                      strata::column<&promotion::code>("code"),
                      strata::many_to_many<&promotion::orders, &order_promotion::promotion_id,
                                           strata::keys<&order_promotion::order_region, &order_promotion::order_no>>(
                          "promotion.orders"));
};

template <>
struct strata::mapping<order_promotion> {
    static constexpr auto table = strata::table(
        "order_promotions", strata::column<&order_promotion::order_region>("order_region", strata::primary_key),
        strata::column<&order_promotion::order_no>("order_no", strata::primary_key),
        strata::column<&order_promotion::promotion_id>("promotion_id", strata::primary_key,
                                                       strata::references<&promotion::id>()),
        strata::foreign_key(strata::keys<&order_promotion::order_region, &order_promotion::order_no>,
                            strata::keys<&sales_order::region, &sales_order::order_no>));
};

namespace {

using strata::col;
using strata::testing::for_each_backend;

const char* const regions[] = {"east", "north", "south"};

/// `orders` orders (regions in turn, order_no counting per region), three lines each, two
/// promotions each; plus one line with no order.
void seed(const strata::engine& engine, int orders) {
    strata::drop_all<order_promotion, promotion, order_line, sales_order>(engine);
    strata::create_all<order_promotion, promotion, order_line, sales_order>(engine);
    auto connection = engine.connect();
    strata::transaction transaction{connection};
    for (std::int64_t id = 1; id <= 3; ++id)
        connection.execute("INSERT INTO promotions (id, code) VALUES ($1, $2)", id, "promo-" + std::to_string(id));
    std::int64_t line = 0;
    for (int index = 0; index < orders; ++index) {
        const std::string region = regions[index % 3];
        const std::int64_t order_no = index / 3 + 1;
        connection.execute("INSERT INTO sales_orders (region, order_no, customer) VALUES ($1, $2, $3)", region,
                           order_no, "customer " + std::to_string(index));
        for (int item = 0; item < 3; ++item)
            connection.execute("INSERT INTO order_lines (id, order_region, order_no, item) VALUES ($1, $2, $3, $4)",
                               ++line, region, order_no,
                               region + "/" + std::to_string(order_no) + "#" + std::to_string(item));
        for (const std::int64_t promotion_id : {std::int64_t{1} + index % 2, std::int64_t{3}})
            connection.execute(
                "INSERT INTO order_promotions (order_region, order_no, promotion_id) VALUES ($1, $2, $3)", region,
                order_no, promotion_id);
    }
    connection.execute("INSERT INTO order_lines (id, order_region, order_no, item) VALUES ($1, NULL, NULL, $2)", ++line,
                       std::string{"loose"});
    transaction.commit();
}

using order_key = std::pair<std::string, std::int64_t>;

/// order -> its line items, in order.
std::map<order_key, std::vector<std::string>> lines_of(const std::vector<strata::ref<sales_order>>& orders) {
    std::map<order_key, std::vector<std::string>> graph;
    for (const auto& order : orders)
        for (const auto& line : order->lines) graph[{order->region, order->order_no}].push_back(line->item);
    return graph;
}

/// order -> its promotion ids, in order.
std::map<order_key, std::vector<std::int64_t>> promotions_of(const std::vector<strata::ref<sales_order>>& orders) {
    std::map<order_key, std::vector<std::int64_t>> graph;
    for (const auto& order : orders)
        for (const auto& item : order->promotions) graph[{order->region, order->order_no}].push_back(item->id);
    return graph;
}

/// Every order, by key, with the given loader options.
template <class... Options>
std::vector<strata::ref<sales_order>> orders_by_key(strata::session& session, const Options&... options) {
    return session.query<sales_order>()
        .options(options...)
        .order_by(col<&sales_order::region>, col<&sales_order::order_no>)
        .all();
}

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

/// The statements, one per line (a failed check's message).
std::string one_per_line(const std::vector<std::string>& statements) {
    std::string lines;
    for (const auto& sql : statements) lines += sql + "\n";
    return lines;
}

/// Whether `statements` include `sql`.
bool holds(const std::vector<std::string>& statements, const std::string& sql) {
    return std::find(statements.begin(), statements.end(), sql) != statements.end();
}

std::string mark(const strata::engine& engine, int number) {
    return engine.sql_dialect() == strata::dialect::postgresql ? "$" + std::to_string(number) : "?";
}

}  // namespace

TEST_CASE("a composite foreign key creates a table-level FOREIGN KEY that the database enforces") {
    for_each_backend([](strata::engine& engine) {
        seed(engine, 3);
        const auto statements = strata::create_all_sql<order_line, sales_order>(engine.sql_dialect());
        REQUIRE(statements.size() == 2);
        CHECK(statements[0].starts_with("CREATE TABLE IF NOT EXISTS sales_orders"));  // the referenced table first
        CHECK(
            contains(statements[1], "FOREIGN KEY (order_region, order_no) REFERENCES sales_orders (region, order_no)"));
        auto connection = engine.connect();
        CHECK_THROWS_AS(connection.execute("INSERT INTO order_lines (id, order_region, order_no, item) VALUES (99, "
                                           "'west', 1, 'nowhere')"),
                        strata::foreign_key_violation);
    });
}

TEST_CASE("a composite one-to-many loads lazily in 1 + N, by selectinload in 2 with row-value IN, by joinedload in 1") {
    for_each_backend([](strata::engine& engine) {
        seed(engine, 30);
        std::map<order_key, std::vector<std::string>> lazy, selectin, joined;
        {
            strata::session session{engine};
            strata::statement_counter counter{engine};
            const auto orders = orders_by_key(session);
            lazy = lines_of(orders);
            CHECK(counter.count() == 1 + 30);
            CHECK(counter.statements()[1] ==
                  "SELECT order_lines.id, order_lines.order_region, order_lines.order_no, order_lines.item FROM "
                  "order_lines WHERE order_lines.order_region = " +
                      mark(engine, 1) + " AND order_lines.order_no = " + mark(engine, 2) + " ORDER BY order_lines.id");
        }
        {
            strata::session session{engine};
            strata::statement_counter counter{engine};
            const auto orders = orders_by_key(session, strata::selectinload(&sales_order::lines));
            selectin = lines_of(orders);
            REQUIRE(counter.count() == 2);
            const auto dialect = engine.sql_dialect();
            const auto in = dialect == strata::dialect::postgresql
                                ? "WHERE (order_lines.order_region, order_lines.order_no) IN (($1, $2), ($3, $4), "
                            : dialect == strata::dialect::mariadb
                                ? "WHERE (order_lines.order_region, order_lines.order_no) IN ((?, ?), (?, ?), "
                                : "WHERE (order_lines.order_region, order_lines.order_no) IN (VALUES (?, ?), (?, ?), ";
            CHECK(contains(counter.statements()[1], in));
            CHECK(contains(counter.statements()[1],
                           "ORDER BY order_lines.order_region, order_lines.order_no, order_lines.id"));
        }
        {
            strata::session session{engine};
            strata::statement_counter counter{engine};
            const auto orders = orders_by_key(session, strata::joinedload(&sales_order::lines));
            joined = lines_of(orders);
            REQUIRE(counter.count() == 1);
            CHECK(contains(
                counter.statements()[0],
                "LEFT OUTER JOIN order_lines AS order_lines_1 ON order_lines_1.order_region = sales_orders.region "
                "AND order_lines_1.order_no = sales_orders.order_no"));
            CHECK(orders.size() == 30);
        }
        REQUIRE(lazy.size() == 30);
        CHECK(lazy[{"north", 4}] == std::vector<std::string>{"north/4#0", "north/4#1", "north/4#2"});
        CHECK(selectin == lazy);
        CHECK(joined == lazy);
    });
}

TEST_CASE("1,200 orders with composite keys load their lines through selectinload in 1 + 3 statements") {
    for_each_backend([](strata::engine& engine) {
        seed(engine, 1'200);
        strata::session session{engine};
        strata::statement_counter counter{engine};
        const auto orders = session.query<sales_order>().options(strata::selectinload(&sales_order::lines)).all();
        std::size_t lines = 0;
        for (const auto& order : orders) lines += order->lines.size();
        CHECK(counter.count() == 1 + 3);
        CHECK(orders.size() == 1'200);
        CHECK(lines == 3'600);
    });
}

TEST_CASE(
    "a composite many-to-one reads the identity map, selectinloads in 2, joinedloads in 1, and is empty for NULL") {
    for_each_backend([](strata::engine& engine) {
        seed(engine, 12);
        {
            strata::session session{engine};
            const auto orders = session.query<sales_order>().all();
            strata::statement_counter counter{engine};
            const auto lines = session.query<order_line>().order_by(col<&order_line::id>).all();
            for (const auto& line : lines)
                if (line->order_region) CHECK(line->order->customer.find("customer") == 0);
            CHECK(counter.count() == 1);             // every order already in the identity map
            CHECK_FALSE(lines.back()->order.get());  // the loose line
        }
        {
            strata::session session{engine};
            strata::statement_counter counter{engine};
            const auto lines = session.query<order_line>()
                                   .options(strata::selectinload(&order_line::order))
                                   .order_by(col<&order_line::id>)
                                   .all();
            REQUIRE(counter.count() == 2);
            const auto dialect = engine.sql_dialect();
            const auto in = dialect == strata::dialect::postgresql
                                ? "WHERE (sales_orders.region, sales_orders.order_no) IN (($1, $2), "
                            : dialect == strata::dialect::mariadb
                                ? "WHERE (sales_orders.region, sales_orders.order_no) IN ((?, ?), "
                                : "WHERE (sales_orders.region, sales_orders.order_no) IN (VALUES (?, ?), ";
            CHECK(contains(counter.statements()[1], in));
            CHECK(lines[4]->order->region == "north");
            CHECK(lines[4]->order->order_no == 1);
            CHECK(lines[0]->order.get() == lines[1]->order.get());  // one object per order
            CHECK_FALSE(lines.back()->order.get());
            CHECK(counter.count() == 2);
        }
        {
            strata::session session{engine};
            strata::statement_counter counter{engine};
            const auto lines = session.query<order_line>()
                                   .options(strata::joinedload(&order_line::order))
                                   .order_by(col<&order_line::id>)
                                   .all();
            REQUIRE(counter.count() == 1);
            CHECK(contains(
                counter.statements()[0],
                "LEFT OUTER JOIN sales_orders AS sales_orders_1 ON sales_orders_1.region = order_lines.order_region "
                "AND sales_orders_1.order_no = order_lines.order_no"));
            CHECK(lines[7]->order->region == "south");
            CHECK_FALSE(lines.back()->order.get());
            CHECK(counter.count() == 1);
        }
    });
}

TEST_CASE("a many-to-many through a two-column association key loads the same promotions three ways") {
    for_each_backend([](strata::engine& engine) {
        seed(engine, 9);
        std::map<order_key, std::vector<std::int64_t>> lazy, selectin, joined;
        {
            strata::session session{engine};
            strata::statement_counter counter{engine};
            lazy = promotions_of(session.query<sales_order>().all());
            CHECK(counter.count() == 1 + 9);
            CHECK(
                contains(counter.statements()[1],
                         "FROM promotions JOIN order_promotions ON promotions.id = order_promotions.promotion_id WHERE "
                         "order_promotions.order_region = " +
                             mark(engine, 1) + " AND order_promotions.order_no = " + mark(engine, 2) +
                             " ORDER BY promotions.id"));
        }
        {
            strata::session session{engine};
            strata::statement_counter counter{engine};
            selectin = promotions_of(
                session.query<sales_order>().options(strata::selectinload(&sales_order::promotions)).all());
            REQUIRE(counter.count() == 2);
            CHECK(contains(counter.statements()[1], "(order_promotions.order_region, order_promotions.order_no) IN ("));
        }
        {
            strata::session session{engine};
            strata::statement_counter counter{engine};
            joined =
                promotions_of(session.query<sales_order>().options(strata::joinedload(&sales_order::promotions)).all());
            CHECK(counter.count() == 1);
        }
        REQUIRE(lazy.size() == 9);
        CHECK(lazy[{"east", 1}] == std::vector<std::int64_t>{1, 3});
        CHECK(lazy[{"north", 1}] == std::vector<std::int64_t>{2, 3});
        CHECK(selectin == lazy);
        CHECK(joined == lazy);
        strata::session session{engine};
        const auto promoted = session.get<promotion>(std::int64_t{3});
        CHECK(promoted->orders.size() == 9);  // the other side, keys swapped
    });
}

TEST_CASE("writing through composite relationships sets every key column and association row at flush") {
    for_each_backend([](strata::engine& engine) {
        seed(engine, 3);
        {
            strata::session session{engine};
            const auto east = session.get<sales_order>(std::string{"east"}, std::int64_t{1});
            const auto north = session.get<sales_order>(std::string{"north"}, std::int64_t{1});
            const auto moved = east->lines[0];
            const auto dropped = east->lines[1];
            strata::statement_counter counter{engine};  // autoflushes count too: the loads below flush
            north->lines.add(moved);
            CHECK(moved->order.current() == north);  // the other side follows in memory now
            east->lines.remove(dropped);
            sales_order fresh;
            fresh.region = "west";
            fresh.order_no = 7;
            fresh.customer = "new";
            const auto west = session.add(std::move(fresh));
            order_line added;
            added.id = 500;
            added.item = "added";
            const auto line = session.add(std::move(added));
            west->lines.add(line);
            east->promotions.remove(session.get<promotion>(std::int64_t{3}));
            west->promotions.add(session.get<promotion>(std::int64_t{2}));
            session.commit();
            const auto statements = counter.statements();
            INFO(one_per_line(statements));
            const auto has = [&](const std::string& sql) { return holds(statements, sql); };
            CHECK(has("UPDATE order_lines SET order_region = " + mark(engine, 1) + ", order_no = " + mark(engine, 2) +
                      " WHERE id = " + mark(engine, 3)));
            CHECK(has("DELETE FROM order_promotions WHERE order_region = " + mark(engine, 1) +
                      " AND order_no = " + mark(engine, 2) + " AND promotion_id = " + mark(engine, 3)));
            CHECK(has("INSERT INTO order_promotions (order_region, order_no, promotion_id) VALUES (" + mark(engine, 1) +
                      ", " + mark(engine, 2) + ", " + mark(engine, 3) + ")"));
        }
        strata::session session{engine};
        const auto north = session.get<sales_order>(std::string{"north"}, std::int64_t{1});
        CHECK(north->lines.size() == 4);
        CHECK(session.get<sales_order>(std::string{"east"}, std::int64_t{1})->lines.size() == 1);
        const auto dropped = session.get<order_line>(std::int64_t{2});
        CHECK_FALSE(dropped->order_region.has_value());  // removed: both key columns NULL
        CHECK_FALSE(dropped->order_no.has_value());
        const auto west = session.get<sales_order>(std::string{"west"}, std::int64_t{7});
        REQUIRE(west->lines.size() == 1);
        CHECK(west->lines[0]->id == 500);
        CHECK(*west->lines[0]->order_region == "west");
        CHECK(*west->lines[0]->order_no == 7);
        REQUIRE(west->promotions.size() == 1);
        CHECK(west->promotions[0]->id == 2);
        std::vector<std::int64_t> east_promotions;
        for (const auto& item : session.get<sales_order>(std::string{"east"}, std::int64_t{1})->promotions)
            east_promotions.push_back(item->id);
        CHECK(east_promotions == std::vector<std::int64_t>{1});
    });
}

TEST_CASE("association rows bind each key value to its column when the association orders its columns otherwise") {
    for_each_backend([](strata::engine& engine) {
        strata::drop_all<group_visit, visitor_group, exhibit>(engine);
        strata::create_all<group_visit, visitor_group, exhibit>(engine);
        {
            strata::session session{engine};
            const auto east = session.add(exhibit{"east", 1, {}});
            const auto west = session.add(exhibit{"west", 2, {}});
            const auto group = session.add(visitor_group{7, {}});
            group->exhibits.add(east);
            group->exhibits.add(west);
            session.commit();
            strata::statement_counter counter{engine};
            group->exhibits.remove(east);
            west->groups.add(session.add(visitor_group{8, {}}));
            session.commit();
            const auto statements = counter.statements();
            INFO(one_per_line(statements));
            const auto has = [&](const std::string& sql) { return holds(statements, sql); };
            // The columns in the association table's order, whichever side the row was written from.
            CHECK(has("DELETE FROM group_visits WHERE group_id = " + mark(engine, 1) +
                      " AND visit_number = " + mark(engine, 2) + " AND visit_hall = " + mark(engine, 3)));
            CHECK(has("INSERT INTO group_visits (group_id, visit_number, visit_hall) VALUES (" + mark(engine, 1) +
                      ", " + mark(engine, 2) + ", " + mark(engine, 3) + ")"));
        }
        {
            auto connection = engine.connect();
            const auto rows =
                connection.execute("SELECT group_id, visit_number, visit_hall FROM group_visits ORDER BY group_id")
                    .all<std::int64_t, std::int64_t, std::string>();
            CHECK(rows ==
                  std::vector<std::tuple<std::int64_t, std::int64_t, std::string>>{{7, 2, "west"}, {8, 2, "west"}});
        }
        {
            strata::session session{engine};
            const auto west = session.get<exhibit>(std::string{"west"}, std::int64_t{2});
            CHECK(west->groups.size() == 2);
            CHECK(session.get<exhibit>(std::string{"east"}, std::int64_t{1})->groups.size() == 0);
        }  // the session's transaction ends before the tables are dropped
        strata::drop_all<group_visit, visitor_group, exhibit>(engine);
    });
}
