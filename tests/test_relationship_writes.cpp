// Many-to-many, joinedload with LIMIT, and writing through relationships: both sides in step,
// foreign keys and association rows at flush, delete-orphan. Counted through engine events.
#include <catch2/catch.hpp>

#include <algorithm>
#include <map>
#include <optional>
#include <set>

#include "support/backends.hpp"
#include "support/library.hpp"

using namespace library;
using strata::col;
using strata::testing::count_rows;
using strata::testing::for_each_backend;
using strata::testing::placeholder_of;

namespace {

/// book id -> its tag ids, in order.
std::map<std::int64_t, std::vector<std::int64_t>> tags_of(const std::vector<strata::ref<book>>& books) {
    std::map<std::int64_t, std::vector<std::int64_t>> graph;
    for (const auto& item : books)
        for (const auto& label : item->tags) graph[item->id].push_back(label->id);
    return graph;
}

/// The tag ids of a book as the database has them (a fresh session).
std::vector<std::int64_t> stored_tags(strata::engine& engine, std::int64_t book_id) {
    strata::session fresh{engine};
    std::vector<std::int64_t> ids;
    for (const auto& label : fresh.get<book>(book_id)->tags) ids.push_back(label->id);
    return ids;
}

book new_book(std::int64_t id, std::string title, std::int64_t author_id = 0) {
    book made;
    made.id = id;
    made.title = std::move(title);
    made.author_id = author_id;
    return made;
}

review new_review(std::int64_t id, std::int64_t book_id = 0) {
    review made;
    made.id = id;
    made.book_id = book_id;
    return made;
}

/// The message of the usage_error `body` throws; empty (and a failed check) when it throws none.
template <class Body>
std::string usage_error_of(Body&& body) {
    try {
        body();
    } catch (const strata::usage_error& error) {
        return error.what();
    }
    FAIL_CHECK("no usage_error");
    return {};
}

}  // namespace

TEST_CASE("many-to-many loads lazily, with selectinload in 2 statements and joinedload in 1, the same tags") {
    for_each_backend([](strata::engine& engine) {
        seed(engine, 10, 10);  // 100 books, two tags each: 1 + id % 3 and 4 + id % 2
        std::map<std::int64_t, std::vector<std::int64_t>> lazy;
        {
            strata::session session{engine};
            strata::statement_counter counter{engine};
            const auto books = session.query<book>().order_by(col<&book::id>).all();
            lazy = tags_of(books);
            CHECK(counter.count() == 1 + 100);
            CHECK(counter.statements()[1] ==
                  "SELECT tags.id, tags.label FROM tags JOIN book_tags ON tags.id = book_tags.tag_id "
                  "WHERE book_tags.book_id = " +
                      placeholder_of(engine, 1) + " ORDER BY tags.id");
        }
        CHECK(lazy.size() == 100);
        CHECK(lazy[1] == std::vector<std::int64_t>{2, 5});
        CHECK(lazy[6] == std::vector<std::int64_t>{1, 4});
        {
            strata::session session{engine};
            strata::statement_counter counter{engine};
            const auto books = session.query<book>().options(strata::selectinload(&book::tags)).all();
            CHECK(counter.count() == 2);
            CHECK(counter.statements()[1].starts_with(
                std::string{"SELECT tags.id, tags.label, book_tags.book_id FROM tags JOIN book_tags ON tags.id = "
                            "book_tags.tag_id WHERE book_tags.book_id "} +
                (engine.sql_dialect() == strata::dialect::postgresql ? "= ANY(" : "IN (")));
            CHECK(tags_of(books) == lazy);
            CHECK(counter.count() == 2);
            // one object per tag row, shared by every book that has it (the identity map)
            std::set<const tag*> distinct;
            for (const auto& item : books)
                for (const auto& label : item->tags) distinct.insert(label.get());
            CHECK(distinct.size() == 5);  // tag 6 is on no book
        }
        {
            strata::session session{engine};
            strata::statement_counter counter{engine};
            const auto books = session.query<book>().options(strata::joinedload(&book::tags)).all();
            CHECK(counter.count() == 1);
            CHECK(counter.statements()[0].find(
                      "LEFT OUTER JOIN book_tags AS book_tags_1 ON book_tags_1.book_id = books.id "
                      "LEFT OUTER JOIN tags AS tags_1 ON tags_1.id = book_tags_1.tag_id") != std::string::npos);
            CHECK(books.size() == 100);
            CHECK(tags_of(books) == lazy);
            CHECK(counter.count() == 1);
        }
        {
            // the other side, declared with the association's keys swapped
            strata::session session{engine};
            strata::statement_counter counter{engine};
            const auto tags = session.query<tag>().options(strata::selectinload(&tag::books)).all();
            CHECK(counter.count() == 2);
            REQUIRE(tags.size() == 6);
            CHECK(tags[1]->books.size() == 34);  // tag 2: ids with id % 3 == 1
            CHECK(tags[1]->books[0]->id == 1);
            CHECK(tags[3]->books.size() == 50);  // tag 4: even ids
        }
    });
}

TEST_CASE("joinedload with innerjoin uses INNER JOIN for a not-nullable many-to-one, LEFT OUTER JOIN otherwise") {
    for_each_backend([](strata::engine& engine) {
        seed(engine, 10, 10);
        strata::session session{engine};
        strata::statement_counter counter{engine};
        const auto books = session.query<book>()
                               .options(strata::joinedload(&book::writer, strata::innerjoin),
                                        strata::joinedload(&book::publisher_ref, strata::innerjoin))
                               .all();
        CHECK(books.size() == 100);
        CHECK(books[0]->writer->id == 1);
        CHECK(books[0]->publisher_ref->id == 2);
        CHECK(counter.count() == 1);
        const auto sql = counter.statements()[0];
        CHECK(sql.find(" FROM books JOIN authors AS authors_1 ON authors_1.id = books.author_id "
                       "LEFT OUTER JOIN publishers AS publishers_1 ON publishers_1.id = books.publisher_id") !=
              std::string::npos);
    });
}

TEST_CASE("joinedload of a collection with limit and offset counts parents, not joined rows") {
    for_each_backend([](strata::engine& engine) {
        seed(engine, 10, 10);
        strata::session session{engine};
        strata::statement_counter counter{engine};
        const auto authors = session.query<author>()
                                 .filter(col<&author::id> > 1)
                                 .order_by(col<&author::id>)
                                 .limit(3)
                                 .offset(1)
                                 .options(strata::joinedload(&author::books))
                                 .all();
        REQUIRE(authors.size() == 3);
        CHECK(authors[0]->id == 3);
        CHECK(authors[2]->id == 5);
        for (const auto& item : authors) CHECK(item->books.size() == 10);
        CHECK(authors[0]->books[0]->id == 21);
        CHECK(counter.count() == 1);
        const auto sql = counter.statements()[0];
        CHECK(sql.starts_with(
            "SELECT authors.id, authors.name, books_1.id, books_1.title, books_1.author_id, "
            "books_1.publisher_id FROM (SELECT authors.id, authors.name FROM authors WHERE authors.id > "));
        CHECK(sql.find(") AS authors LEFT OUTER JOIN books AS books_1 ON books_1.author_id = authors.id "
                       "ORDER BY authors.id, books_1.id") != std::string::npos);
        // a many-to-many collection too, with a many-to-one joined beside it
        counter.reset();
        const auto books = session.query<book>()
                               .order_by(col<&book::id>.desc())
                               .limit(4)
                               .options(strata::joinedload(&book::tags), strata::joinedload(&book::writer))
                               .all();
        REQUIRE(books.size() == 4);
        CHECK(books[0]->id == 100);
        CHECK(books[0]->tags.size() == 2);
        CHECK(books[3]->writer->id == 10);
        CHECK(counter.count() == 1);
    });
}

TEST_CASE("adding a book to author.books sets book.writer at once and author_id at flush") {
    for_each_backend([](strata::engine& engine) {
        seed(engine, 2, 2);
        strata::session session{engine};
        auto first = session.get<author>(1);
        auto second = session.get<author>(2);
        auto fresh = session.add(new_book(50, "new"));
        first->books.add(fresh);
        CHECK(first->books.size() == 3);
        CHECK(fresh->writer.current() == first);  // the other side, in memory, before any flush
        CHECK(fresh->author_id == 0);

        // moving a loaded book: it leaves its old author's loaded collection too
        auto moved = session.get<book>(1);
        CHECK(moved->writer->id == 1);
        strata::statement_counter counter{engine};
        second->books.add(moved);
        CHECK(moved->writer.current() == second);
        CHECK(first->books.size() == 2);
        CHECK(!first->books.contains(moved));
        session.flush();
        CHECK(fresh->author_id == 1);
        CHECK(moved->author_id == 2);
        const auto statements = counter.statements();
        REQUIRE(statements.size() == 3);  // second's books were loaded by add(): 1 SELECT
        CHECK(statements[1].starts_with("INSERT INTO books (id, title, author_id, publisher_id) VALUES ("));
        CHECK(statements[2] ==
              "UPDATE books SET author_id = " + placeholder_of(engine, 1) + " WHERE id = " + placeholder_of(engine, 2));
        session.commit();
        strata::session check{engine};
        CHECK(check.get<book>(50)->author_id == 1);
        CHECK(check.get<book>(1)->author_id == 2);
        CHECK(check.get<author>(2)->books.size() == 3);
    });
}

TEST_CASE("without autoflush, a collection loaded lazily follows the links made since the last flush") {
    for_each_backend([](strata::engine& engine) {
        seed(engine, 2, 2);  // author 1: books 1 and 2; author 2: books 3 and 4
        strata::session session{engine, {.autoflush = false}};
        auto first = session.get<author>(1);
        auto moved = session.get<book>(3);
        auto fresh = session.add(new_book(50, "new"));
        fresh->writer = first;  // first->books is not loaded: nothing to keep in step yet
        moved->writer = first;
        std::vector<std::int64_t> ids;
        for (const auto& item : first->books) ids.push_back(item->id);  // loaded now, without a flush
        std::sort(ids.begin(), ids.end());
        CHECK(ids == std::vector<std::int64_t>{1, 2, 3, 50});
        session.commit();
        CHECK(count_rows(engine, "SELECT count(*) FROM books WHERE author_id = 1") == 4);
    });
}

TEST_CASE(
    "without autoflush, selectinload and joinedload fill collections that follow the links made since the last flush") {
    for_each_backend([](strata::engine& engine) {
        seed(engine, 2, 2);  // author 1: books 1 and 2; author 2: books 3 and 4
        for (const bool joined : {false, true}) {
            INFO((joined ? "joinedload" : "selectinload"));
            strata::session session{engine, {.autoflush = false}};
            auto first = session.get<author>(1);
            auto moved = session.get<book>(3);
            auto fresh = session.add(new_book(50, "new"));
            fresh->writer = first;  // first->books is not loaded: nothing to keep in step yet
            moved->writer = first;  // out of author 2's books, whose rows still hold it
            auto query = session.query<author>();
            query = joined ? query.options(strata::joinedload(&author::books))
                           : query.options(strata::selectinload(&author::books));
            std::map<std::int64_t, std::vector<std::int64_t>> found;
            for (const auto& item : query.all()) {  // no flush: the rows lack both links
                auto& ids = found[item->id];
                for (const auto& written : item->books) ids.push_back(written->id);
                std::sort(ids.begin(), ids.end());
            }
            CHECK(found == std::map<std::int64_t, std::vector<std::int64_t>>{{1, {1, 2, 3, 50}}, {2, {4}}});
            session.rollback();
        }
    });
}

TEST_CASE(
    "setting a new book's writer to the author its author_id already names adds it to that author's loaded books") {
    for_each_backend([](strata::engine& engine) {
        seed(engine, 1, 2);  // author 1: books 1 and 2
        strata::session session{engine};
        auto first = session.get<author>(1);
        CHECK(first->books.size() == 2);  // loaded
        // As merge() of a copy that came with its key columns makes it: author_id set, writer not.
        auto copied = session.merge(new_book(50, "copied", 1));
        auto added = session.add(new_book(51, "added", 1));
        copied->writer = first;
        added->writer = first;
        std::vector<std::int64_t> ids;
        for (const auto& item : first->books) ids.push_back(item->id);
        std::sort(ids.begin(), ids.end());
        CHECK(ids == std::vector<std::int64_t>{1, 2, 50, 51});
        session.commit();
        CHECK(count_rows(engine, "SELECT count(*) FROM books WHERE author_id = 1") == 4);
        CHECK(first->books.size() == 4);  // expired by the commit: loaded again
    });
}

TEST_CASE("setting book.writer moves the book between loaded collections and writes author_id at flush") {
    for_each_backend([](strata::engine& engine) {
        seed(engine, 2, 2);
        strata::session session{engine};
        auto first = session.get<author>(1);
        auto second = session.get<author>(2);
        CHECK(first->books.size() == 2);
        CHECK(second->books.size() == 2);
        auto moved = first->books[0];
        moved->writer = second;
        CHECK(second->books.size() == 3);
        CHECK(first->books.size() == 1);
        // a new author: INSERTed first, its generated key written into the book
        auto newcomer = session.add(author{7, "newcomer", {}});
        auto other = first->books[0];
        other->writer = newcomer;
        CHECK(newcomer->books.size() == 1);  // a new object's collection is loaded (empty) from the start
        strata::statement_counter counter{engine};
        session.commit();
        const auto statements = counter.statements();
        REQUIRE(statements.size() == 3);
        CHECK(statements[0].starts_with("INSERT INTO authors"));
        CHECK(statements[1].starts_with("UPDATE books SET author_id = "));
        CHECK(statements[2].starts_with("UPDATE books SET author_id = "));
        strata::session check{engine};
        CHECK(check.get<book>(moved->id)->author_id == 2);
        CHECK(check.get<book>(other->id)->author_id == 7);
        CHECK(check.get<author>(1)->books.size() == 0);
    });
}

TEST_CASE("setting a book's writer that a raiseload left unloaded takes it out of its previous author's loaded books") {
    for_each_backend([](strata::engine& engine) {
        seed(engine, 2, 2);  // author 1: books 1, 2; author 2: books 3, 4
        strata::session session{engine};
        auto first = session.get<author>(1);
        auto second = session.get<author>(2);
        REQUIRE(first->books.size() == 2);
        const auto books = session.query<book>().options(strata::raiseload(&book::writer)).all();
        auto moved = session.get<book>(2);
        strata::statement_counter counter{engine};
        moved->writer = second;  // its previous writer found in the identity map: no SQL, no raise
        CHECK(counter.count() == 0);
        CHECK(first->books.size() == 1);
        CHECK_FALSE(first->books.contains(moved));
        CHECK(second->books.contains(moved));
        session.commit();
        strata::session check{engine};
        CHECK(check.get<book>(2)->author_id == 2);
        CHECK(check.get<author>(2)->books.size() == 3);
    });
}

TEST_CASE("a deleted review or tag leaves the loaded collections that held it, though its side declares no way back") {
    for_each_backend([](strata::engine& engine) {
        seed(engine, 2, 2);
        strata::session session{engine};
        auto item = session.get<book>(1);
        REQUIRE(item->reviews.size() == 1);  // a review declares no many-to-one back to its book
        REQUIRE(item->tags.size() == 2);     // the tags' own books are not loaded
        const auto review_gone = item->reviews[0];
        const auto tag_gone = item->tags[0];
        const auto tag_kept = item->tags[1];
        session.remove(review_gone);
        session.remove(tag_gone);
        strata::statement_counter counter{engine};
        session.flush();
        CHECK(item->reviews.size() == 0);
        CHECK(item->tags.size() == 1);
        CHECK(item->tags.contains(tag_kept));
        CHECK_FALSE(item->tags.contains(tag_gone));
        CHECK(counter.count() == 3);  // the association rows, the review, the tag: the collections read nothing
        session.commit();
    });
}

namespace {
/// A volume's shelf is a many-to-one whose target declares no way back (no shelf.volumes).
struct shelf {
    std::int64_t id = 0;
};
struct volume {
    std::int64_t id = 0;
    std::optional<std::int64_t> shelf_id;
    strata::one<shelf> on_shelf;
};
}  // namespace

template <>
struct strata::mapping<shelf> {
    static constexpr auto table = strata::table("shelves", strata::column<&shelf::id>("id", strata::primary_key));
};

template <>
struct strata::mapping<volume> {
    static constexpr auto table =
        strata::table("volumes", strata::column<&volume::id>("id", strata::primary_key),
                      strata::column<&volume::shelf_id>("shelf_id", strata::references<&shelf::id>()),
                      strata::many_to_one<&volume::on_shelf, &volume::shelf_id>("volume.shelf"));
};

TEST_CASE(
    "a new review, book or shelf removed before its flush leaves the relationships that held it; none is written") {
    for_each_backend([](strata::engine& engine) {
        seed(engine, 2, 2);
        strata::drop_all<volume, shelf>(engine);
        strata::create_all<volume, shelf>(engine);
        {
            strata::session setup{engine};
            setup.add(shelf{.id = 1});
            setup.add(volume{.id = 1, .shelf_id = 1, .on_shelf = {}});
            setup.commit();
        }
        strata::session session{engine};
        auto item = session.get<book>(1);
        auto first = session.get<author>(1);
        auto shelved = session.get<volume>(1);
        REQUIRE(item->reviews.size() == 1);   // a review declares no many-to-one back to its book
        REQUIRE(first->books.size() == 2);    // a book does: book.writer
        REQUIRE(shelved->on_shelf->id == 1);  // a shelf declares no collection of volumes
        auto new_review = session.add(review{.id = 100, .book_id = 0, .stars = 3});
        item->reviews.add(new_review);
        auto added_book = session.add(new_book(100, "new"));
        first->books.add(added_book);
        auto new_shelf = session.add(shelf{.id = 2});
        shelved->on_shelf = new_shelf;
        session.remove(new_review);
        session.remove(added_book);
        session.remove(new_shelf);
        CHECK(item->reviews.size() == 1);
        CHECK_FALSE(item->reviews.contains(new_review));
        CHECK(first->books.size() == 2);
        CHECK_FALSE(first->books.contains(added_book));
        CHECK(shelved->on_shelf.current() == strata::ref<shelf>{});
        strata::statement_counter counter{engine};
        session.commit();
        const auto statements = counter.statements();
        REQUIRE(statements.size() == 1);  // the volume leaves its shelf; nothing else was written
        CHECK(statements[0] == "UPDATE volumes SET shelf_id = " + placeholder_of(engine, 1) +
                                   " WHERE id = " + placeholder_of(engine, 2));
        CHECK(count_rows(engine, "SELECT count(*) FROM reviews") == 4);
        CHECK(count_rows(engine, "SELECT count(*) FROM books") == 4);
        CHECK(count_rows(engine, "SELECT count(*) FROM volumes WHERE shelf_id IS NULL") == 1);
        CHECK(item->reviews.size() == 1);  // still loaded after the commit, without the dropped review
        strata::drop_all<volume, shelf>(engine);
    });
}

TEST_CASE("an object expunged after its add to a one-to-many collection stops the flush with usage_error") {
    for_each_backend([](strata::engine& engine) {
        seed(engine, 2, 2);
        strata::session session{engine};
        auto item = session.get<book>(1);
        auto first = session.get<author>(1);
        REQUIRE(item->reviews.size() == 1);
        REQUIRE(first->books.size() == 2);
        auto moved = session.get<book>(3);  // author 2's (before the add: get() autoflushes)
        auto new_review = session.add(review{.id = 100, .book_id = 0, .stars = 3});
        item->reviews.add(new_review);
        first->books.add(moved);
        item->title = "changed in the same flush";
        session.expunge(new_review);
        CHECK(usage_error_of([&] {
                  session.flush();
              }).starts_with("'book.reviews' holds an object of reviews that left the session (expunge())"));
        session.rollback();
        CHECK(count_rows(engine, "SELECT count(*) FROM reviews") == 4);
        CHECK(count_rows(engine, "SELECT count(*) FROM books WHERE author_id = 1") == 2);
        CHECK(count_rows(engine, "SELECT count(*) FROM books WHERE title LIKE 'changed%'") == 0);

        // The same for a book expunged after it moved through author.books: its author_id would
        // stay 2 while the collection listed it.
        auto again = session.get<author>(1);
        auto book_three = session.get<book>(3);
        again->books.add(book_three);
        session.expunge(book_three);
        CHECK(usage_error_of([&] {
                  session.flush();
              }).starts_with("'author.books' holds an object of books that left the session (expunge())"));
        session.rollback();
        CHECK(count_rows(engine, "SELECT count(*) FROM books WHERE author_id = 1") == 2);
    });
}

TEST_CASE("a failed flush gives back the foreign keys it pointed at keys it generated") {
    for_each_backend([](strata::engine& engine) {
        strata::drop_all<book_tag, tag, review, book, author, publisher>(engine);
        strata::create_all<book_tag, tag, review, book, author, publisher>(engine);
        strata::session session{engine, {.flush_savepoint = true}};
        auto first_author = session.add(author{.id = 0, .name = "first", .books = {}});  // keys generated
        auto first_publisher = session.add(publisher{.id = 0, .name = "first", .books = {}});
        auto written = session.add(new_book(0, "new"));
        first_author->books.add(written);
        first_publisher->books.add(written);
        auto failing = session.add(new_review(0, 1'000'000));  // no such book: the flush's last INSERT fails
        CHECK_THROWS_AS(session.flush(), strata::integrity_error);
        // The flush inserted the author and the publisher, pointed the book at their keys and
        // inserted it before the review failed; the savepoint took the rows away, so their keys
        // go back, and so do the foreign keys pointed at them.
        CHECK(first_author->id == 0);
        CHECK(first_publisher->id == 0);
        CHECK(written->id == 0);
        CHECK(written->author_id == 0);
        CHECK_FALSE(written->publisher_id.has_value());

        // Both parents leave before any row of theirs exists, and others take their place (SQLite
        // hands them the same keys again): the book must not end up under them.
        session.expunge(failing);
        session.remove(first_author);
        session.remove(first_publisher);
        session.add(author{.id = 0, .name = "second", .books = {}});
        session.add(publisher{.id = 0, .name = "second", .books = {}});
        CHECK_THROWS_AS(session.commit(), strata::integrity_error);  // the book names no author
        session.rollback();
        CHECK(count_rows(engine, "SELECT count(*) FROM books") == 0);
        CHECK(count_rows(engine, "SELECT count(*) FROM authors") == 0);
    });
}

TEST_CASE("many::add() of an object the session does not track throws usage_error at once for a one-to-many") {
    for_each_backend([](strata::engine& engine) {
        seed(engine, 2, 2);
        strata::session session{engine};
        auto second = session.get<author>(2);
        auto item = session.get<book>(1);
        session.expunge(item);
        const std::string expected =
            "many<T>::add(): 'author.books' was given an object its session does not track (expunged, dropped, or "
            "another session's)";
        CHECK(usage_error_of([&] { second->books.add(item); }).starts_with(expected));
        REQUIRE(second->books.size() == 2);  // books 3 and 4, loaded
        session.commit();                    // its connection goes back: SQLite's pool has one, for the other session
        {
            strata::session other{engine};
            auto elsewhere = other.get<book>(2);
            CHECK(usage_error_of([&] { second->books.add(elsewhere); }).starts_with(expected));
        }
        CHECK(second->books.size() == 2);  // unchanged
        // A many-to-many's target holds no key: a detached tag is linked by its own key, as a
        // many-to-one's detached target is.
        auto label = session.get<tag>(6);
        session.expunge(label);
        auto third = session.get<book>(3);
        third->tags.add(label);
        third->writer = session.get<author>(2);
        session.commit();
        CHECK(count_rows(engine, "SELECT count(*) FROM book_tags WHERE book_id = 3 AND tag_id = 6") == 1);
        CHECK(count_rows(engine, "SELECT count(*) FROM books WHERE author_id = 1") == 2);
    });
}

TEST_CASE("removing from a collection deletes the orphan with delete_orphan, else nulls an optional key") {
    for_each_backend([](strata::engine& engine) {
        seed(engine, 2, 5);  // 10 books, 10 reviews, publishers 1-5
        strata::session session{engine};
        // load first: a lazy load autoflushes, which would write the changes below early
        auto reviewed = session.get<book>(3);
        auto gone = reviewed->reviews[0];
        auto publisher_one = session.get<publisher>(1);
        REQUIRE(publisher_one->books.size() == 2);  // books 5 and 10: (i % 5) + 1 == 1
        auto released = publisher_one->books[0];
        CHECK(reviewed->reviews.remove(gone));
        CHECK(reviewed->reviews.size() == 0);
        CHECK(publisher_one->books.remove(released));
        CHECK(!publisher_one->books.remove(released));  // no longer there
        CHECK(released->publisher_ref.current() == strata::ref<publisher>{});
        strata::statement_counter counter{engine};
        session.flush();
        const auto statements = counter.statements();
        REQUIRE(statements.size() == 2);
        CHECK(statements[0] == "UPDATE books SET publisher_id = " + placeholder_of(engine, 1) +
                                   " WHERE id = " + placeholder_of(engine, 2));
        CHECK(statements[1] == "DELETE FROM reviews WHERE id = " + placeholder_of(engine, 1));
        CHECK(gone.status() == strata::object_status::detached);
        session.commit();
        CHECK(count_rows(engine, "SELECT count(*) FROM reviews") == 9);
        CHECK(count_rows(engine, "SELECT count(*) FROM books WHERE publisher_id IS NULL") == 1);
    });
}

TEST_CASE("a new child taken out of a delete_orphan collection before its flush is never written") {
    for_each_backend([](strata::engine& engine) {
        seed(engine, 1, 2);
        strata::session session{engine};
        auto first = session.get<book>(1);
        auto second = session.get<book>(2);
        auto dropped = session.add(new_review(100));
        first->reviews.add(dropped);
        CHECK(first->reviews.remove(dropped));  // no parent now: an orphan, as SQLAlchemy expunges it
        auto moved = session.add(new_review(101));
        first->reviews.add(moved);
        CHECK(first->reviews.remove(moved));
        second->reviews.add(moved);  // a parent again before the flush: written under it
        auto left = session.add(new_review(102));
        first->reviews.add(left);
        CHECK(first->reviews.remove(left));
        session.remove(first);  // a deleted parent's flush points no child: still an orphan
        session.commit();
        CHECK(dropped.status() == strata::object_status::detached);
        CHECK(left.status() == strata::object_status::detached);
        CHECK(count_rows(engine, "SELECT count(*) FROM reviews WHERE id IN (100, 102)") == 0);
        CHECK(count_rows(engine, "SELECT count(*) FROM reviews WHERE id = 101 AND book_id = 2") == 1);
        CHECK(count_rows(engine, "SELECT count(*) FROM books WHERE id = 1") == 0);
    });
}

TEST_CASE("removing from a collection whose foreign key is not nullable throws usage_error and writes nothing") {
    for_each_backend([](strata::engine& engine) {
        seed(engine, 2, 2);
        strata::session session{engine};
        auto first = session.get<author>(1);
        auto kept = first->books[0];
        kept->title = "changed in the same flush";
        first->books.remove(kept);
        CHECK(usage_error_of([&] {
                  session.flush();
              }).starts_with("removed an object from 'author.books' but books.author_id is not nullable"));
        session.rollback();
        CHECK(count_rows(engine, "SELECT count(*) FROM books WHERE author_id = 1 AND title LIKE 'book%'") == 2);
    });
}

TEST_CASE("a many-to-one set to no object over a key that is not nullable throws usage_error and writes nothing") {
    for_each_backend([](strata::engine& engine) {
        seed(engine, 2, 2);
        strata::session session{engine};
        auto kept = session.get<book>(1);
        const auto author_before = kept->author_id;
        kept->title = "changed in the same flush";
        kept->writer.set(strata::ref<author>{});
        CHECK(usage_error_of([&] {
                  session.flush();
              }).starts_with("relationship 'book.writer' was set to no object but books.author_id is not nullable"));
        session.rollback();
        CHECK(count_rows(engine, "SELECT count(*) FROM books WHERE id = 1 AND title LIKE 'book%' AND author_id = " +
                                     std::to_string(author_before)) == 1);
    });
}

TEST_CASE("a many-to-one set to no object writes NULL into its optional foreign key") {
    for_each_backend([](strata::engine& engine) {
        seed(engine, 2, 5);
        strata::session session{engine};
        auto cleared = session.get<book>(1);
        REQUIRE(cleared->publisher_id.has_value());
        cleared->publisher_ref.set(strata::ref<publisher>{});
        session.commit();
        strata::session check{engine};
        CHECK(!check.get<book>(1)->publisher_id.has_value());
        CHECK(check.get<book>(1)->author_id == 1);
    });
}

TEST_CASE("many-to-many add and remove write association rows; deleting a book deletes its rows") {
    for_each_backend([](strata::engine& engine) {
        seed(engine, 2, 5);
        strata::session session{engine};
        auto first = session.get<book>(1);  // tags 2 and 5
        auto tag_one = session.get<tag>(1);
        auto tag_two = session.get<tag>(2);
        const auto before = tag_one->books.size();
        first->tags.add(tag_one);
        CHECK(tag_one->books.size() == before + 1);  // the other side follows in memory
        CHECK(tag_one->books.contains(first));
        first->tags.remove(tag_two);
        strata::statement_counter counter{engine};
        session.flush();
        const auto statements = counter.statements();
        REQUIRE(statements.size() == 2);
        CHECK(statements[0] == "DELETE FROM book_tags WHERE book_id = " + placeholder_of(engine, 1) +
                                   " AND tag_id = " + placeholder_of(engine, 2));
        CHECK(statements[1] == "INSERT INTO book_tags (book_id, tag_id) VALUES (" + placeholder_of(engine, 1) + ", " +
                                   placeholder_of(engine, 2) + ")");
        // a new book and a new tag, linked before either has a row
        auto doomed = session.get<book>(2);
        auto doomed_review = doomed->reviews[0];
        auto novel = session.add(new_book(90, "novel", 1));
        auto label = session.add(tag{9, "fresh", {}});
        novel->tags.add(label);
        CHECK(label->books.contains(novel));
        session.remove(doomed_review);
        session.remove(doomed);
        counter.reset();
        session.commit();
        CHECK(counter.count() == 6);  // 2 INSERTs, 1 association INSERT, association DELETE, 2 DELETEs
        CHECK(stored_tags(engine, 1) == std::vector<std::int64_t>{1, 5});
        CHECK(stored_tags(engine, 90) == std::vector<std::int64_t>{9});
        CHECK(count_rows(engine, "SELECT count(*) FROM book_tags WHERE book_id = 2") == 0);
    });
}

TEST_CASE("raiseload and relationship writes: add() on a raise collection throws lazy_load_forbidden") {
    for_each_backend([](strata::engine& engine) {
        seed(engine, 2, 2);
        strata::session session{engine, {.raiseload = true}};
        auto first = session.get<author>(1);
        auto fresh = session.add(new_book(60, "x"));
        CHECK_THROWS_AS(first->books.add(fresh), strata::lazy_load_forbidden);
        CHECK(!fresh->writer.is_loaded());
    });
}

TEST_CASE("a loop over a collection that loses entries meanwhile throws usage_error instead of skipping them") {
    for_each_backend([](strata::engine& engine) {
        seed(engine, 2, 2);  // author 1: books 1 and 2; author 2: books 3 and 4
        strata::session session{engine};
        auto first = session.get<author>(1);
        auto second = session.get<author>(2);
        REQUIRE(first->books.size() == 2);
        REQUIRE(second->books.size() == 2);
        const std::string expected = "relationship 'author.books' lost or reloaded entries while it was being iterated";
        // Each move takes the book out of first->books: the next step would skip book 2.
        std::vector<std::int64_t> moved;
        CHECK(usage_error_of([&] {
                  for (const auto item : first->books) {
                      moved.push_back(item->id);
                      item->writer = second;
                  }
              }).starts_with(expected));
        CHECK(moved == std::vector<std::int64_t>{1});
        // Over a copy, every book moves.
        for (const auto& item : std::vector<strata::ref<book>>(first->books.begin(), first->books.end()))
            item->writer = second;
        CHECK(first->books.empty());
        CHECK(second->books.size() == 4);
        session.commit();
        CHECK(count_rows(engine, "SELECT count(*) FROM books WHERE author_id = 2") == 4);

        // After the commit, a query that refreshes author 2 loads its books again: a loop over the
        // collection it held stops rather than read the entries that load dropped.
        std::vector<std::int64_t> seen;
        CHECK(usage_error_of([&] {
                  for (const auto item : second->books) {
                      seen.push_back(item->id);
                      (void)session.query<author>().filter(col<&author::id> == 2).one();
                  }
              }).starts_with(expected));
        CHECK(seen == std::vector<std::int64_t>{3});  // its own books first, then the two it was given
        CHECK(second->books.size() == 4);             // loaded again
        // Objects added during a loop are after its end; the loop goes on.
        std::size_t visited = 0;
        for (const auto item : second->books) {
            ++visited;
            if (visited == 1) second->books.add(session.add(new_book(50, "added in the loop")));
        }
        CHECK(visited == 4);
        CHECK(second->books.size() == 5);
    });
}

TEST_CASE("deleting an object after commit cascades to the children its rows have now, not those it held before") {
    for_each_backend([](strata::engine& engine) {
        seed(engine, 2, 5);  // book i has review i and publisher (i % 5) + 1: publisher 1 has books 5 and 10
        strata::session session{engine};
        auto third = session.get<book>(3);
        auto second = session.get<book>(2);
        auto publisher_one = session.get<publisher>(1);
        REQUIRE(third->reviews.size() == 1);
        REQUIRE(second->reviews.size() == 1);
        REQUIRE(publisher_one->books.size() == 2);
        session.commit();  // expires them, with the collections they held
        {
            // Another transaction moves a review and a book to other parents meanwhile.
            auto connection = engine.connect();
            connection.execute("UPDATE reviews SET book_id = 4 WHERE id = 3");
            connection.execute("UPDATE reviews SET book_id = 1 WHERE id = 2");
            connection.execute("UPDATE books SET publisher_id = 2 WHERE id = 5");
        }
        // delete_orphan: book 3's reviews are deleted with it, and it has none now.
        session.remove(third);
        // A collection with an unflushed change: the change applies on top of the rows.
        review added;
        added.id = 100;
        added.book_id = 2;
        added.stars = 1;
        second->reviews.add(session.add(std::move(added)));
        session.remove(second);
        // An optional foreign key: publisher 1's books lose it, and only book 10 is one now.
        session.remove(publisher_one);
        session.commit();
        CHECK(count_rows(engine, "SELECT count(*) FROM reviews WHERE id = 3 AND book_id = 4") == 1);
        CHECK(count_rows(engine, "SELECT count(*) FROM reviews WHERE id = 2 AND book_id = 1") == 1);
        CHECK(count_rows(engine, "SELECT count(*) FROM reviews WHERE id = 100") == 0);
        CHECK(count_rows(engine, "SELECT count(*) FROM reviews") == 10);  // books 2 and 3 had none left
        CHECK(count_rows(engine, "SELECT count(*) FROM books WHERE id = 5 AND publisher_id = 2") == 1);
        CHECK(count_rows(engine, "SELECT count(*) FROM books WHERE id = 10 AND publisher_id IS NULL") == 1);
        CHECK(count_rows(engine, "SELECT count(*) FROM books") == 8);
    });
}

TEST_CASE(
    "add() and remove() after commit go by the rows another transaction left, not by the list the commit expired") {
    for_each_backend([](strata::engine& engine) {
        seed(engine, 2, 5);  // book i has review i and publisher (i % 5) + 1: publisher 1 has books 5 and 10
        strata::session session{engine};
        auto third = session.get<book>(3);
        auto publisher_one = session.get<publisher>(1);
        const auto review_three = third->reviews[0];
        const auto book_five = publisher_one->books[0];
        REQUIRE(book_five->id == 5);
        session.commit();  // expires them, with the collections they held
        {
            auto connection = engine.connect();
            connection.execute("UPDATE reviews SET book_id = 4 WHERE id = 3");
            connection.execute("UPDATE books SET publisher_id = 2 WHERE id = 5");
        }
        strata::statement_counter counter{engine};
        // Each collection loads again first: neither lists the child any more.
        CHECK_FALSE(third->reviews.remove(review_three));
        CHECK_FALSE(publisher_one->books.remove(book_five));
        CHECK(counter.count() == 2);
        CHECK(publisher_one->books.size() == 1);  // book 10
        session.commit();
        CHECK(count_rows(engine, "SELECT count(*) FROM reviews WHERE id = 3 AND book_id = 4") == 1);
        CHECK(count_rows(engine, "SELECT count(*) FROM books WHERE id = 5 AND publisher_id = 2") == 1);
        // add() likewise: the stale list still held book 10, which another transaction moved away,
        // so adding it back looked like no change and the move was never written.
        engine.connect().execute("UPDATE books SET publisher_id = 3 WHERE id = 10");
        publisher_one->books.add(session.get<book>(10));
        session.commit();
        CHECK(count_rows(engine, "SELECT count(*) FROM books WHERE id = 10 AND publisher_id = 1") == 1);
    });
}
