// examples/support/library.hpp - authors and their books, for the loader examples (01, 08).
#pragma once

#include <cstdint>
#include <string>

#include "strata/orm.hpp"
#include "strata/schema/ddl.hpp"
#include "support/seed.hpp"

namespace examples {

struct book;

struct author {
    std::int64_t id = 0;
    std::string name;
    strata::many<book> books;
};

struct book {
    std::int64_t id = 0;
    std::string title;
    std::int64_t author_id = 0;
    strata::one<author> writer;
};

}  // namespace examples

template <>
struct strata::mapping<examples::author> {
    static constexpr auto table =
        strata::table("example_authors",                                                 //
                      strata::column<&examples::author::id>("id", strata::primary_key),  //
                      strata::column<&examples::author::name>("name"),                   //
                      strata::one_to_many<&examples::author::books, &examples::book::author_id>("author.books"));
};

template <>
struct strata::mapping<examples::book> {
    static constexpr auto table = strata::table(
        "example_books",                                                                                      //
        strata::column<&examples::book::id>("id", strata::primary_key),                                       //
        strata::column<&examples::book::title>("title"),                                                      //
        strata::column<&examples::book::author_id>("author_id", strata::references<&examples::author::id>(),  //
                                                   strata::index),
        strata::many_to_one<&examples::book::writer, &examples::book::author_id>("book.writer"));
};

namespace examples {

/// `authors` authors with `books_each` books each.
inline void seed_library(const strata::engine& engine, std::int64_t authors, std::int64_t books_each) {
    strata::drop_all<book, author>(engine);
    strata::create_all<book, author>(engine);
    auto connection = engine.connect();
    insert_generated(connection, "example_authors", "id, name", "n, 'author ' || n", authors);
    // n - 1 less its remainder, so that / is exact where it is not integer division (MariaDB)
    connection.execute(
        "INSERT INTO example_books (id, title, author_id) "
        "WITH RECURSIVE counter(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM counter WHERE n < $1) "
        "SELECT n, 'book ' || n, ((n - 1) - (n - 1) % $2) / $2 + 1 FROM counter",
        authors * books_each, books_each);
}

}  // namespace examples
