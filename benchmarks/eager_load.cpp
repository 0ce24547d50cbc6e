// bench=eager_load: 1,000 authors with 10 books each loaded as a graph (authors, each with its
// books) through each loader strategy, against the raw C API running the very statements strata
// emitted (captured through engine events) and building the same graph by hand.
#include <libpq-fe.h>
#include <sqlite3.h>
#include <algorithm>

#include <charconv>
#include <filesystem>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "strata/driver/mariadb/connection.hpp"
#include "strata/driver/postgresql/binary.hpp"
#include "strata/driver/postgresql/connection.hpp"
#include "strata/mariadb.hpp"
#include "strata/orm.hpp"
#include "strata/postgresql.hpp"
#include "strata/sqlite.hpp"
#include "support/bench.hpp"
#include "support/library.hpp"
#include "support/raw_mariadb.hpp"
#include "support/raw_sqlite.hpp"

using examples::author;
using examples::book;

namespace {

constexpr std::int64_t author_count = 1'000;
constexpr std::int64_t books_each = 10;
constexpr int rounds = 7;

enum class strategy { lazy, joinedload, selectinload };
constexpr const char* strategy_name(strategy which) {
    switch (which) {
        case strategy::lazy:
            return "lazy";
        case strategy::joinedload:
            return "joinedload";
        case strategy::selectinload:
            return "selectinload";
    }
    return "?";
}

/// What both sides compute from the graph they built, so neither can skip work.
std::int64_t checksum_of(std::int64_t author_id, const std::string& name, std::int64_t book_id,
                         const std::string& title) {
    return author_id + static_cast<std::int64_t>(name.size()) + 3 * book_id + static_cast<std::int64_t>(title.size());
}

std::int64_t load_strata(const strata::engine& engine, strategy which) {
    strata::session session{engine};
    auto query = session.query<author>();
    if (which == strategy::joinedload) query = query.options(strata::joinedload(&author::books));
    if (which == strategy::selectinload) query = query.options(strata::selectinload(&author::books));
    std::int64_t checksum = 0;
    for (const auto& writer : query.all())
        for (const auto& item : writer->books) checksum += checksum_of(writer->id, writer->name, item->id, item->title);
    return checksum;
}

struct raw_book {
    std::int64_t id = 0;
    std::string title;
    std::int64_t author_id = 0;
};
struct raw_author {
    std::int64_t id = 0;
    std::string name;
    std::vector<raw_book> books;
};
/// The graph built by hand: authors in load order, and an index from key to author.
struct raw_graph {
    std::vector<raw_author> authors;
    std::unordered_map<std::int64_t, std::size_t> by_id;

    raw_author& author_for(std::int64_t id, std::string name) {
        const auto [position, inserted] = by_id.try_emplace(id, authors.size());
        if (inserted) authors.push_back({id, std::move(name), {}});
        return authors[position->second];
    }
    [[nodiscard]] std::int64_t checksum() const {
        std::int64_t sum = 0;
        for (const auto& writer : authors)
            for (const auto& item : writer.books) sum += checksum_of(writer.id, writer.name, item.id, item.title);
        return sum;
    }
};

/// The statements strata emits for a strategy (first: authors or the join; then the books').
std::vector<std::string> statements_of(const strata::engine& engine, strategy which) {
    strata::statement_counter counter{engine};
    load_strata(engine, which);
    auto statements = counter.statements();
    if (which == strategy::lazy) statements.resize(2);  // the per-author statement repeats
    if (which == strategy::selectinload) statements.resize(2);
    return statements;
}

/// Raw SQLite: the captured statements, prepared once per load as a C programmer would.
std::int64_t load_raw_sqlite(sqlite3* database, strategy which, const std::vector<std::string>& sql) {
    auto prepare = [&](const std::string& text) {
        sqlite3_stmt* statement = nullptr;
        sqlite3_prepare_v2(database, text.c_str(), static_cast<int>(text.size()), &statement, nullptr);
        return std::unique_ptr<sqlite3_stmt, int (*)(sqlite3_stmt*)>{statement, sqlite3_finalize};
    };
    auto text = [](sqlite3_stmt* statement, int column) {
        return std::string{reinterpret_cast<const char*>(sqlite3_column_text(statement, column)),
                           static_cast<std::size_t>(sqlite3_column_bytes(statement, column))};
    };
    raw_graph graph;
    const auto first = prepare(sql[0]);
    while (sqlite3_step(first.get()) == SQLITE_ROW) {
        auto& writer = graph.author_for(sqlite3_column_int64(first.get(), 0), text(first.get(), 1));
        if (which == strategy::joinedload && sqlite3_column_type(first.get(), 2) != SQLITE_NULL)
            writer.books.push_back(
                {sqlite3_column_int64(first.get(), 2), text(first.get(), 3), sqlite3_column_int64(first.get(), 4)});
    }
    if (which == strategy::lazy) {
        const auto books = prepare(sql[1]);
        for (auto& writer : graph.authors) {
            sqlite3_bind_int64(books.get(), 1, writer.id);
            while (sqlite3_step(books.get()) == SQLITE_ROW)
                writer.books.push_back(
                    {sqlite3_column_int64(books.get(), 0), text(books.get(), 1), sqlite3_column_int64(books.get(), 2)});
            sqlite3_reset(books.get());
        }
    }
    if (which == strategy::selectinload) {
        const auto books = prepare(sql[1]);  // 500 placeholders: the first batch's statement
        const auto batch = static_cast<std::size_t>(sqlite3_bind_parameter_count(books.get()));
        for (std::size_t start = 0; start < graph.authors.size(); start += batch) {
            for (std::size_t i = 0; i < batch; ++i)
                sqlite3_bind_int64(books.get(), static_cast<int>(i + 1), graph.authors[start + i].id);
            while (sqlite3_step(books.get()) == SQLITE_ROW) {
                const auto owner = sqlite3_column_int64(books.get(), 2);
                graph.authors[graph.by_id.at(owner)].books.push_back(
                    {sqlite3_column_int64(books.get(), 0), text(books.get(), 1), owner});
            }
            sqlite3_reset(books.get());
        }
    }
    return graph.checksum();
}

/// Raw libpq: the captured statements prepared once per load, binary results, as strata runs them.
std::int64_t load_raw_postgresql(PGconn* connection, strategy which, const std::vector<std::string>& sql) {
    using strata::driver::postgresql_detail::read_big_endian;
    auto integer = [](const PGresult* result, int row, int column) {
        return read_big_endian<std::int64_t>(PQgetvalue(result, row, column));
    };
    auto text = [](const PGresult* result, int row, int column) {
        return std::string{PQgetvalue(result, row, column), static_cast<std::size_t>(PQgetlength(result, row, column))};
    };
    auto run = [&](const std::string& name, const std::vector<std::string>& parameters) {
        std::vector<const char*> values;
        for (const auto& parameter : parameters) values.push_back(parameter.c_str());
        return std::unique_ptr<PGresult, void (*)(PGresult*)>{
            PQexecPrepared(connection, name.c_str(), static_cast<int>(values.size()), values.data(), nullptr, nullptr,
                           1),
            PQclear};
    };
    PQclear(PQexec(connection, "DEALLOCATE ALL"));
    for (std::size_t i = 0; i < sql.size(); ++i)
        PQclear(PQprepare(connection, ("raw_" + std::to_string(i)).c_str(), sql[i].c_str(), 0, nullptr));
    raw_graph graph;
    {
        const auto first = run("raw_0", {});
        for (int row = 0, rows = PQntuples(first.get()); row < rows; ++row) {
            auto& writer = graph.author_for(integer(first.get(), row, 0), text(first.get(), row, 1));
            if (which == strategy::joinedload && !PQgetisnull(first.get(), row, 2))
                writer.books.push_back(
                    {integer(first.get(), row, 2), text(first.get(), row, 3), integer(first.get(), row, 4)});
        }
    }
    auto add_books = [&](const PGresult* result) {
        for (int row = 0, rows = PQntuples(result); row < rows; ++row) {
            const auto owner = integer(result, row, 2);
            graph.authors[graph.by_id.at(owner)].books.push_back(
                {integer(result, row, 0), text(result, row, 1), owner});
        }
    };
    if (which == strategy::lazy)
        for (const auto& writer : graph.authors) add_books(run("raw_1", {std::to_string(writer.id)}).get());
    if (which == strategy::selectinload) {
        // strata sends a batch's 500 keys as one array ('{1,2,...}' for = ANY($1::BIGINT[])): so does the raw side.
        constexpr std::size_t batch = 500;
        for (std::size_t start = 0; start < graph.authors.size(); start += batch) {
            std::string keys = "{";
            for (std::size_t i = start; i < std::min(start + batch, graph.authors.size()); ++i)
                keys += (i == start ? "" : ",") + std::to_string(graph.authors[i].id);
            add_books(run("raw_1", {keys + "}"}).get());
        }
    }
    return graph.checksum();
}

/// Raw Connector/C: the captured statements prepared once per load, their rows stored and read
/// through fixed binds, as strata's driver reads them.
std::int64_t load_raw_mariadb(MYSQL* handle, strategy which, const std::vector<std::string>& sql) {
    raw_graph graph;
    {
        bench::raw_mariadb_statement first{handle, sql[0]};
        first.run({}, [&](const bench::raw_mariadb_statement& row) {
            auto& writer = graph.author_for(row.integer(0), row.text(1));
            if (which == strategy::joinedload && !row.is_null(2))
                writer.books.push_back({row.integer(2), row.text(3), row.integer(4)});
        });
    }
    if (which == strategy::lazy || which == strategy::selectinload) {
        bench::raw_mariadb_statement books{handle, sql[1]};
        const std::size_t batch = books.parameter_count();  // 1 (lazy) or a selectin batch's keys
        std::vector<std::int64_t> keys;
        for (std::size_t start = 0; start < graph.authors.size(); start += batch) {
            keys.clear();
            for (std::size_t i = start; i < start + batch; ++i) keys.push_back(graph.authors[i].id);
            books.run(keys, [&](const bench::raw_mariadb_statement& row) {
                const auto owner = row.integer(2);
                graph.authors[graph.by_id.at(owner)].books.push_back({row.integer(0), row.text(1), owner});
            });
        }
    }
    return graph.checksum();
}

template <class RawLoad>
bool measure(const char* backend, const strata::engine& engine, RawLoad&& raw_load) {
    for (const auto which : {strategy::lazy, strategy::joinedload, strategy::selectinload}) {
        const auto sql = statements_of(engine, which);
        std::int64_t strata_sum = 0;
        std::int64_t raw_sum = 0;
        const auto [strata_ms, raw_ms] = bench::best_of_alternating(
            rounds, [&] { strata_sum = load_strata(engine, which); }, [&] { raw_sum = raw_load(which, sql); });
        if (strata_sum != raw_sum || strata_sum == 0) {
            fmt::print(stderr, "eager_load {} {}: strata and raw built different graphs\n", backend,
                       strategy_name(which));
            return false;
        }
        fmt::print(
            "bench=eager_load backend={} authors={} books={} strategy={} strata_ms={:.2f} raw_ms={:.2f} "
            "ratio={:.3f}\n",
            backend, author_count, author_count * books_each, strategy_name(which), strata_ms, raw_ms,
            strata_ms / raw_ms);
    }
    return true;
}

}  // namespace

int main() {
    {
        const auto path = std::filesystem::temp_directory_path() / "strata_bench_eager_load.db";
        std::filesystem::remove(path);
        auto engine = strata::create_engine("sqlite:///" + path.string());
        examples::seed_library(engine, author_count, books_each);
        sqlite3* raw = bench::open_raw_sqlite(path.string());
        const bool ok = measure("sqlite", engine,
                                [&](strategy which, const auto& sql) { return load_raw_sqlite(raw, which, sql); });
        sqlite3_close(raw);
        std::filesystem::remove(path);
        if (!ok) return 1;
    }
    const auto url = bench::require_postgresql_url();
    auto engine = strata::create_engine(url);
    examples::seed_library(engine, author_count, books_each);
    auto raw_owner = std::make_unique<strata::driver::postgresql_connection>(strata::parse_url(url),
                                                                             strata::driver::connect_options{});
    const bool ok = measure("postgresql", engine, [&](strategy which, const auto& sql) {
        return load_raw_postgresql(raw_owner->native_handle(), which, sql);
    });
    strata::drop_all<book, author>(engine);
    if (!ok) return 1;
    if (const auto mariadb = bench::mariadb_url()) {
        auto maria_engine = strata::create_engine(*mariadb);
        examples::seed_library(maria_engine, author_count, books_each);
        const auto raw = std::make_unique<strata::driver::mariadb_connection>(strata::parse_url(*mariadb),
                                                                              strata::driver::connect_options{});
        const bool maria_ok = measure("mariadb", maria_engine, [&](strategy which, const auto& sql) {
            return load_raw_mariadb(raw->native_handle(), which, sql);
        });
        strata::drop_all<book, author>(maria_engine);
        if (!maria_ok) return 1;
    }
    return 0;
}
