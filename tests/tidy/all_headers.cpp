// Every public header in one translation unit, for clang-tidy (see .clang-tidy) - and the
// templates instantiated once with a small model, so that checks see their bodies too.
#include "strata/core/decimal.hpp"
#include "strata/core/json.hpp"
#include "strata/core/uuid.hpp"
#include "strata/mariadb.hpp"
#include "strata/orm.hpp"
#include "strata/postgresql.hpp"
#include "strata/sql/json.hpp"
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
    // Windows, subqueries, CTEs and an object with a column.
    const auto ranked =
        strata::select(col<&book::id>,
                       strata::row_number()
                           .over(strata::partition_by(col<&book::author_id>).order_by(col<&book::id>.desc()))
                           .label("place"))
            .subquery("ranked");
    (void)connection.execute(strata::select(ranked.column<0>()).from(ranked).where(ranked.column<1>() == 1));
    auto counting = strata::select(strata::literal(1).label("n")).cte("counting");
    counting = counting.union_all(strata::select(counting.column<0>() + 1).where(counting.column<0>() < 3));
    (void)connection.execute(strata::select(counting.column<0>()).with_(counting));
    (void)session.query<author>().add_columns(strata::literal(1)).all();
    auto pipelined_read = session.query<author>().pipelined();
    (void)pipelined_read.one_or_none();
    (void)(strata::decimal::parse("1.5") * 2);
    (void)strata::json::parse("{}");
    return 0;
}
