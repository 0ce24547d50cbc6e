// 08_contains_eager: books joined to their authors to filter on the author.
//
//   join_then_lazy: query<Book>().join(&Book::writer).filter(...) - the join is there, but reading
//                   book->writer still loads each author lazily (the seed's "bad")
//   contains_eager: the same query with .options(strata::contains_eager(&Book::writer)): 1 statement
#include <fmt/core.h>

#include "support/example.hpp"
#include "support/library.hpp"

using examples::author;
using examples::book;
using strata::col;

int main() try {
    auto engine = strata::create_engine(examples::database_url());
    examples::seed_library(engine, 100, 10);
    const auto wanted = col<&author::name> != "author 7";
    std::size_t lazy_seen = 0;
    {
        strata::session session{engine};
        examples::variant_run run{engine, "contains_eager", "join_then_lazy"};
        const auto books = session.query<book>().join(&book::writer).filter(wanted).all();
        for (const auto& item : books) lazy_seen += item->writer->name.size();
        run.finish(books.size());
    }
    std::size_t eager_seen = 0;
    {
        strata::session session{engine};
        examples::variant_run run{engine, "contains_eager", "contains_eager"};
        const auto books = session.query<book>()
                               .join(&book::writer)
                               .filter(wanted)
                               .options(strata::contains_eager(&book::writer))
                               .all();
        for (const auto& item : books) eager_seen += item->writer->name.size();
        run.finish(books.size());
    }
    strata::drop_all<book, author>(engine);
    return lazy_seen == eager_seen && eager_seen > 0 ? 0 : 1;
} catch (const std::exception& error) {
    fmt::print(stderr, "error: {}\n", error.what());
    return 1;
}
