// bench=sqlalchemy_<workload>: strata against SQLAlchemy 1.4 (Debian's python3-sqlalchemy, with
// psycopg2 on PostgreSQL) on the same tables and rows, for the workloads a user switching from it
// would compare: hydrate 100k objects, bulk insert 100k, selectinload of 1,000 authors x 10 books,
// stream 1M rows with yield_per(1000). SQLAlchemy's side is benchmarks/sqlalchemy/reference.py, run
// by this program after strata's side; both report their best of the same number of rounds and a
// checksum of what they loaded, which must agree. Without the Python packages it says so and skips.
#include <sys/wait.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "strata/orm.hpp"
#include "strata/postgresql.hpp"
#include "strata/sqlite.hpp"
#include "support/bench.hpp"
#include "support/library.hpp"

namespace reference {

/// A user row as the seed's User; one struct per table so that each workload has its own.
template <int Table>
struct user_row {
    std::int64_t id = 0;
    std::string email;
    std::string name;
    double score = 0;
};
using user = user_row<0>;
using bulk_user = user_row<1>;
using stream_user = user_row<2>;

}  // namespace reference

template <int Table>
struct strata::mapping<reference::user_row<Table>> {
    using row = reference::user_row<Table>;
    static constexpr const char* names[] = {"sa_users", "sa_bulk_users", "sa_stream_users"};
    static constexpr auto table = strata::table(names[Table],                                         //
                                                strata::column<&row::id>("id", strata::primary_key),  //
                                                strata::column<&row::email>("email"),                 //
                                                strata::column<&row::name>("name"),                   //
                                                strata::column<&row::score>("score"));
};

using namespace reference;
using examples::author;
using examples::book;

namespace {

constexpr std::int64_t hydrate_rows = 100'000;
constexpr std::int64_t bulk_rows = 100'000;
constexpr std::int64_t author_count = 1'000;
constexpr std::int64_t books_each = 10;
constexpr std::int64_t stream_rows = 1'000'000;

void seed(const strata::engine& engine) {
    strata::drop_all<user, bulk_user, stream_user>(engine);
    strata::create_all<user, bulk_user, stream_user>(engine);
    examples::seed_library(engine, author_count, books_each);  // example_authors, example_books
    auto connection = engine.connect();
    const auto user_values = "n, 'user' || n || '@example.com', 'User Number ' || n, n * 0.25";
    examples::insert_generated(connection, "sa_users", "id, email, name, score", user_values, hydrate_rows);
    examples::insert_generated(connection, "sa_stream_users", "id, email, name, score", user_values, stream_rows);
}

std::int64_t hydrate(const strata::engine& engine) {
    strata::session session{engine};
    std::int64_t checksum = 0;
    for (const auto& item : session.query<user>().all())
        checksum += item->id + static_cast<std::int64_t>(item->email.size());
    return checksum;
}

std::int64_t eager_load(const strata::engine& engine) {
    strata::session session{engine};
    std::int64_t checksum = 0;
    for (const auto& writer : session.query<author>().options(strata::selectinload(&author::books)).all())
        for (const auto& item : writer->books)
            checksum += writer->id + static_cast<std::int64_t>(writer->name.size()) + 3 * item->id +
                        static_cast<std::int64_t>(item->title.size());
    return checksum;
}

std::int64_t stream(const strata::engine& engine) {
    strata::session session{engine};
    std::int64_t checksum = 0;
    for (const auto& item : session.query<stream_user>().yield_per(1000))
        checksum += item->id + static_cast<std::int64_t>(item->email.size());
    return checksum;
}

/// SQLAlchemy's best time and checksum for a workload, or nothing when it cannot run.
struct python_result {
    double ms = 0;
    std::int64_t checksum = 0;
    std::string version;
};
std::optional<python_result> run_sqlalchemy(const std::string& workload, const std::string& url, int rounds,
                                            bool& missing) {
    const auto command =
        fmt::format("/usr/bin/python3 '{}' {} '{}' {} 2>&1", STRATA_SQLALCHEMY_SCRIPT, workload, url, rounds);
    FILE* pipe = ::popen(command.c_str(), "r");
    if (pipe == nullptr) return std::nullopt;
    std::string output;
    char buffer[4096];
    while (std::fgets(buffer, sizeof buffer, pipe) != nullptr) output += buffer;
    const int status = ::pclose(pipe);
    if (status != 0) {
        missing = WIFEXITED(status) && (WEXITSTATUS(status) == 3 || WEXITSTATUS(status) == 127);
        if (!missing) fmt::print(stderr, "sqlalchemy {} failed: {}\n", workload, output);
        return std::nullopt;
    }
    python_result result;
    char version[64] = {};
    long long checksum = 0;
    if (std::sscanf(output.c_str(), "sqlalchemy_ms=%lf checksum=%lld version=%63s", &result.ms, &checksum, version) !=
        3)
        return std::nullopt;
    result.checksum = checksum;
    result.version = version;
    return result;
}

/// Runs every workload on one backend; false when SQLAlchemy is missing or a checksum differs.
bool compare(const char* backend, const std::string& url) {
    auto engine = strata::create_engine(url);
    seed(engine);
    std::vector<bulk_user> rows;
    for (std::int64_t i = 0; i < bulk_rows; ++i)
        rows.push_back(
            {0, fmt::format("user{}@example.com", i), fmt::format("User Number {}", i), static_cast<double>(i) * 0.25});
    const auto clear_bulk = [&] { engine.connect().execute("DELETE FROM sa_bulk_users"); };
    const auto no_preparation = [] {};

    struct workload {
        const char* name;
        int rounds;
        std::function<void()> prepare;
        std::function<std::int64_t()> body;
    };
    const std::vector<workload> workloads{
        {"hydrate", 3, no_preparation, [&] { return hydrate(engine); }},
        {"bulk_insert", 3, clear_bulk,
         [&] {
             strata::session session{engine};
             const auto written = session.bulk_insert<bulk_user>(rows);
             session.commit();
             return static_cast<std::int64_t>(written);
         }},
        {"eager_load", 3, no_preparation, [&] { return eager_load(engine); }},
        {"stream", 1, no_preparation, [&] { return stream(engine); }},
    };
    for (const auto& item : workloads) {
        std::int64_t checksum = 0;
        const double strata_ms = bench::best_of(item.rounds, item.prepare, [&] { checksum = item.body(); });
        bool missing = false;
        const auto python = run_sqlalchemy(item.name, url, item.rounds, missing);
        if (!python) {
            if (missing) {
                fmt::print(
                    "bench=sqlalchemy_reference skipped: /usr/bin/python3 with Debian's python3-sqlalchemy "
                    "and python3-psycopg2 is not installed (apt-get install python3-sqlalchemy python3-psycopg2)\n");
            }
            return missing;
        }
        if (python->checksum != checksum) {
            fmt::print(stderr, "sqlalchemy_{} {}: checksums differ (strata {}, SQLAlchemy {})\n", item.name, backend,
                       checksum, python->checksum);
            return false;
        }
        fmt::print(
            "bench=sqlalchemy_{} backend={} strata_ms={:.2f} sqlalchemy_ms={:.2f} speedup={:.1f} sqlalchemy={}\n",
            item.name, backend, strata_ms, python->ms, python->ms / strata_ms, python->version);
        std::fflush(stdout);
    }
    strata::drop_all<book, author, user, bulk_user, stream_user>(engine);
    return true;
}

}  // namespace

int main() {
    const auto path = std::filesystem::temp_directory_path() / "strata_bench_sqlalchemy.db";
    std::filesystem::remove(path);
    const bool sqlite_ok = compare("sqlite", "sqlite:///" + path.string());
    std::filesystem::remove(path);
    if (!sqlite_ok) return 1;
    return compare("postgresql", bench::require_postgresql_url()) ? 0 : 1;
}
