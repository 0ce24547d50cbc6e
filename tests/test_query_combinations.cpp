// Query combinations that gave wrong rows or failed on one database (issue 24): count() of a
// distinct or limited query, DISTINCT ordered by another table's column, yield_per with joined loads, a
// limited query with a joined collection ordered by, or eagerly loading, a table it joins itself.
#include <catch2/catch.hpp>

#include <set>
#include <string>
#include <vector>

#include "support/backends.hpp"
#include "support/library.hpp"

using namespace library;
using strata::col;
using strata::testing::for_each_backend;

namespace {

std::vector<std::int64_t> ids_of(const auto& objects) {
    std::vector<std::int64_t> ids;
    for (const auto& item : objects) ids.push_back(item->id);
    return ids;
}

bool any_statement_has(const strata::statement_counter& counter, const std::string& text) {
    for (const auto& statement : counter.statements())
        if (statement.find(text) != std::string::npos) return true;
    return false;
}

}  // namespace

TEST_CASE("count() of a distinct, limited or offset query counts it as a subquery") {
    for_each_backend([](strata::engine& engine) {
        seed(engine, 10, 3);  // 10 authors, 30 books
        strata::session session{engine};
        strata::statement_counter counter{engine};
        const auto with_books = session.query<author>().join<book>(col<&book::author_id> == col<&author::id>);
        CHECK(with_books.count() == 30);
        CHECK(with_books.distinct().count() == 10);
        CHECK(any_statement_has(counter,
                                "SELECT count(*) FROM (SELECT DISTINCT authors.id, authors.name FROM authors "
                                "JOIN books ON books.author_id = authors.id) AS anon_1"));
        CHECK(session.query<book>().order_by(col<&book::id>).limit(4).count() == 4);
        CHECK(session.query<book>().order_by(col<&book::id>).offset(28).count() == 2);
        CHECK(session.query<book>().order_by(col<&book::id>).limit(5).offset(27).count() == 3);
        // DISTINCT over (author, title) ordered by title: 30 distinct rows, of which the page holds 20.
        CHECK(with_books.distinct().order_by(col<&book::title>).limit(20).count() == 20);
        CHECK(session.query<author>().filter(col<&author::id> > 100).distinct().count() == 0);
    });
}

TEST_CASE("a distinct query ordered by a joined table's column returns each object once, in the same order on both") {
    for_each_backend([](strata::engine& engine) {
        seed(engine, 10, 3);
        strata::session session{engine};
        strata::statement_counter counter{engine};
        // Many-to-one: each book has one author name, so DISTINCT keeps every book.
        const auto by_author = session.query<book>()
                                   .join<author>(col<&author::id> == col<&book::author_id>)
                                   .order_by(col<&author::name>.desc(), col<&book::id>);
        const auto expected_books = ids_of(by_author.all());
        CHECK(expected_books.size() == 30);
        CHECK(ids_of(by_author.distinct().all()) == expected_books);
        CHECK(any_statement_has(counter,
                                "SELECT DISTINCT books.id, books.title, books.author_id, books.publisher_id, "
                                "authors.name FROM books JOIN authors"));
        // One-to-many: an author comes with each of its titles; each is kept once, where its first title sorts.
        std::vector<std::int64_t> expected_authors;
        {
            auto& connection = session.connection();  // SQLite's memory database has one connection
            for (const auto& [author_id, title] : connection.execute(
                     strata::select(col<&book::author_id>, col<&book::title>).order_by(col<&book::title>)))
                if (std::find(expected_authors.begin(), expected_authors.end(), author_id) == expected_authors.end())
                    expected_authors.push_back(author_id);
        }
        const auto authors = session.query<author>()
                                 .join<book>(col<&book::author_id> == col<&author::id>)
                                 .distinct()
                                 .order_by(col<&book::title>)
                                 .all();
        CHECK(ids_of(authors) == expected_authors);
        CHECK(authors.size() == 10);
    });
}

TEST_CASE(
    "Core's SELECT DISTINCT ordered by an expression it does not select is a usage_error on both, sending nothing") {
    for_each_backend([](strata::engine& engine) {
        seed(engine, 2, 2);
        auto connection = engine.connect();
        strata::statement_counter counter{engine};
        CHECK_THROWS_AS(connection.execute(strata::select(col<&author::name>)
                                               .join<book>(col<&book::author_id> == col<&author::id>)
                                               .distinct()
                                               .order_by(col<&book::title>)),
                        strata::usage_error);
        CHECK(counter.count() == 0);
    });
}

TEST_CASE("yield_per refuses a joined collection before any statement, and streams a joined many-to-one whole") {
    for_each_backend([](strata::engine& engine) {
        seed(engine, 40, 3);
        strata::session session{engine};
        strata::statement_counter counter{engine};
        CHECK_THROWS_AS(session.query<author>().options(strata::joinedload(&author::books)).yield_per(7),
                        strata::usage_error);
        CHECK_THROWS_WITH(session.query<author>().options(strata::joinedload(&author::books)).yield_per(7),
                          Catch::Contains("selectinload"));
        CHECK_THROWS_AS(
            session.query<author>().join(&author::books).options(strata::contains_eager(&author::books)).yield_per(7),
            strata::usage_error);
        CHECK_THROWS_AS(session.query<author>()
                            .join<book>(col<&book::author_id> == col<&author::id>)
                            .distinct()
                            .order_by(col<&book::title>)
                            .yield_per(7),
                        strata::usage_error);
        CHECK(counter.count() == 0);
        // A many-to-one repeats no parent: every book once, each with its author and no lazy load.
        const auto stream = [&](bool read_writers) {
            std::set<std::int64_t> seen;
            std::size_t rows = 0;
            counter.reset();
            for (const auto& item : session.query<book>()
                                        .options(strata::joinedload(&book::writer))
                                        .order_by(col<&book::id>)
                                        .yield_per(7)) {
                ++rows;
                seen.insert(item->id);
                if (read_writers) CHECK(item->writer->id == (item->id - 1) / 3 + 1);
            }
            CHECK(rows == 120);
            CHECK(seen.size() == 120);
            return counter.count();
        };
        const auto statements = stream(false);
        CHECK(stream(true) == statements);
    });
}

TEST_CASE("joinedload beside the query's own join of the same table: the eager load joins under its own alias") {
    for_each_backend([](strata::engine& engine) {
        seed(engine, 10, 3);
        strata::session session{engine};
        strata::statement_counter counter{engine};
        const auto books = session.query<book>()
                               .join<author>(col<&author::id> == col<&book::author_id>)
                               .filter(col<&author::name> == "author 2")
                               .options(strata::joinedload(&book::writer))
                               .order_by(col<&book::id>)
                               .all();
        CHECK(ids_of(books) == std::vector<std::int64_t>{4, 5, 6});
        for (const auto& item : books) CHECK(item->writer->name == "author 2");
        CHECK(counter.count() == 1);
        CHECK(any_statement_has(counter,
                                "JOIN authors ON authors.id = books.author_id LEFT OUTER JOIN authors AS "
                                "authors_1 ON authors_1.id = books.author_id"));
        // A collection eager-loaded beside a filtering join of its own table is loaded whole.
        session.clear();
        const auto authors = session.query<author>()
                                 .join<book>(col<&book::author_id> == col<&author::id>)
                                 .filter(col<&book::title> == "book 7")
                                 .options(strata::joinedload(&author::books))
                                 .all();
        REQUIRE(authors.size() == 1);
        CHECK(authors[0]->id == 3);
        CHECK(ids_of(authors[0]->books) == std::vector<std::int64_t>{7, 8, 9});
    });
}

TEST_CASE(
    "a limited query with a joined collection, ordered by a joined table's column, orders by it through the "
    "subquery") {
    for_each_backend([](strata::engine& engine) {
        seed(engine, 4, 3);  // author n wrote books 3n-2 .. 3n
        strata::session session{engine};
        strata::statement_counter counter{engine};
        const auto books = session.query<book>()
                               .join(&book::writer)
                               .order_by(col<&author::name>.desc(), col<&book::id>)
                               .limit(4)
                               .options(strata::joinedload(&book::reviews))
                               .all();
        CHECK(ids_of(books) == std::vector<std::int64_t>{10, 11, 12, 7});
        for (const auto& item : books) CHECK(item->reviews.size() == 1);
        REQUIRE(counter.count() == 1);
        // The subquery selects the author's name under a label, and only it is named outside.
        CHECK(any_statement_has(counter,
                                "authors.name AS strata_1 FROM books JOIN authors ON authors.id = "
                                "books.author_id ORDER BY authors.name DESC, books.id LIMIT "));
        CHECK(any_statement_has(counter,
                                ") AS books LEFT OUTER JOIN reviews AS reviews_1 ON reviews_1.book_id = "
                                "books.id ORDER BY books.strata_1 DESC, books.id, reviews_1.id"));
    });
}

TEST_CASE("contains_eager beside a joined collection under LIMIT reads its target through the subquery") {
    for_each_backend([](strata::engine& engine) {
        seed(engine, 4, 3);  // book n's publisher is n % 5 + 1
        strata::session session{engine};
        strata::statement_counter counter{engine};
        const auto books =
            session.query<book>()
                .outerjoin(&book::publisher_ref)
                .order_by(col<&book::id>)
                .limit(4)
                .offset(1)
                .options(strata::joinedload(&book::reviews), strata::contains_eager(&book::publisher_ref))
                .all();
        REQUIRE(ids_of(books) == std::vector<std::int64_t>{2, 3, 4, 5});
        for (const auto& item : books) {
            CHECK(item->publisher_ref->id == item->id % 5 + 1);
            CHECK(item->publisher_ref->name == "publisher " + std::to_string(item->id % 5 + 1));
            CHECK(item->reviews.size() == 1);
        }
        REQUIRE(counter.count() == 1);
        CHECK(any_statement_has(counter,
                                "publishers.id AS strata_1, publishers.name AS strata_2 FROM books LEFT OUTER "
                                "JOIN publishers ON publishers.id = books.publisher_id ORDER BY books.id"));
        CHECK(any_statement_has(counter,
                                "SELECT books.id, books.title, books.author_id, books.publisher_id, "
                                "books.strata_1, books.strata_2, reviews_1.id"));
    });
}
