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
using strata::testing::count_rows;
using strata::testing::for_each_backend;
using strata::testing::placeholder_of;
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

namespace {

/// README's model: a deferred member that load_only may leave out.
struct readme_user {
    std::int64_t id = 0;
    std::string email;
    strata::deferred<std::string> bio{};
};

/// Columns the server fills in: at INSERT (server_default) and at every UPDATE (on_update).
struct ticket {
    std::int64_t id = 0;
    std::string title;
    strata::deferred<std::string> state{};          // server_default 'open'
    std::optional<std::int32_t> priority{};         // server_default 3
    std::int32_t revision = 0;                      // on_update revision + 1
    std::optional<strata::timestamp> touched_at{};  // on_update CURRENT_TIMESTAMP
};

}  // namespace

template <>
struct strata::mapping<readme_user> {
    static constexpr auto table = strata::table("readme_users",                                                //
                                                strata::column<&readme_user::id>("id", strata::primary_key),   //
                                                strata::column<&readme_user::email>("email", strata::unique),  //
                                                strata::column<&readme_user::bio>("bio"));
};

template <>
struct strata::mapping<ticket> {
    static constexpr auto table =
        strata::table("tickets",                                                                         //
                      strata::column<&ticket::id>("id", strata::primary_key),                            //
                      strata::column<&ticket::title>("title"),                                           //
                      strata::column<&ticket::state>("state", strata::server_default{"'open'"}),         //
                      strata::column<&ticket::priority>("priority", strata::server_default{"3"}),        //
                      strata::column<&ticket::revision>("revision", strata::on_update{"revision + 1"}),  //
                      strata::column<&ticket::touched_at>("touched_at", strata::on_update{"CURRENT_TIMESTAMP"}));
};

TEST_CASE("a new object's unset deferred member is written with its default, so README's model commits") {
    for_each_backend([](strata::engine& engine) {
        strata::drop_all<readme_user>(engine);
        strata::create_all<readme_user>(engine);  // bio TEXT NOT NULL
        strata::session session{engine};
        auto ada = session.add(readme_user{.email = "ada@example.com"});
        CHECK(ada->bio.is_loaded());
        CHECK(*ada->bio == "");
        strata::statement_counter counter{engine};
        session.commit();
        REQUIRE(counter.count() == 1);
        CHECK(counter.statements()[0] == "INSERT INTO readme_users (email, bio) VALUES (" +
                                             strata::testing::placeholder_of(engine, 1) + ", " +
                                             strata::testing::placeholder_of(engine, 2) + ") RETURNING id");
        CHECK(count_rows(engine, "SELECT count(*) FROM readme_users WHERE bio = ''") == 1);
        // a value set before the flush is written as set
        strata::session second{engine};
        second.add(readme_user{.email = "grace@example.com", .bio = std::string{"compilers"}});
        second.commit();
        CHECK(count_rows(engine, "SELECT count(*) FROM readme_users WHERE bio = 'compilers'") == 1);
    });
}

TEST_CASE("an INSERT leaves unset server-default columns to the server and reads their values back") {
    for_each_backend([](strata::engine& engine) {
        strata::drop_all<ticket>(engine);
        strata::create_all<ticket>(engine);
        strata::session session{engine};
        auto first = session.add(ticket{.title = "first"});
        auto second = session.add(ticket{.title = "second", .state = std::string{"closed"}, .priority = 1});
        strata::statement_counter counter{engine};
        session.flush();
        const auto statements = counter.statements();
        REQUIRE(statements.size() == 2);
        const auto mark = [&](int number) { return strata::testing::placeholder_of(engine, number); };
        CHECK(statements[0] == "INSERT INTO tickets (title, revision, touched_at) VALUES (" + mark(1) + ", " + mark(2) +
                                   ", " + mark(3) + ") RETURNING id, state, priority");
        CHECK(statements[1] == "INSERT INTO tickets (title, state, priority, revision, touched_at) VALUES (" + mark(1) +
                                   ", " + mark(2) + ", " + mark(3) + ", " + mark(4) + ", " + mark(5) +
                                   ") RETURNING id");
        CHECK(*first->state == "open");
        CHECK(first->priority == 3);
        CHECK(*second->state == "closed");
        CHECK(second->priority == 1);
        session.flush();  // what was read back is the snapshot: nothing to write
        CHECK(counter.count() == 2);
        session.commit();
        CHECK(count_rows(engine, "SELECT count(*) FROM tickets WHERE state = 'open' AND priority = 3") == 1);
        CHECK(count_rows(engine, "SELECT count(*) FROM tickets WHERE state = 'closed' AND priority = 1") == 1);
    });
}

TEST_CASE("an UPDATE sets on_update columns to their SQL and reads them back, unless the flush sets them") {
    for_each_backend([](strata::engine& engine) {
        strata::drop_all<ticket>(engine);
        strata::create_all<ticket>(engine);
        strata::session session{engine};
        auto item = session.add(ticket{.title = "first"});
        session.commit();
        CHECK(item->revision == 0);
        CHECK(!item->touched_at.has_value());
        item->title = "renamed";
        strata::statement_counter counter{engine};
        session.flush();
        const auto mark = [&](int number) { return strata::testing::placeholder_of(engine, number); };
        const std::string update = "UPDATE tickets SET title = " + mark(1) +
                                   ", revision = revision + 1, touched_at = CURRENT_TIMESTAMP WHERE id = " + mark(2);
        if (engine.sql_dialect() == strata::dialect::mariadb) {  // no UPDATE ... RETURNING: read again by key
            REQUIRE(counter.count() == 2);
            CHECK(counter.statements()[0] == update);
            CHECK(counter.statements()[1] == "SELECT revision, touched_at FROM tickets WHERE id = ?");
        } else {
            REQUIRE(counter.count() == 1);
            CHECK(counter.statements()[0] == update + " RETURNING revision, touched_at");
        }
        CHECK(item->revision == 1);
        CHECK(item->touched_at.has_value());
        item->revision = 10;  // set by the user: sent as set
        session.commit();
        CHECK(count_rows(engine, "SELECT revision FROM tickets") == 10);
        // a bulk update leaves them to the server too
        ticket copy = *item;
        copy.title = "bulk";
        session.bulk_update<ticket>(std::vector<ticket>{copy});
        session.commit();
        CHECK(count_rows(engine, "SELECT revision FROM tickets") == 11);
    });
}

TEST_CASE("deleting a parent deletes its delete_orphan children first, loaded or not") {
    for_each_backend([](strata::engine& engine) {
        using namespace library;
        seed(engine, 2, 2);  // books 1-4, review i on book i, tags on every book
        strata::session session{engine};
        auto loaded = session.get<book>(1);
        REQUIRE(loaded->reviews.size() == 1);
        auto review_of_loaded = loaded->reviews[0];
        auto unloaded = session.get<book>(2);
        REQUIRE(!unloaded->reviews.is_loaded());
        strata::statement_counter counter{engine};
        session.remove(loaded);
        session.remove(unloaded);  // loads its reviews: one SELECT
        CHECK(counter.count() == 1);
        CHECK(review_of_loaded.status() == strata::object_status::deleted);
        session.commit();
        CHECK(count_rows(engine, "SELECT count(*) FROM books") == 2);
        CHECK(count_rows(engine, "SELECT count(*) FROM reviews") == 2);
        CHECK(count_rows(engine, "SELECT count(*) FROM reviews WHERE book_id IN (1, 2)") == 0);
        CHECK(count_rows(engine, "SELECT count(*) FROM book_tags WHERE book_id IN (1, 2)") == 0);
    });
}

TEST_CASE("deleting a parent after taking children out of its collection deletes or nulls those children too") {
    for_each_backend([](strata::engine& engine) {
        using namespace library;
        seed(engine, 2, 5);  // books 1-10, review i on book i, book i's publisher (i % 5) + 1
        strata::session session{engine};
        auto reviewed = session.get<book>(3);
        auto review = reviewed->reviews[0];
        auto owner = session.get<publisher>(1);  // books 5 and 10
        REQUIRE(owner->books.size() == 2);
        auto released = owner->books[0];
        reviewed->reviews.remove(review);  // delete_orphan: goes with its book
        owner->books.remove(released);     // an optional key: NULL, as its sibling's
        session.remove(reviewed);
        session.remove(owner);
        session.commit();
        CHECK(count_rows(engine, "SELECT count(*) FROM reviews WHERE book_id = 3") == 0);
        CHECK(count_rows(engine, "SELECT count(*) FROM books WHERE id IN (5, 10) AND publisher_id IS NULL") == 2);
        CHECK(count_rows(engine, "SELECT count(*) FROM publishers WHERE id = 1") == 0);
    });
}

TEST_CASE("deleting a parent sets its children's nullable foreign key to NULL, a tree's too") {
    for_each_backend([](strata::engine& engine) {
        using namespace library;
        seed(engine, 2, 5);  // publisher 1 has books 5 and 10
        {
            strata::session session{engine};
            session.remove(session.get<publisher>(1));  // its books are not loaded: loaded, then nulled
            strata::statement_counter counter{engine};
            session.commit();
            const auto statements = counter.statements();
            REQUIRE(statements.size() == 3);
            CHECK(statements[0].starts_with("UPDATE books SET publisher_id = "));
            CHECK(statements[1].starts_with("UPDATE books SET publisher_id = "));
            CHECK(statements[2].starts_with("DELETE FROM publishers"));
            CHECK(count_rows(engine, "SELECT count(*) FROM books WHERE publisher_id IS NULL") == 2);
            CHECK(count_rows(engine, "SELECT count(*) FROM books") == 10);
        }
        fresh_tree(engine);
        {
            auto connection = engine.connect();
            connection.execute(
                "INSERT INTO categories (id, name, parent_id) VALUES (1, 'root', NULL), (2, 'a', 1), (3, 'b', 1)");
        }
        strata::session session{engine};
        session.remove(session.get<category>(1));
        session.commit();
        const auto parents = stored_parents(engine);
        REQUIRE(parents.size() == 2);
        CHECK(parents.at(2) == std::nullopt);
        CHECK(parents.at(3) == std::nullopt);
    });
}

TEST_CASE("deleting categories that are each other's parent deletes them in one statement") {
    for_each_backend([](strata::engine& engine) {
        fresh_tree(engine);
        {
            // 2 and 4 are each other's parent; 7 and 9 are children of 2, and 5 of 4 stays.
            auto connection = engine.connect();
            connection.execute(
                "INSERT INTO categories (id, name, parent_id) VALUES (2, 'a', NULL), (4, 'b', 2), "
                "(7, 'c', 2), (9, 'd', 2), (5, 'e', 4)");
            connection.execute("UPDATE categories SET parent_id = 4 WHERE id = 2");
        }
        strata::session session{engine};
        std::vector<strata::ref<category>> doomed;
        for (const std::int64_t id : {7, 4, 2, 9}) doomed.push_back(session.get<category>(id));
        for (const auto& item : doomed) session.remove(item);
        strata::statement_counter counter{engine};
        session.commit();
        const auto statements = counter.statements();
        REQUIRE_FALSE(statements.empty());
        // 4's remaining child 5 is nulled first (its collection is loaded for the cascade); the
        // four rows then go in one DELETE, which the database checks as a whole.
        CHECK(statements.back() == "DELETE FROM categories WHERE id IN (" + placeholder_of(engine, 1) + ", " +
                                       placeholder_of(engine, 2) + ", " + placeholder_of(engine, 3) + ", " +
                                       placeholder_of(engine, 4) + ")");
        const auto parents = stored_parents(engine);
        REQUIRE(parents.size() == 1);
        CHECK(parents.at(5) == std::nullopt);
    });
}

TEST_CASE("deleting a parent whose children's foreign key cannot be NULL fails with foreign_key_violation") {
    for_each_backend([](strata::engine& engine) {
        using namespace library;
        seed(engine, 2, 2);
        strata::session session{engine};
        session.remove(session.get<author>(1));
        CHECK_THROWS_AS(session.flush(), strata::foreign_key_violation);
        session.rollback();
        CHECK(count_rows(engine, "SELECT count(*) FROM authors") == 2);
        CHECK(count_rows(engine, "SELECT count(*) FROM books") == 4);
    });
}

TEST_CASE("assigning nullptr to a many-to-one clears it and nulls its foreign key") {
    for_each_backend([](strata::engine& engine) {
        using namespace library;
        seed(engine, 1, 5);  // book 5 has publisher 1
        strata::session session{engine};
        auto item = session.get<book>(5);
        auto previous = item->publisher_ref.get();
        REQUIRE(previous);
        REQUIRE(previous->books.size() == 1);
        item->publisher_ref = nullptr;
        CHECK(!item->publisher_ref.current());
        CHECK(previous->books.size() == 0);  // the other side follows in memory
        session.commit();
        CHECK(count_rows(engine, "SELECT count(*) FROM books WHERE id = 5 AND publisher_id IS NULL") == 1);
    });
}

TEST_CASE("adding a child to another parent's collection takes it out of its previous parent's loaded collection") {
    for_each_backend([](strata::engine& engine) {
        fresh_tree(engine);
        {
            auto connection = engine.connect();
            connection.execute(
                "INSERT INTO categories (id, name, parent_id) VALUES (1, 'first', NULL), (2, 'second', NULL), "
                "(3, 'child', 1)");
        }
        strata::session session{engine};
        auto first = session.get<category>(1);
        auto second = session.get<category>(2);
        REQUIRE(first->children.size() == 1);  // loaded; the child's own parent reference is not
        auto child = first->children[0];
        REQUIRE(!child->parent.is_loaded());
        second->children.add(child);
        CHECK(first->children.size() == 0);
        CHECK(second->children.size() == 1);
        session.commit();
        CHECK(stored_parents(engine).at(3) == 2);
    });
}

TEST_CASE("a child moved into a collection and removed from it again is left without a parent") {
    for_each_backend([](strata::engine& engine) {
        using namespace library;
        seed(engine, 1, 2);  // book 2 belongs to publisher 3
        strata::session session{engine};
        auto moved = session.get<book>(2);
        auto fourth = session.get<publisher>(4);
        fourth->books.add(moved);     // book 2 leaves publisher 3 for publisher 4 ...
        fourth->books.remove(moved);  // ... and leaves publisher 4 again: SQLAlchemy sets its publisher to None
        CHECK_FALSE(moved->publisher_ref.current());
        session.commit();
        CHECK(count_rows(engine, "SELECT count(*) FROM books WHERE id = 2 AND publisher_id IS NULL") == 1);
        CHECK(count_rows(engine, "SELECT count(*) FROM books WHERE publisher_id IS NOT NULL") == 1);
    });
}

TEST_CASE("a child taken out of a collection and pointed back through its reference keeps its parent") {
    for_each_backend([](strata::engine& engine) {
        using namespace library;
        seed(engine, 1, 2);  // book 2 belongs to publisher 3
        strata::session session{engine};
        auto third = session.get<publisher>(3);
        auto moved = session.get<book>(2);
        REQUIRE(third->books.remove(moved));  // its reference was never loaded
        moved->publisher_ref = third;         // not the stale foreign key: the reference says "none" now
        session.commit();
        CHECK(count_rows(engine, "SELECT count(*) FROM books WHERE id = 2 AND publisher_id = 3") == 1);
    });
}
