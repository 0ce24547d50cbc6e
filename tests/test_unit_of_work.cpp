// The unit of work's defects that lost data or failed where they should work, each on both backends:
// self-referential trees written through either side and read through every loader, deferred
// members of new objects, delete cascades through relationships, server defaults and on_update,
// clearing a reference, create_all on existing tables.
#include <catch2/catch.hpp>

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "support/backends.hpp"
#include "support/library.hpp"
#include "support/tree.hpp"

using strata::col;
using strata::testing::for_each_backend;
using tree::category;

namespace {

/// id -> parent_id of every category, as the database holds them.
std::map<std::int64_t, std::optional<std::int64_t>> stored_parents(const strata::engine& engine) {
    auto connection = engine.connect();
    std::map<std::int64_t, std::optional<std::int64_t>> parents;
    for (const auto& row : connection.execute("SELECT id, parent_id FROM categories"))
        parents[row.get<std::int64_t>(0)] = row.get<std::optional<std::int64_t>>(1);
    return parents;
}

[[maybe_unused]] std::int64_t count_rows(const strata::engine& engine, const std::string& sql) {
    auto connection = engine.connect();
    return connection.execute(sql).scalar<std::int64_t>();
}

void fresh_tree(const strata::engine& engine) {
    strata::drop_all<category>(engine);
    strata::create_all<category>(engine);
}

}  // namespace

TEST_CASE("adding a new category to a new parent's children writes the child's parent_id") {
    for_each_backend([](strata::engine& engine) {
        fresh_tree(engine);
        strata::session session{engine};
        auto root = session.add(tree::make("root"));
        auto child = session.add(tree::make("child"));
        root->children.add(child);
        CHECK(child->parent.current() == root);
        session.commit();
        CHECK(child->parent_id == root->id);
        const auto parents = stored_parents(engine);
        REQUIRE(parents.size() == 2);
        CHECK(parents.at(root->id) == std::nullopt);
        CHECK(parents.at(child->id) == root->id);
    });
}

TEST_CASE("a tree added leaves first is inserted parents first, in one INSERT per node") {
    for_each_backend([](strata::engine& engine) {
        fresh_tree(engine);
        strata::session session{engine};
        // added in the worst order: each node before its parent
        auto leaf = session.add(tree::make("leaf"));
        auto middle = session.add(tree::make("middle"));
        auto root = session.add(tree::make("root"));
        middle->children.add(leaf);
        root->children.add(middle);
        strata::statement_counter counter{engine};
        session.flush();
        const auto statements = counter.statements();
        REQUIRE(statements.size() == 3);  // no UPDATE needed: parents were inserted first
        for (const auto& statement : statements) CHECK(statement.starts_with("INSERT INTO categories"));
        session.commit();
        const auto parents = stored_parents(engine);
        CHECK(parents.at(root->id) == std::nullopt);
        CHECK(parents.at(middle->id) == root->id);
        CHECK(parents.at(leaf->id) == middle->id);
    });
}

TEST_CASE("a persistent parent's new child and a child set through its parent reference are written") {
    for_each_backend([](strata::engine& engine) {
        fresh_tree(engine);
        std::int64_t root_id = 0;
        {
            strata::session session{engine};
            auto added = session.add(tree::make("root"));
            session.commit();
            root_id = added->id;
        }
        strata::session session{engine};
        auto root = session.get<category>(root_id);
        auto first = session.add(tree::make("first"));
        root->children.add(first);
        auto second = session.add(tree::make("second"));
        second->parent = first;  // the many-to-one side, to a parent that is new too
        session.commit();
        const auto parents = stored_parents(engine);
        REQUIRE(parents.size() == 3);
        CHECK(parents.at(first->id) == root_id);
        CHECK(parents.at(second->id) == first->id);
    });
}

TEST_CASE("two new categories that are each other's parent are written with an UPDATE after the INSERTs") {
    for_each_backend([](strata::engine& engine) {
        fresh_tree(engine);
        strata::session session{engine};
        auto a = session.add(tree::make("a"));
        auto b = session.add(tree::make("b"));
        a->children.add(b);
        b->children.add(a);
        strata::statement_counter counter{engine};
        session.commit();
        const auto statements = counter.statements();
        REQUIRE(statements.size() == 3);
        CHECK(statements[2].starts_with("UPDATE categories SET parent_id = "));
        const auto parents = stored_parents(engine);
        CHECK(parents.at(a->id) == b->id);
        CHECK(parents.at(b->id) == a->id);
        CHECK(a->parent_id == b->id);
        CHECK(b->parent_id == a->id);
    });
}

TEST_CASE("a tree reads the same through lazy loading, selectinload and joinedload") {
    for_each_backend([](strata::engine& engine) {
        fresh_tree(engine);
        {
            auto connection = engine.connect();
            connection.execute(
                "INSERT INTO categories (id, name, parent_id) VALUES (1, 'root', NULL), (2, 'a', 1), (3, 'b', 1), "
                "(4, 'a1', 2), (5, 'a2', 2), (6, 'other', NULL)");
        }
        const std::map<std::int64_t, std::vector<std::int64_t>> expected{{1, {2, 3}}, {2, {4, 5}}, {3, {}},
                                                                         {4, {}},     {5, {}},     {6, {}}};
        const auto children_of = [](const std::vector<strata::ref<category>>& all) {
            std::map<std::int64_t, std::vector<std::int64_t>> found;
            for (const auto& item : all) {
                auto& ids = found[item->id];
                for (const auto& child : item->children) ids.push_back(child->id);
            }
            return found;
        };
        {
            strata::session session{engine};
            strata::statement_counter counter{engine};
            const auto all = session.query<category>().order_by(col<&category::id>).all();
            CHECK(children_of(all) == expected);
            CHECK(counter.count() == 7);     // 1 + one lazy load per category: the N+1
            CHECK(all[3]->parent->id == 2);  // identity map: no SQL
            CHECK(counter.count() == 7);
        }
        {
            strata::session session{engine};
            strata::statement_counter counter{engine};
            const auto all = session.query<category>()
                                 .options(strata::selectinload(&category::children))
                                 .order_by(col<&category::id>)
                                 .all();
            CHECK(children_of(all) == expected);
            CHECK(counter.count() == 2);
        }
        {
            strata::session session{engine};
            strata::statement_counter counter{engine};
            const auto all = session.query<category>()
                                 .options(strata::joinedload(&category::parent))
                                 .order_by(col<&category::id>)
                                 .all();
            CHECK(counter.count() == 1);
            REQUIRE(all.size() == 6);
            CHECK(all[0]->parent.current() == strata::ref<category>{});
            CHECK(all[0]->parent.is_loaded());
            CHECK(all[4]->parent->id == 2);
            CHECK(all[4]->parent->parent->id == 1);
            CHECK(counter.count() == 1);
            const auto statement = counter.statements()[0];
            CHECK(statement.find("LEFT OUTER JOIN categories AS categories_1 ON categories_1.id = "
                                 "categories.parent_id") != std::string::npos);
        }
        {
            strata::session session{engine};
            strata::statement_counter counter{engine};
            const auto all = session.query<category>()
                                 .options(strata::joinedload(&category::children))
                                 .order_by(col<&category::id>)
                                 .all();
            CHECK(counter.count() == 1);
            CHECK(children_of(all) == expected);
            CHECK(counter.count() == 1);
        }
    });
}
