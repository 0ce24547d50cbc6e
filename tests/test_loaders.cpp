// Relationships and loader strategies, counted through engine events on both databases.
#include <catch2/catch.hpp>

#include <algorithm>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "support/backends.hpp"
#include "support/library.hpp"
#include "support/tree.hpp"

using namespace library;
using strata::col;
using strata::testing::count_rows;
using strata::testing::for_each_backend;

namespace {

/// The graph as plain values: author id -> ordered book ids, for comparing strategies.
std::map<std::int64_t, std::vector<std::int64_t>> graph_of(const std::vector<strata::ref<author>>& authors) {
    std::map<std::int64_t, std::vector<std::int64_t>> graph;
    for (const auto& item : authors)
        for (const auto& written : item->books) graph[item->id].push_back(written->id);
    return graph;
}

/// An edition names its author twice: as `writer`, a declared many-to-one, and as `editor`, a
/// plain member its mapping declares no relationship for.
struct edition {
    std::int64_t id = 0;
    std::int64_t author_id = 0;
    strata::one<author> writer{};
    strata::one<author> editor{};
};

}  // namespace

template <>
struct strata::mapping<edition> {
    static constexpr auto table =
        strata::table("editions", strata::column<&edition::id>("id", strata::primary_key),
                      strata::column<&edition::author_id>("author_id", strata::references<&author::id>()),
                      strata::many_to_one<&edition::writer, &edition::author_id>("edition.writer"));
};

TEST_CASE("a join or loader option on a member its mapping declares no relationship for is a usage_error") {
    for_each_backend([](strata::engine& engine) {
        // editions reference authors, which every other test here drops and creates again.
        strata::drop_all<edition>(engine);
        struct dropped_at_end {
            strata::engine& engine;
            ~dropped_at_end() {
                try {
                    strata::drop_all<edition>(engine);
                } catch (const strata::error&) {  // the test's own failure is what to report
                }
            }
        } cleanup{engine};
        seed(engine, 2, 1);
        strata::create_all<edition>(engine);
        strata::session session{engine};
        session.add(edition{.id = 1, .author_id = 2});
        session.commit();
        using Catch::Matchers::Message;
        const auto expected = Message(
            "this member is not a relationship of editions: declare one_to_many/many_to_one/many_to_many in its "
            "mapping");
        CHECK_THROWS_MATCHES(session.query<edition>().join(&edition::editor), strata::usage_error, expected);
        CHECK_THROWS_MATCHES(session.query<edition>().outerjoin(&edition::editor), strata::usage_error, expected);
        CHECK_THROWS_MATCHES(strata::joinedload(&edition::editor), strata::usage_error, expected);
        CHECK_THROWS_MATCHES(strata::contains_eager(&edition::editor), strata::usage_error, expected);
        // The declared member of the same type joins, and its eager load fills it.
        strata::statement_counter counter{engine};
        const auto found = session.query<edition>()
                               .join(&edition::writer)
                               .options(strata::contains_eager(&edition::writer))
                               .filter(col<&author::name> == "author 2")
                               .all();
        REQUIRE(found.size() == 1);
        CHECK(found[0]->writer->name == "author 2");
        CHECK(counter.count() == 1);
        CHECK(counter.statements()[0].find("JOIN authors ON authors.id = editions.author_id") != std::string::npos);
    });
}

TEST_CASE("a query's join along each kind of relationship writes its ON condition from the keys") {
    for_each_backend([](strata::engine& engine) {
        seed(engine, 3, 2);
        strata::session session{engine};
        strata::statement_counter counter{engine};
        // A one-to-many (the targets hold the foreign key), a many-to-one (the parents do), and a
        // many-to-many through its association table.
        CHECK(session.query<author>().join(&author::books).filter(col<&book::title> != "").count() == 6);
        CHECK(session.query<book>().join(&book::writer).filter(col<&author::name> == "author 1").count() == 2);
        CHECK(session.query<book>().outerjoin(&book::tags).count() == 12);
        REQUIRE(counter.count() == 3);
        CHECK(counter.statements()[0].find("JOIN books ON books.author_id = authors.id") != std::string::npos);
        CHECK(counter.statements()[1].find("JOIN authors ON authors.id = books.author_id") != std::string::npos);
        CHECK(counter.statements()[2].find("LEFT OUTER JOIN book_tags ON book_tags.book_id = books.id LEFT OUTER "
                                           "JOIN tags ON tags.id = book_tags.tag_id") != std::string::npos);
    });
}

TEST_CASE("lazy loading is the default: 1,000 books of 100 authors cost 1 + 100 statements") {
    for_each_backend([](strata::engine& engine) {
        seed(engine, 100, 10);
        strata::session session{engine};
        strata::statement_counter counter{engine};
        std::size_t names = 0;
        for (const auto& item : session.query<book>().all()) names += item->writer->name.size();
        CHECK(counter.count() == 1 + 100);
        CHECK(names > 0);
        // A many-to-one whose target is already in the identity map costs no statement.
        counter.reset();
        auto first = session.query<book>().filter(col<&book::id> == 1).one();
        CHECK(first->writer->name == "author 1");
        CHECK(counter.count() == 1);
    });
}

TEST_CASE("joinedload of a many-to-one loads 1,000 books with their authors in one statement") {
    for_each_backend([](strata::engine& engine) {
        seed(engine, 100, 10);
        strata::session session{engine};
        strata::statement_counter counter{engine};
        const auto books = session.query<book>().options(strata::joinedload(&book::writer)).all();
        for (const auto& item : books) CHECK(item->writer.is_loaded());
        CHECK(books.at(0)->writer->name == "author 1");
        CHECK(books.size() == 1000);
        CHECK(counter.count() == 1);
        CHECK(counter.statements()[0].find("LEFT OUTER JOIN authors AS authors_1 ON authors_1.id = books.author_id") !=
              std::string::npos);
    });
}

TEST_CASE("selectinload loads 100 authors' books in two statements, 1,200 authors' in 1 + 3") {
    for_each_backend([](strata::engine& engine) {
        seed(engine, 1200, 2);
        strata::session session{engine};
        strata::statement_counter counter{engine};
        auto first =
            session.query<author>().filter(col<&author::id> <= 100).options(strata::selectinload(&author::books)).all();
        CHECK(counter.count() == 2);
        CHECK(counter.statements()[1].find(engine.sql_dialect() == strata::dialect::postgresql
                                               ? "WHERE books.author_id = ANY($1::BIGINT[])"
                                               : "WHERE books.author_id IN (?, ?, ") != std::string::npos);
        std::size_t books = 0;
        for (const auto& item : first) books += item->books.size();
        CHECK(books == 200);
        CHECK(counter.count() == 2);
        session.clear();
        counter.reset();
        auto all = session.query<author>().options(strata::selectinload(&author::books)).all();
        CHECK(all.size() == 1200);
        CHECK(counter.count() == 1 + 3);  // batches of 500 keys
        CHECK(all.back()->books.size() == 2);
        CHECK(counter.count() == 1 + 3);
    });
}

TEST_CASE("loading relationships is not a use: no loaded parent or child waits for the autoflush's comparison") {
    for_each_backend([](strata::engine& engine) {
        seed(engine, 20, 5);
        strata::session session{engine};
        const auto touched = [](const auto& handle) { return handle.state()->touched; };
        std::size_t marked = 0;
        std::size_t children = 0;
        for (const auto& joined : session.query<book>().options(strata::joinedload(&book::writer)).all())
            marked += touched(joined) + touched(strata::orm::object_of(joined).writer.current());
        session.clear();
        for (const auto& parent : session.query<author>().options(strata::selectinload(&author::books)).all()) {
            marked += touched(parent);
            for (const auto& child : strata::orm::object_of(parent).books) {
                marked += touched(child);
                ++children;
            }
        }
        CHECK(children == 100);
        CHECK(marked == 0);
    });
}

TEST_CASE("selectinload of a many-to-one loads the distinct targets in one IN statement") {
    for_each_backend([](strata::engine& engine) {
        seed(engine, 100, 10);
        strata::session session{engine};
        strata::statement_counter counter{engine};
        const auto books = session.query<book>().options(strata::selectinload(&book::writer)).all();
        for (const auto& item : books) CHECK(item->writer->id == item->author_id);
        CHECK(counter.count() == 2);
    });
}

TEST_CASE("joinedload of a collection folds duplicate parent rows into one object each") {
    for_each_backend([](strata::engine& engine) {
        seed(engine, 100, 10);
        strata::session session{engine};
        strata::statement_counter counter{engine};
        const auto authors = session.query<author>().options(strata::joinedload(&author::books)).all();
        CHECK(counter.count() == 1);
        // one entry per author, though each came on 10 joined rows
        std::set<const author*> distinct;
        for (const auto& item : authors) distinct.insert(item.get());
        CHECK(authors.size() == 100);
        CHECK(distinct.size() == 100);
        CHECK(authors.front()->books.size() == 10);
        CHECK(counter.count() == 1);
    });
}

TEST_CASE("join without contains_eager still loads lazily (101); with contains_eager it is 1") {
    for_each_backend([](strata::engine& engine) {
        seed(engine, 100, 10);
        {
            strata::session session{engine};
            strata::statement_counter counter{engine};
            for (const auto& item : session.query<book>().join(&book::writer).all()) (void)item->writer->name;
            CHECK(counter.count() == 101);
        }
        strata::session session{engine};
        strata::statement_counter counter{engine};
        const auto books = session.query<book>()
                               .join(&book::writer)
                               .filter(col<&author::name> != "nobody")
                               .options(strata::contains_eager(&book::writer))
                               .all();
        for (const auto& item : books) CHECK(item->writer->id == item->author_id);
        CHECK(counter.count() == 1);
    });
}

TEST_CASE("contains_eager with a filtered join fills collections with the matching children only") {
    for_each_backend([](strata::engine& engine) {
        seed(engine, 10, 10);
        strata::session session{engine};
        const auto authors = session.query<author>()
                                 .join(&author::books)
                                 .filter(col<&book::publisher_id> == 1)
                                 .options(strata::contains_eager(&author::books))
                                 .all();
        for (const auto& item : authors)
            for (const auto& written : item->books) CHECK(written->publisher_id == 1);
        CHECK_FALSE(authors.empty());
        CHECK(authors.front()->books.size() == 2);
    });
}

TEST_CASE("contains_eager of a collection lists each parent's targets in key order, after the query's own order") {
    for_each_backend([](strata::engine& engine) {
        seed(engine, 3, 4);
        {
            // Rows written out of key order: a table scan returns them so.
            strata::session session{engine};
            for (const auto& item : session.query<book>().filter(col<&book::author_id> == 2).all())
                item->title = "retitled";
            session.commit();
        }
        strata::session session{engine};
        strata::statement_counter counter{engine};
        const auto authors = session.query<author>()
                                 .outerjoin(&author::books)
                                 .order_by(col<&author::id>.desc())
                                 .options(strata::contains_eager(&author::books))
                                 .all();
        REQUIRE(authors.size() == 3);
        CHECK(graph_of(authors) == std::map<std::int64_t, std::vector<std::int64_t>>{
                                       {1, {1, 2, 3, 4}}, {2, {5, 6, 7, 8}}, {3, {9, 10, 11, 12}}});
        CHECK(authors.front()->id == 3);
        REQUIRE(counter.count() == 1);
        CHECK(counter.statements()[0].ends_with("ORDER BY authors.id DESC, books.id"));
    });
}

TEST_CASE("a session's end frees a graph around an object its transaction inserted, loaded through nested selectins") {
    // What fails here is the leak check of the sanitizer build (scripts/test.sh): the list of
    // inserted objects (for a rollback) counted as a handle from outside, and the new book and
    // its author kept each other alive after the session.
    for_each_backend([](strata::engine& engine) {
        seed(engine, 3, 2);
        strata::session session{engine};
        book fresh;
        fresh.id = 101;
        fresh.title = "new";
        fresh.author_id = 2;
        session.get<author>(2)->books.add(session.add(std::move(fresh)));
        const auto books =
            session.query<book>().options(strata::selectinload(&book::tags).selectinload(&tag::books)).all();
        CHECK(books.size() == 7);
    });
}

TEST_CASE("raiseload makes a lazy load throw lazy_load_forbidden naming the relationship") {
    for_each_backend([](strata::engine& engine) {
        seed(engine, 3, 2);
        {
            strata::session session{engine};  // one session at a time: a memory database has one connection
            const auto authors = session.query<author>().options(strata::raiseload(&author::books)).all();
            CHECK_THROWS_AS(authors.front()->books.size(), strata::lazy_load_forbidden);
            CHECK_THROWS_WITH(authors.front()->books.size(), Catch::Contains("author.books"));
        }
        strata::session guarded{engine, {.raiseload = true}};
        const auto books = guarded.query<book>().all();
        CHECK_THROWS_AS(books.front()->writer->name, strata::lazy_load_forbidden);
        const auto loaded = guarded.query<book>().options(strata::joinedload(&book::writer)).all();
        CHECK(loaded.front()->writer->name == "author 1");
        const auto opted_in = guarded.query<author>().options(strata::lazyload(&author::books)).all();
        CHECK(opted_in.front()->books.size() == 2);
    });
}

TEST_CASE("chained loaders load nested levels in the predicted statement counts") {
    for_each_backend([](strata::engine& engine) {
        seed(engine, 100, 10);
        {
            strata::session session{engine};
            strata::statement_counter counter{engine};
            const auto authors = session.query<author>()
                                     .options(strata::selectinload(&author::books).joinedload(&book::publisher_ref))
                                     .all();
            std::size_t names = 0;
            for (const auto& item : authors)
                for (const auto& written : item->books) names += written->publisher_ref->name.size();
            CHECK(names > 0);
            CHECK(counter.count() == 2);
        }
        strata::session session{engine};
        strata::statement_counter counter{engine};
        const auto authors =
            session.query<author>().options(strata::selectinload(&author::books).selectinload(&book::reviews)).all();
        std::size_t stars = 0;
        for (const auto& item : authors)
            for (const auto& written : item->books)
                for (const auto& opinion : written->reviews) stars += static_cast<std::size_t>(opinion->stars);
        CHECK(stars == 1000 * 5);
        // authors + books (100 keys: one batch) + reviews (1,000 book keys: two batches of 500)
        CHECK(counter.count() == 1 + 1 + 2);
    });
}

TEST_CASE("a two-level selectin chain over at most 500 keys per level is 3 statements") {
    for_each_backend([](strata::engine& engine) {
        seed(engine, 100, 5);
        strata::session session{engine};
        strata::statement_counter counter{engine};
        const auto authors =
            session.query<author>().options(strata::selectinload(&author::books).selectinload(&book::reviews)).all();
        std::size_t reviews = 0;
        for (const auto& item : authors)
            for (const auto& written : item->books) reviews += written->reviews.size();
        CHECK(reviews == 500);
        CHECK(counter.count() == 3);
    });
}

TEST_CASE("selectinload's chained options reach the books of a collection the session loaded before") {
    for_each_backend([](strata::engine& engine) {
        seed(engine, 3, 4);
        strata::session session{engine};
        const auto first = session.get<author>(std::int64_t{1});
        REQUIRE(first->books.size() == 4);  // loaded lazily, before the query
        strata::statement_counter counter{engine};
        const auto authors =
            session.query<author>().options(strata::selectinload(&author::books).selectinload(&book::reviews)).all();
        // authors, every author's books (author 1's again, for the option chained under them), reviews
        CHECK(counter.count() == 3);
        std::size_t reviews = 0;
        for (const auto& item : authors)
            for (const auto& written : item->books) reviews += written->reviews.size();
        CHECK(reviews == 12);
        CHECK(counter.count() == 3);      // no review loaded lazily
        CHECK(first->books.size() == 4);  // the loaded collection kept, not appended to again
    });
}

TEST_CASE("selectinload of a tree's children with joinedload of theirs under it lists each child once") {
    for_each_backend([](strata::engine& engine) {
        strata::testing::fresh_tables<tree::category>(engine);
        {
            strata::session session{engine};
            // 1 -> (2, 3), 2 -> (4, 5), 3 -> (6): the children's rows are also parents' rows.
            for (const auto& [id, parent] : std::vector<std::pair<std::int64_t, std::optional<std::int64_t>>>{
                     {1, std::nullopt}, {2, 1}, {3, 1}, {4, 2}, {5, 2}, {6, 3}}) {
                session.add(tree::make("category " + std::to_string(id), id, parent));
                session.flush();
            }
            session.commit();
        }
        strata::session session{engine};
        strata::statement_counter counter{engine};
        const auto categories =
            session.query<tree::category>()
                .order_by(col<&tree::category::id>)
                .options(strata::selectinload(&tree::category::children).joinedload(&tree::category::children))
                .all();
        CHECK(counter.count() == 2);
        std::map<std::int64_t, std::vector<std::int64_t>> children;
        for (const auto& item : categories)
            for (const auto& child : item->children) children[item->id].push_back(child->id);
        const std::map<std::int64_t, std::vector<std::int64_t>> expected{{1, {2, 3}}, {2, {4, 5}}, {3, {6}}};
        CHECK(children == expected);
        CHECK(counter.count() == 2);
    });
}

TEST_CASE("joinedload leaves a collection the session loaded before as it is; populate_existing loads it again") {
    for_each_backend([](strata::engine& engine) {
        seed(engine, 2, 3);
        // Without autoflush, a change the database has not seen yet stays in the session only.
        strata::session session{engine, {.autoflush = false}};
        const auto first = session.get<author>(std::int64_t{1});
        const auto moved = session.get<book>(std::int64_t{4});  // author 2's
        first->books.add(moved);
        REQUIRE(first->books.size() == 4);
        auto authors = session.query<author>().options(strata::joinedload(&author::books)).all();
        CHECK(first->books.size() == 4);  // the session's picture, with the unflushed change
        CHECK(first->books.contains(moved));
        authors = session.query<author>().populate_existing().options(strata::joinedload(&author::books)).all();
        CHECK(first->books.size() == 3);  // the rows' picture
        session.rollback();
    });
}

TEST_CASE("every strategy builds the same object graph") {
    for_each_backend([](strata::engine& engine) {
        seed(engine, 20, 5);
        std::map<std::int64_t, std::vector<std::int64_t>> lazy, selectin, joined;
        {
            strata::session session{engine};
            lazy = graph_of(session.query<author>().order_by(col<&author::id>).all());
        }
        {
            strata::session session{engine};
            selectin = graph_of(session.query<author>().options(strata::selectinload(&author::books)).all());
        }
        {
            strata::session session{engine};
            joined = graph_of(session.query<author>().options(strata::joinedload(&author::books)).all());
        }
        CHECK(lazy.size() == 20);
        CHECK(lazy == selectin);
        CHECK(lazy == joined);
    });
}

TEST_CASE("a graph loaded one way is freed without the cycle check, and a kept parent keeps its children") {
    for_each_backend([](strata::engine& engine) {
        seed(engine, 3, 2);
        std::weak_ptr<strata::orm::tracked_object> dropped_author;
        std::weak_ptr<strata::orm::tracked_object> dropped_book;
        strata::ref<author> kept;
        {
            strata::session session{engine};
            const auto authors = session.query<author>().options(strata::selectinload(&author::books)).all();
            REQUIRE(!authors[1]->books[0]->writer.is_loaded());  // one direction only: no cycle can exist
            dropped_author = authors[1].state();
            dropped_book = authors[1]->books[0].state();
            kept = authors[0];
        }
        CHECK(dropped_author.expired());
        CHECK(dropped_book.expired());
        CHECK(kept->books.size() == 2);  // still loaded after the session, owned through the kept parent
        CHECK(kept.status() == strata::object_status::detached);
    });
}

TEST_CASE(
    "objects loaded both ways (author.books and book.writer) are freed at the session's end when nobody holds them") {
    for_each_backend([](strata::engine& engine) {
        seed(engine, 3, 2);
        std::weak_ptr<strata::orm::tracked_object> author_state;
        std::weak_ptr<strata::orm::tracked_object> book_state;
        {
            strata::session session{engine};
            const auto books = session.query<book>().options(strata::joinedload(&book::writer)).all();
            const auto authors = session.query<author>().options(strata::selectinload(&author::books)).all();
            REQUIRE(authors.front()->books[0]->writer.get() == authors.front());  // the cycle exists
            author_state = authors.front().state();
            book_state = books[0].state();
        }
        CHECK(author_state.expired());
        CHECK(book_state.expired());
    });
}

TEST_CASE(
    "a handle kept past the session's end keeps what it reaches, loaded relationships included, and leaks no cycle") {
    for_each_backend([](strata::engine& engine) {
        seed(engine, 3, 2);
        strata::ref<author> kept;
        std::weak_ptr<strata::orm::tracked_object> other_author;
        {
            strata::session session{engine};
            auto authors = session.query<author>().options(strata::selectinload(&author::books)).all();
            for (const auto& written : authors.front()->books) CHECK(written->writer->id == authors.front()->id);
            kept = authors.front();
            other_author = authors.back().state();
        }
        CHECK(other_author.expired());  // held by nobody: freed, although it was loaded with its books
        CHECK(kept.status() == strata::object_status::detached);
        REQUIRE(kept->books.size() == 2);  // loaded: readable without a session
        CHECK(kept->books[0]->writer->name == kept->name);
        // What was never loaded cannot load any more: a typed error, not a dangling session.
        CHECK(kept->books[0]->reviews.is_loaded() == false);
        CHECK_THROWS_AS(kept->books[0]->reviews.size(), strata::usage_error);
        CHECK_THROWS_WITH(kept->books[0]->reviews.size(), Catch::Contains("not attached to a session"));
        // The detached pair is held one way (author -> books): dropping the author frees it even
        // though a book still points back; a book kept alone says so instead of dangling.
        std::weak_ptr<strata::orm::tracked_object> released = kept.state();
        const auto book_only = kept->books[0];
        kept = {};
        CHECK(released.expired());
        CHECK_THROWS_AS(book_only->writer->name, strata::usage_error);
        CHECK_THROWS_WITH(book_only->writer->name, Catch::Contains("book.writer") && Catch::Contains("keep a handle"));
    });
}

namespace by_code {

struct shipment;

/// A country known by its id, referenced by its unique ISO code.
struct country {
    std::int64_t id = 0;
    std::string code;
    std::string name;
};

/// A shipment pointing at its country through the code, not the id.
struct shipment {
    std::int64_t id = 0;
    std::optional<std::string> country_code;
    strata::one<country> destination{};
};

}  // namespace by_code

template <>
struct strata::mapping<by_code::country> {
    static constexpr auto table =
        strata::table("loader_countries", strata::column<&by_code::country::id>("id", strata::primary_key),
                      strata::column<&by_code::country::code>("code", strata::unique),
                      strata::column<&by_code::country::name>("name"));
};

template <>
struct strata::mapping<by_code::shipment> {
    static constexpr auto table = strata::table(
        "loader_shipments", strata::column<&by_code::shipment::id>("id", strata::primary_key),
        strata::column<&by_code::shipment::country_code>("country_code", strata::references<&by_code::country::code>()),
        strata::many_to_one<&by_code::shipment::destination, &by_code::shipment::country_code>("shipment.destination"));
};

TEST_CASE("a many-to-one to a unique column that is not the key loads by that column, lazily or by selectinload") {
    for_each_backend([](strata::engine& engine) {
        strata::drop_all<by_code::shipment, by_code::country>(engine);
        strata::create_all<by_code::country, by_code::shipment>(engine);
        {
            strata::session session{engine};
            session.add(by_code::country{.id = 1, .code = "NO", .name = "Norway"});
            session.add(by_code::country{.id = 2, .code = "PE", .name = "Peru"});
            session.commit();
            session.add(by_code::shipment{.id = 10, .country_code = "PE"});
            session.add(by_code::shipment{.id = 11, .country_code = "NO"});
            session.add(by_code::shipment{.id = 12, .country_code = std::nullopt});
            session.commit();
        }
        const bool postgresql = engine.sql_dialect() == strata::dialect::postgresql;
        {
            strata::session session{engine};
            const auto shipments = session.query<by_code::shipment>().order_by(col<&by_code::shipment::id>).all();
            strata::statement_counter counter{engine};
            CHECK(shipments[0]->destination->name == "Peru");
            REQUIRE(counter.count() == 1);
            CHECK(counter.statements()[0] ==
                  std::string{"SELECT loader_countries.id, loader_countries.code, loader_countries.name FROM "
                              "loader_countries WHERE loader_countries.code = "} +
                      (postgresql ? "$1 LIMIT $2" : "? LIMIT ?"));
            CHECK(shipments[1]->destination->id == 1);
            CHECK_FALSE(shipments[2]->destination.get());  // NULL key: no statement
            CHECK(counter.count() == 2);
            // the object loaded by its code is the identity map's, whatever way it is reached
            CHECK(session.get<by_code::country>(std::int64_t{2}).get() == shipments[0]->destination.get().get());
            CHECK(counter.count() == 2);
        }
        {
            strata::session session{engine};
            strata::statement_counter counter{engine};
            const auto shipments = session.query<by_code::shipment>()
                                       .options(strata::selectinload(&by_code::shipment::destination))
                                       .order_by(col<&by_code::shipment::id>)
                                       .all();
            REQUIRE(counter.count() == 2);
            CHECK(counter.statements()[1].find(postgresql
                                                   ? "WHERE loader_countries.code = ANY($1::TEXT[])"
                                                   : "WHERE loader_countries.code IN (?, ?)") != std::string::npos);
            CHECK(shipments[0]->destination->code == "PE");
            CHECK(shipments[1]->destination->name == "Norway");
            CHECK_FALSE(shipments[2]->destination.get());
            CHECK(counter.count() == 2);
        }
        strata::drop_all<by_code::shipment, by_code::country>(engine);
    });
}

TEST_CASE("after commit a query's eager options load collections again, with the rows committed since") {
    for_each_backend([](strata::engine& engine) {
        seed(engine, 2, 2);  // author 1 has books 1 and 2
        strata::session session{engine};
        const auto by_id = [&session](auto option) {
            return session.query<author>().options(option).order_by(col<&author::id>).all();
        };
        const auto first = by_id(strata::selectinload(&author::books));
        REQUIRE(first[0]->books.size() == 2);
        session.commit();
        // A worker's next round: another transaction added a book and moved one meanwhile.
        {
            auto connection = engine.connect();
            connection.execute("INSERT INTO books (id, title, author_id) VALUES (100, 'new', 1)");
            connection.execute("UPDATE books SET author_id = 2 WHERE id = 2");
        }
        strata::statement_counter counter{engine};
        const auto second = by_id(strata::selectinload(&author::books));
        CHECK(counter.count() == 2);
        std::vector<std::int64_t> ids;
        for (const auto& written : second[0]->books) ids.push_back(written->id);
        CHECK(ids == std::vector<std::int64_t>{1, 100});
        CHECK(second[1]->books.size() == 3);  // books 2, 3 and 4
        CHECK(counter.count() == 2);          // filled by the selectinload, not lazily
        session.commit();
        {
            auto connection = engine.connect();
            connection.execute("UPDATE books SET author_id = 2 WHERE id = 100");
        }
        const auto third = by_id(strata::joinedload(&author::books));
        CHECK(third[0]->books.size() == 1);
        CHECK(third[1]->books.size() == 4);
    });
}

TEST_CASE("after commit a query that meets a book loads its writer again, by the key it read") {
    for_each_backend([](strata::engine& engine) {
        seed(engine, 2, 2);
        strata::session session{engine};
        auto item = session.get<book>(1);
        REQUIRE(item->writer->id == 1);
        session.commit();
        {
            auto connection = engine.connect();
            connection.execute("UPDATE books SET author_id = 2 WHERE id = 1");
        }
        const auto found = session.query<book>().filter(col<&book::id> == 1).one();
        CHECK(found->author_id == 2);
        CHECK(found->writer->id == 2);  // not the author 1 it held before the commit
        session.close();
        // A relationship with a change not flushed yet stays as it is (no autoflush here).
        strata::session manual{engine, strata::session_options{.autoflush = false}};
        auto kept = manual.get<book>(1);
        auto other = manual.get<author>(1);
        kept->writer = other;
        manual.commit();  // writes author_id = 1 back
        kept->writer = manual.get<author>(2);
        const auto again = manual.query<book>().filter(col<&book::id> == 1).one();
        CHECK(again->writer->id == 2);  // the change, not the row's author_id = 1
        manual.commit();
        CHECK(count_rows(engine, "SELECT count(*) FROM books WHERE id = 1 AND author_id = 2") == 1);
    });
}

TEST_CASE("refresh() loads the object's relationships again, as SQLAlchemy's refresh does") {
    for_each_backend([](strata::engine& engine) {
        seed(engine, 2, 2);
        strata::session session{engine};
        auto first = session.get<author>(1);
        REQUIRE(first->books.size() == 2);
        session.connection().execute("INSERT INTO books (id, title, author_id) VALUES (100, 'new', 1)");
        session.refresh(first);
        CHECK(first->books.size() == 3);
    });
}

TEST_CASE(
    "after commit a collection loads without a child another transaction moved, though the child still held its old "
    "writer") {
    for_each_backend([](strata::engine& engine) {
        seed(engine, 2, 2);  // author 1 has books 1 and 2, author 2 books 3 and 4
        strata::session session{engine};
        const auto ids_of = [](const strata::ref<author>& parent) {
            std::vector<std::int64_t> ids;
            for (const auto& written : parent->books) ids.push_back(written->id);
            std::sort(ids.begin(), ids.end());
            return ids;
        };
        // Each author holds its books, and each book its writer, loaded.
        REQUIRE(session.query<author>().options(strata::joinedload(&author::books)).all().size() == 2);
        REQUIRE(session.query<book>().options(strata::joinedload(&book::writer)).all().size() == 4);
        session.commit();  // expires every object, with the relationships it held
        engine.connect().execute("UPDATE books SET author_id = 2 WHERE id = 1");
        // add() loads author 1's collection from the rows first: book 2 alone. Book 1's writer is
        // the previous transaction's, not a change of this session's to follow.
        const auto first = session.get<author>(1);
        book added;
        added.id = 100;
        added.title = "new";
        added.author_id = 1;
        first->books.add(session.add(std::move(added)));
        CHECK(ids_of(first) == std::vector<std::int64_t>{2, 100});
        // A selectinload that fills author 2's collection (author 1's has a change and stays).
        const auto found =
            session.query<author>().options(strata::selectinload(&author::books)).order_by(col<&author::id>).all();
        CHECK(ids_of(found[0]) == std::vector<std::int64_t>{2, 100});
        CHECK(ids_of(found[1]) == std::vector<std::int64_t>{1, 3, 4});
        CHECK(session.get<book>(1)->writer->id == 2);
        session.commit();
        CHECK(count_rows(engine, "SELECT count(*) FROM books WHERE id = 1 AND author_id = 2") == 1);
        CHECK(count_rows(engine, "SELECT count(*) FROM books WHERE id = 100 AND author_id = 1") == 1);
        session.close();
        // Without autoflush every load follows the session's changes: the same after a commit.
        strata::session manual{engine, strata::session_options{.autoflush = false}};
        REQUIRE(manual.query<book>().options(strata::joinedload(&book::writer)).all().size() == 5);
        manual.commit();
        engine.connect().execute("UPDATE books SET author_id = 1 WHERE id = 3");
        CHECK(ids_of(manual.get<author>(2)) == std::vector<std::int64_t>{1, 4});
        CHECK(ids_of(manual.get<author>(1)) == std::vector<std::int64_t>{2, 3, 100});
    });
}
