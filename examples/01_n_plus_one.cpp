// 01_n_plus_one: 100 authors x 10 books.
//
//   lazy:         books, then book->writer->name per book: 1 + 100 statements (one per distinct author)
//   joinedload:   books with .options(strata::joinedload(&Book::writer)): 1 statement
//   selectinload: authors with .options(strata::selectinload(&Author::books)): 2 statements
#include <fmt/core.h>

#include "support/example.hpp"
#include "support/library.hpp"

using examples::author;
using examples::book;

int main() try {
    auto engine = strata::create_engine(examples::database_url());
    examples::seed_library(engine, 100, 10);
    std::size_t expected = 0;
    auto check = [&expected](std::size_t seen, const char* variant) {
        if (expected == 0) expected = seen;
        if (seen != expected)
            throw std::runtime_error(fmt::format("{} saw {} name characters, not {}", variant, seen, expected));
    };
    {
        strata::session session{engine};
        examples::variant_run run{engine, "n_plus_one", "lazy"};
        const auto books = session.query<book>().all();
        std::size_t seen = 0;
        for (const auto& item : books) seen += item->writer->name.size();
        run.finish(books.size());
        check(seen, "lazy");
    }
    {
        strata::session session{engine};
        examples::variant_run run{engine, "n_plus_one", "joinedload"};
        const auto books = session.query<book>().options(strata::joinedload(&book::writer)).all();
        std::size_t seen = 0;
        for (const auto& item : books) seen += item->writer->name.size();
        run.finish(books.size());
        check(seen, "joinedload");
    }
    {
        strata::session session{engine};
        examples::variant_run run{engine, "n_plus_one", "selectinload"};
        const auto authors = session.query<author>().options(strata::selectinload(&author::books)).all();
        std::size_t seen = 0;
        std::size_t books = 0;
        for (const auto& item : authors) {
            books += item->books.size();
            seen += item->name.size() * item->books.size();
        }
        run.finish(authors.size(), fmt::format("books={}", books));
        check(seen, "selectinload");
    }
    strata::drop_all<book, author>(engine);
    return 0;
} catch (const std::exception& error) {
    fmt::print(stderr, "error: {}\n", error.what());
    return 1;
}
