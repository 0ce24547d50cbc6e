// tests/support/library.hpp - authors, books, publishers and reviews, for the loader tests.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "strata/orm.hpp"

namespace library {

struct book;
struct review;
struct tag;

struct publisher {
    std::int64_t id = 0;
    std::string name;
    strata::many<book> books;  // optional foreign key: removing a book nulls it
};

struct author {
    std::int64_t id = 0;
    std::string name;
    strata::many<book> books;
};

struct book {
    std::int64_t id = 0;
    std::string title;
    std::int64_t author_id = 0;
    std::optional<std::int64_t> publisher_id;
    strata::one<author> writer;
    strata::one<publisher> publisher_ref;
    strata::many<review> reviews;  // delete_orphan: removing a review deletes it
    strata::many<tag> tags;        // many-to-many through book_tags
};

struct review {
    std::int64_t id = 0;
    std::int64_t book_id = 0;
    std::int32_t stars = 0;
};

struct tag {
    std::int64_t id = 0;
    std::string label;
    strata::many<book> books;  // the other side of book.tags
};

/// The association table of book.tags / tag.books.
struct book_tag {
    std::int64_t book_id = 0;
    std::int64_t tag_id = 0;
};

}  // namespace library

template <>
struct strata::mapping<library::publisher> {
    static constexpr auto table =
        strata::table("publishers",                                                        //
                      strata::column<&library::publisher::id>("id", strata::primary_key),  //
                      strata::column<&library::publisher::name>("name"),                   //
                      strata::one_to_many<&library::publisher::books, &library::book::publisher_id>("publisher.books"));
};

template <>
struct strata::mapping<library::author> {
    static constexpr auto table =
        strata::table("authors",                                                        //
                      strata::column<&library::author::id>("id", strata::primary_key),  //
                      strata::column<&library::author::name>("name"),                   //
                      strata::one_to_many<&library::author::books, &library::book::author_id>("author.books"));
};

template <>
struct strata::mapping<library::book> {
    static constexpr auto table = strata::table(
        "books",                                                                                            //
        strata::column<&library::book::id>("id", strata::primary_key),                                      //
        strata::column<&library::book::title>("title"),                                                     //
        strata::column<&library::book::author_id>("author_id", strata::references<&library::author::id>(),  //
                                                  strata::index),
        strata::column<&library::book::publisher_id>("publisher_id", strata::references<&library::publisher::id>()),
        strata::many_to_one<&library::book::writer, &library::book::author_id>("book.writer"),               //
        strata::many_to_one<&library::book::publisher_ref, &library::book::publisher_id>("book.publisher"),  //
        strata::one_to_many<&library::book::reviews, &library::review::book_id>("book.reviews", strata::delete_orphan),
        strata::many_to_many<&library::book::tags, &library::book_tag::book_id, &library::book_tag::tag_id>(
            "book.tags"));
};

template <>
struct strata::mapping<library::review> {
    static constexpr auto table =
        strata::table("reviews",                                                        //
                      strata::column<&library::review::id>("id", strata::primary_key),  //
                      strata::column<&library::review::book_id>("book_id", strata::references<&library::book::id>()),
                      strata::column<&library::review::stars>("stars"));
};

template <>
struct strata::mapping<library::tag> {
    static constexpr auto table = strata::table(
        "tags",                                                        //
        strata::column<&library::tag::id>("id", strata::primary_key),  //
        strata::column<&library::tag::label>("label"),                 //
        strata::many_to_many<&library::tag::books, &library::book_tag::tag_id, &library::book_tag::book_id>(
            "tag.books"));
};

template <>
struct strata::mapping<library::book_tag> {
    static constexpr auto table =
        strata::table("book_tags",                                                                 //
                      strata::column<&library::book_tag::book_id>("book_id", strata::primary_key,  //
                                                                  strata::references<&library::book::id>()),
                      strata::column<&library::book_tag::tag_id>("tag_id", strata::primary_key,  //
                                                                 strata::references<&library::tag::id>()));
};

namespace library {

/// `authors` authors with `books_each` books each (book i of author a has publisher (i % 5) + 1,
/// one review, and tags 1 + i % 3 and 4 + i % 2 of six), written with one multi-row INSERT per table.
inline void seed(const strata::engine& engine, int authors, int books_each) {
    strata::drop_all<book_tag, tag, review, book, author, publisher>(engine);
    strata::create_all<book_tag, tag, review, book, author, publisher>(engine);
    auto connection = engine.connect();
    strata::transaction transaction{connection};
    connection.execute(
        "INSERT INTO publishers (id, name) "
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 5) SELECT i, 'publisher ' || i FROM "
        "n");
    connection.execute(
        "INSERT INTO authors (id, name) "
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $1) SELECT i, 'author ' || i FROM n",
        authors);
    connection.execute(
        "INSERT INTO books (id, title, author_id, publisher_id) "
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $1) "
        // (i - 1) less its remainder, so that / is exact where it is not integer division (MariaDB)
        "SELECT i, 'book ' || i, ((i - 1) - (i - 1) % $2) / $2 + 1, (i % 5) + 1 FROM n",
        authors * books_each, books_each);
    connection.execute("INSERT INTO reviews (id, book_id, stars) SELECT id, id, 5 FROM books");
    connection.execute(
        "INSERT INTO tags (id, label) "
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 6) SELECT i, 'tag ' || i FROM n");
    connection.execute(
        "INSERT INTO book_tags (book_id, tag_id) SELECT id, 1 + id % 3 FROM books "
        "UNION ALL SELECT id, 4 + id % 2 FROM books");
    transaction.commit();
}

}  // namespace library
