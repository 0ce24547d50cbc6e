// Every public header in one translation unit, for clang-tidy (see .clang-tidy) - and the
// templates instantiated once with a small model, so that checks see their bodies too.
#include "strata/core/uuid.hpp"
#include "strata/orm.hpp"
#include "strata/postgresql.hpp"
#include "strata/sqlite.hpp"
#include "strata/strata.hpp"
#include "support/library.hpp"  // examples/support: authors and books

using examples::author;
using examples::book;

/// Exercises the main templates of every layer.
int main() {
    using strata::col;
    auto engine = strata::create_engine("sqlite://");
    strata::create_all<book, author>(engine);
    strata::session session{engine};
    auto writer = session.add(author{0, "ada", {}});
    session.commit();
    std::vector<book> books{{0, "t", writer->id, {}}};
    session.bulk_insert<book>(books);
    for (const auto& item : session.query<author>().options(strata::selectinload(&author::books)).all())
        for (const auto& written : item->books) (void)written->writer->name;
    for (const auto& item : session.query<book>().yield_per(100)) (void)item->id;
    (void)session.query<book>().options(strata::load_only(&book::id)).filter(col<&book::id> > 0).exists();
    auto connection = engine.connect();
    (void)connection.execute(strata::select(col<&book::author_id>, strata::count()).group_by(col<&book::author_id>));
    return 0;
}
