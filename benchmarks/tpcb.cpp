// bench=tpcb: PostgreSQL's own TPC-B workload (pgbench's default script) written with strata, against
// pgbench itself on the same server in one run:
//   bench=tpcb backend=postgresql variant=<core|orm> tps=<f> pgbench_tps=<f> ratio=<strata/pgbench>
//         round_trips=<n> client_cpu_us=<f> host_cpu_us=<f> [round_ratios=<r1>/<r2>/<r3>] invariant=<ok|broken>
// pgbench -i -s 4 sets the tables up; pgbench -M prepared, then strata's Core transaction (typed DML,
// the same five statements), then the ORM's (three rows read with_for_update(), balances changed on
// the objects, a history object added, commit(); the reads pipelined, so that on PostgreSQL they go
// with the BEGIN in one round trip; orm_one_by_one: each read waiting for its row; orm_savepoint:
// the pipelined one with session_options::flush_savepoint) each run 8 clients for STRATA_TPCB_SECONDS (10 by default),
// pgbench right before each; orm in three such rounds, its line the median round's.
// After each, the invariant of TPC-B is checked: the balances of accounts, tellers and branches and the history's
// deltas have one sum. round_trips is what one transaction of the variant waits on the server for (driver statistics).
// client_cpu_us is the client's CPU per transaction (pgbench's own, or this process's), host_cpu_us the whole machine's
// busy CPU per transaction (/proc/stat): with the server on this machine, their difference is what the server spent. On
// SQLite, which has no pgbench, the same transaction is run by raw sqlite3 calls, strata's Core and its ORM, one writer
// at a time:
//   bench=tpcb backend=sqlite variant=<core|orm> tps=<f> raw_tps=<f> ratio=<strata/raw> invariant=<ok|broken>
#include <sqlite3.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <optional>
#include <random>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <sys/resource.h>
#include <unistd.h>

#include "strata/driver/mariadb/connection.hpp"
#include "strata/mariadb.hpp"
#include "strata/orm.hpp"
#include "strata/postgresql.hpp"
#include "strata/sqlite.hpp"
#include "support/bench.hpp"
#include "support/raw_mariadb.hpp"
#include "support/raw_sqlite.hpp"

namespace {

struct account {
    std::int64_t aid = 0;
    std::int64_t bid = 0;
    std::int64_t abalance = 0;
};
struct teller {
    std::int64_t tid = 0;
    std::int64_t bid = 0;
    std::int64_t tbalance = 0;
};
struct branch {
    std::int64_t bid = 0;
    std::int64_t bbalance = 0;
};
struct history {
    std::int64_t hid = 0;  // added to pgbench's table: the ORM needs a primary key
    std::int64_t tid = 0;
    std::int64_t bid = 0;
    std::int64_t aid = 0;
    std::int64_t delta = 0;
    strata::timestamp mtime{};
    std::optional<std::string> filler;  // orm_terminated: a tag per transaction, to find doubled ones
};

}  // namespace

template <>
struct strata::mapping<account> {
    static constexpr auto table = strata::table(
        "pgbench_accounts", strata::column<&account::aid>("aid", strata::primary_key, strata::no_autoincrement),
        strata::column<&account::bid>("bid"), strata::column<&account::abalance>("abalance"));
};
template <>
struct strata::mapping<teller> {
    static constexpr auto table = strata::table(
        "pgbench_tellers", strata::column<&teller::tid>("tid", strata::primary_key, strata::no_autoincrement),
        strata::column<&teller::bid>("bid"), strata::column<&teller::tbalance>("tbalance"));
};
template <>
struct strata::mapping<branch> {
    static constexpr auto table = strata::table(
        "pgbench_branches", strata::column<&branch::bid>("bid", strata::primary_key, strata::no_autoincrement),
        strata::column<&branch::bbalance>("bbalance"));
};
template <>
struct strata::mapping<history> {
    static constexpr auto table =
        strata::table("pgbench_history", strata::column<&history::hid>("hid", strata::primary_key),
                      strata::column<&history::tid>("tid"), strata::column<&history::bid>("bid"),
                      strata::column<&history::aid>("aid"), strata::column<&history::delta>("delta"),
                      strata::column<&history::mtime>("mtime"), strata::column<&history::filler>("filler"));
};

namespace {

using strata::col;

constexpr int scale = 4;  // pgbench -s 4: 4 branches, 40 tellers, 400,000 accounts
constexpr int clients = 8;

/// One TPC-B transaction's random choices, as pgbench's default script makes them.
struct choice {
    std::int64_t aid, tid, bid, delta;
};
choice choose(std::mt19937_64& random, int branches) {
    std::uniform_int_distribution<std::int64_t> aid(1, 100000LL * branches), tid(1, 10LL * branches), bid(1, branches),
        delta(-5000, 5000);
    return {aid(random), tid(random), bid(random), delta(random)};
}

/// pgbench's five statements for `pick`, each handed to `run` (which runs or pipelines it);
/// returns what `run` gave for the balance read.
template <class Run>
auto tpcb_statements(const choice& pick, Run&& run) {
    run(strata::update<account>()
            .set(col<&account::abalance>, col<&account::abalance> + pick.delta)
            .where(col<&account::aid> == pick.aid));
    auto balance = run(strata::select(col<&account::abalance>).where(col<&account::aid> == pick.aid));
    run(strata::update<teller>()
            .set(col<&teller::tbalance>, col<&teller::tbalance> + pick.delta)
            .where(col<&teller::tid> == pick.tid));
    run(strata::update<branch>()
            .set(col<&branch::bbalance>, col<&branch::bbalance> + pick.delta)
            .where(col<&branch::bid> == pick.bid));
    run(strata::insert<history>()
            .value(col<&history::tid>, pick.tid)
            .value(col<&history::bid>, pick.bid)
            .value(col<&history::aid>, pick.aid)
            .value(col<&history::delta>, pick.delta)
            .value(col<&history::mtime>, strata::func::now()));
    return balance;
}

/// pgbench's transaction in strata's typed Core: five statements between BEGIN and COMMIT.
void core_transaction(strata::connection& connection, const choice& pick) {
    strata::transaction transaction{connection};
    (void)tpcb_statements(pick, [&](const auto& statement) { return connection.execute(statement); });
    transaction.commit();
}

/// The same five statements pipelined (connection::execute_pipelined): on PostgreSQL BEGIN, the
/// statements and COMMIT go in one round trip; the balance read arrives with them.
std::int64_t core_pipeline_transaction(strata::connection& connection, const choice& pick) {
    strata::transaction transaction{connection};
    auto balance =
        tpcb_statements(pick, [&](const auto& statement) { return connection.execute_pipelined(statement); });
    transaction.commit();
    return std::get<0>(balance.get().at(0));
}

/// The same transaction the ORM way: rows locked as they are read, changed on the objects, a new
/// history object, one commit. The three locked reads are pipelined (query<T>::pipelined()): on
/// PostgreSQL they go with the BEGIN in one round trip; `one_by_one` waits for each in turn.
void orm_transaction(strata::session& session, const choice& pick, std::optional<std::string> tag = {},
                     bool one_by_one = false) {
    strata::ref<account> held;
    strata::ref<teller> cashier;
    strata::ref<branch> office;
    auto accounts = session.query<account>().with_for_update().filter(col<&account::aid> == pick.aid);
    auto tellers = session.query<teller>().with_for_update().filter(col<&teller::tid> == pick.tid);
    auto branches = session.query<branch>().with_for_update().filter(col<&branch::bid> == pick.bid);
    if (one_by_one) {
        held = accounts.one();
        cashier = tellers.one();
        office = branches.one();
    } else {
        auto account_read = accounts.pipelined();
        auto teller_read = tellers.pipelined();
        auto branch_read = branches.pipelined();
        held = account_read.one();
        cashier = teller_read.one();
        office = branch_read.one();
    }
    held->abalance += pick.delta;
    cashier->tbalance += pick.delta;
    office->bbalance += pick.delta;
    session.add(
        history{.tid = pick.tid,
                .bid = pick.bid,
                .aid = pick.aid,
                .delta = pick.delta,
                .mtime = std::chrono::time_point_cast<std::chrono::microseconds>(std::chrono::system_clock::now()),
                .filler = std::move(tag)});
    session.commit();
}

/// Whether the balances of accounts, tellers and branches and the history's deltas have one sum.
bool invariant_holds(strata::connection& connection) {
    const auto accounts = connection.scalar(strata::select(strata::sum(col<&account::abalance>)));
    const auto tellers = connection.scalar(strata::select(strata::sum(col<&teller::tbalance>)));
    const auto branches = connection.scalar(strata::select(strata::sum(col<&branch::bbalance>)));
    const auto deltas = connection.scalar(strata::select(strata::sum(col<&history::delta>)));
    const std::int64_t history_sum = deltas.value_or(0);
    return accounts.value_or(0) == history_sum && tellers.value_or(0) == history_sum &&
           branches.value_or(0) == history_sum;
}

/// CPU time spent so far, in microseconds: this process's (`RUSAGE_SELF`), its waited-for
/// children's (`RUSAGE_CHILDREN`: pgbench), and the whole host's busy time (/proc/stat: the
/// server's too, when it runs on this machine).
struct cpu_reading {
    double self_us = 0, children_us = 0, host_us = 0;
    static cpu_reading now() {
        const auto of = [](int who) {
            rusage usage{};
            getrusage(who, &usage);
            const auto us = [](const timeval& time) { return static_cast<double>(time.tv_sec) * 1e6 + time.tv_usec; };
            return us(usage.ru_utime) + us(usage.ru_stime);
        };
        cpu_reading reading{of(RUSAGE_SELF), of(RUSAGE_CHILDREN), 0};
        if (std::FILE* stat = std::fopen("/proc/stat", "r")) {
            unsigned long long user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0;
            if (std::fscanf(stat, "cpu %llu %llu %llu %llu %llu %llu %llu", &user, &nice, &system, &idle, &iowait, &irq,
                            &softirq) == 7)
                reading.host_us = static_cast<double>(user + nice + system + irq + softirq) * 1e6 /
                                  static_cast<double>(sysconf(_SC_CLK_TCK));
            std::fclose(stat);
        }
        return reading;
    }
};

/// CPU microseconds per transaction between two readings: the client's (`children`: pgbench's
/// rather than this process's) and the host's, as `client_cpu_us=<f> host_cpu_us=<f>`.
std::string cpu_per_transaction(const cpu_reading& before, const cpu_reading& after, double transactions,
                                bool children = false) {
    const double client = children ? after.children_us - before.children_us : after.self_us - before.self_us;
    return fmt::format("client_cpu_us={:.0f} host_cpu_us={:.0f}", client / transactions,
                       (after.host_us - before.host_us) / transactions);
}

/// Runs `transaction(thread index, random)` on `threads` threads for `seconds`; transactions per
/// second (and in `cpu`, if given, the CPU per transaction: cpu_per_transaction).
double run_clients(int threads, double seconds, const std::function<void(int, std::mt19937_64&)>& transaction,
                   std::string* cpu = nullptr) {
    const auto cpu_before = cpu_reading::now();
    std::atomic<bool> stop{false};
    std::atomic<std::int64_t> done{0};
    std::vector<std::thread> workers;
    const auto start = std::chrono::steady_clock::now();
    for (int index = 0; index < threads; ++index) {
        workers.emplace_back([&, index] {
            std::mt19937_64 random{static_cast<std::uint64_t>(index) * 7919 + 1};
            while (!stop.load(std::memory_order_relaxed)) {
                transaction(index, random);
                done.fetch_add(1, std::memory_order_relaxed);
            }
        });
    }
    std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
    stop = true;
    for (auto& worker : workers) worker.join();
    const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (cpu != nullptr) *cpu = cpu_per_transaction(cpu_before, cpu_reading::now(), static_cast<double>(done.load()));
    return static_cast<double>(done.load()) / elapsed;
}

/// The round trips one transaction takes: a one-connection engine, its driver statistics read
/// before and after (the checkouts themselves send nothing: no pre-ping).
std::uint64_t round_trips_of(const std::string& url, const std::function<void(strata::engine&)>& transaction) {
    auto engine = strata::create_engine(url, {.pool_size = 1, .max_overflow = 0});
    const auto read = [&engine] {
        auto connection = engine.connect();
        return connection.native().statistics().round_trips;
    };
    transaction(engine);  // prepares its statements
    const auto before = read();
    transaction(engine);
    return read() - before;
}

/// Runs a shell command; its standard output.
std::string run_command(const std::string& command) {
    std::string output;
    if (FILE* pipe = popen(command.c_str(), "r")) {
        char buffer[4096];
        while (const std::size_t read = std::fread(buffer, 1, sizeof buffer, pipe)) output.append(buffer, read);
        if (pclose(pipe) != 0) output += "\n(exit status not 0)";
    }
    return output;
}

/// The newest pgbench under /usr/lib/postgresql, or STRATA_PGBENCH.
std::string find_pgbench() {
    if (const char* given = std::getenv("STRATA_PGBENCH"); given != nullptr && *given != '\0') return given;
    std::string found;
    if (std::filesystem::exists("/usr/lib/postgresql"))
        for (const auto& version : std::filesystem::directory_iterator("/usr/lib/postgresql"))
            if (std::filesystem::exists(version.path() / "bin/pgbench"))
                found = (version.path() / "bin/pgbench").string();
    return found;
}

double seconds_per_variant() {
    if (const char* given = std::getenv("STRATA_TPCB_SECONDS"); given != nullptr && *given != '\0')
        return std::atof(given);
    return 10;
}

void terminated_line(const std::string& url, double seconds, double pgbench_tps);

void postgresql_lines(const std::string& url) {
    const std::string pgbench = find_pgbench();
    if (pgbench.empty()) {
        fmt::print(stderr, "bench_tpcb: no pgbench under /usr/lib/postgresql: skipping PostgreSQL\n");
        return;
    }
    const double seconds = seconds_per_variant();
    std::string quoted{"'"};  // (built in steps: g++ 12 warns wrongly on "'" + url + "'" at -O2)
    quoted += url;
    quoted += '\'';
    const std::string init = run_command(pgbench + " -i -q -s " + std::to_string(scale) + " " + quoted + " 2>&1");
    if (init.find("exit status not 0") != std::string::npos) {
        fmt::print(stderr, "bench_tpcb: pgbench -i failed:\n{}\n", init);
        std::exit(1);
    }
    auto engine = strata::create_engine(url, {.pool_size = clients, .max_overflow = 0});
    engine.connect().execute("ALTER TABLE pgbench_history ADD COLUMN hid BIGSERIAL PRIMARY KEY");

    // A first run over freshly loaded tables pays for their first touches (hint bits, the
    // buffer cache): 2 s of pgbench unmeasured, so that pgbench is not measured colder than the
    // variants after it.
    (void)run_command(pgbench + " -n -M prepared -c " + std::to_string(clients) + " -j 2 -T 2 " + quoted + " 2>&1");
    // pgbench runs again right before each of strata's variants, and each ratio is to that run:
    // every variant's updates leave the few branch and teller rows longer version chains, so a
    // pgbench measured once, first, on the freshest tables would flatter itself against the
    // variants measured after it (rounds interleaved, as the issue measured them).
    double pgbench_tps = 0;
    const auto measure_pgbench = [&] {
        const auto before = cpu_reading::now();
        const std::string report = run_command(pgbench + " -n -M prepared -c " + std::to_string(clients) + " -j 2 -T " +
                                               std::to_string(static_cast<int>(seconds)) + " " + quoted + " 2>&1");
        const auto after = cpu_reading::now();
        const auto at = report.find("tps = ");
        if (at == std::string::npos) {
            fmt::print(stderr, "bench_tpcb: pgbench printed no tps:\n{}\n", report);
            std::exit(1);
        }
        pgbench_tps = std::atof(report.c_str() + at + 6);
        auto check = engine.connect();
        fmt::print("bench=tpcb backend=postgresql variant=pgbench tps={:.0f} round_trips=7 {} invariant={}\n",
                   pgbench_tps, cpu_per_transaction(before, after, pgbench_tps * seconds, true),
                   invariant_holds(check) ? "ok" : "broken");
    };
    auto check = engine.connect();  // reopened for each invariant check, closed while clients run
    check.close();

    measure_pgbench();
    std::string core_cpu;
    const double core_tps = run_clients(
        clients, seconds,
        [&](int, std::mt19937_64& random) {
            auto connection = engine.connect();
            core_transaction(connection, choose(random, scale));
        },
        &core_cpu);
    const auto core_trips = round_trips_of(url, [](strata::engine& one) {
        std::mt19937_64 random{42};
        auto connection = one.connect();
        core_transaction(connection, choose(random, scale));
    });
    check = engine.connect();
    fmt::print(
        "bench=tpcb backend=postgresql variant=core tps={:.0f} pgbench_tps={:.0f} ratio={:.3f} round_trips={} {} "
        "invariant={}\n",
        core_tps, pgbench_tps, core_tps / pgbench_tps, core_trips, core_cpu, invariant_holds(check) ? "ok" : "broken");
    check.close();

    measure_pgbench();
    std::string pipeline_cpu;
    const double pipeline_tps = run_clients(
        clients, seconds,
        [&](int, std::mt19937_64& random) {
            auto connection = engine.connect();
            (void)core_pipeline_transaction(connection, choose(random, scale));
        },
        &pipeline_cpu);
    const auto pipeline_trips = round_trips_of(url, [](strata::engine& one) {
        std::mt19937_64 random{44};
        auto connection = one.connect();
        (void)core_pipeline_transaction(connection, choose(random, scale));
    });
    check = engine.connect();
    fmt::print(
        "bench=tpcb backend=postgresql variant=core_pipeline tps={:.0f} pgbench_tps={:.0f} ratio={:.3f} "
        "round_trips={} {} invariant={}\n",
        pipeline_tps, pgbench_tps, pipeline_tps / pgbench_tps, pipeline_trips, pipeline_cpu,
        invariant_holds(check) ? "ok" : "broken");
    check.close();

    // A deadlock cannot happen (every transaction locks account, teller, branch in that order),
    // so nothing is retried: an error here is a defect and ends the run.
    // orm_savepoint: the same with session_options::flush_savepoint (what every flush did before).
    // orm_one_by_one: the three locked reads each wait for their row (no pipelined()).
    // The goal variant, orm, runs in three rounds, each after its own pgbench run, and its
    // line is the median round's (round_ratios lists all three): on this 2-core host pgbench alone
    // varies by a fifth between consecutive 10 s runs, more than the difference being measured.
    for (const std::string_view variant : {"orm", "orm_one_by_one", "orm_savepoint"}) {
        const bool one_by_one = variant == "orm_one_by_one";
        const strata::session_options options{.flush_savepoint = variant == "orm_savepoint"};
        struct round_result {
            double tps = 0, pgbench_tps = 0;
            std::string cpu;
        };
        std::vector<round_result> rounds;
        for (int round = 0; round < (variant == "orm" ? 3 : 1); ++round) {
            measure_pgbench();
            round_result result{.pgbench_tps = pgbench_tps, .cpu = {}};
            result.tps = run_clients(
                clients, seconds,
                [&](int, std::mt19937_64& random) {
                    strata::session session{engine, options};
                    orm_transaction(session, choose(random, scale), {}, one_by_one);
                },
                &result.cpu);
            rounds.push_back(std::move(result));
        }
        std::string round_ratios;
        for (const auto& result : rounds)
            round_ratios += fmt::format("{}{:.3f}", round_ratios.empty() ? "" : "/", result.tps / result.pgbench_tps);
        std::sort(rounds.begin(), rounds.end(), [](const round_result& left, const round_result& right) {
            return left.tps / left.pgbench_tps < right.tps / right.pgbench_tps;
        });
        const round_result& median = rounds[rounds.size() / 2];
        const auto orm_trips = round_trips_of(url, [&](strata::engine& one) {
            std::mt19937_64 random{43};
            strata::session session{one, options};
            orm_transaction(session, choose(random, scale), {}, one_by_one);
        });
        check = engine.connect();
        fmt::print(
            "bench=tpcb backend=postgresql variant={} tps={:.0f} pgbench_tps={:.0f} ratio={:.3f} "
            "round_trips={} {}{} invariant={}\n",
            variant, median.tps, median.pgbench_tps, median.tps / median.pgbench_tps, orm_trips, median.cpu,
            rounds.size() > 1 ? " round_ratios=" + round_ratios : std::string{},
            invariant_holds(check) ? "ok" : "broken");
        check.close();
    }
    measure_pgbench();
    terminated_line(url, seconds, pgbench_tps);
}

/// orm_terminated: the ORM's clients again (pool_pre_ping on), and halfway through every one of
/// their server connections is terminated (pg_terminate_backend). A transaction that fails with a
/// lost connection is retried with the same choice and the same tag in its history row, so that
/// afterwards `doubled` counts transactions committed twice (the connection died after the
/// server committed, before the answer arrived) and `lost` the ones reported committed whose
/// history row is missing.
void terminated_line(const std::string& url, double seconds, double pgbench_tps) {
    auto engine = strata::create_engine(url, {.pool_size = clients, .max_overflow = 0, .pool_pre_ping = true});
    std::atomic<std::int64_t> retries{0};
    std::atomic<std::int64_t> committed{0};
    std::atomic<bool> stop{false};
    std::thread killer{[&] {
        std::this_thread::sleep_for(std::chrono::duration<double>(seconds / 2));
        auto admin = strata::create_engine(url, {.pooled = false}).connect();
        admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE pid <> pg_backend_pid() AND datname = "
            "current_database() AND backend_type = 'client backend'");
    }};
    std::vector<std::thread> workers;
    const auto start = std::chrono::steady_clock::now();
    for (int index = 0; index < clients; ++index) {
        workers.emplace_back([&, index] {
            std::mt19937_64 random{static_cast<std::uint64_t>(index) * 104729 + 3};
            for (std::int64_t number = 0; !stop.load(std::memory_order_relaxed); ++number) {
                const auto pick = choose(random, scale);
                std::string tag{"k"};  // in steps: g++ 12 -O2 warns wrongly (-Wrestrict) on "k" + ... + "-"
                tag += std::to_string(index);
                tag += '-';
                tag += std::to_string(number);
                for (int attempt = 0;; ++attempt) {
                    try {
                        strata::session session{engine};
                        orm_transaction(session, pick, tag);
                        committed.fetch_add(1, std::memory_order_relaxed);
                        break;
                    } catch (const strata::operational_error&) {
                        retries.fetch_add(1, std::memory_order_relaxed);
                        if (attempt == 10) throw;
                    }
                }
            }
        });
    }
    std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
    stop = true;
    killer.join();
    for (auto& worker : workers) worker.join();
    const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    auto check = engine.connect();
    auto tagged = check.execute("SELECT count(*), count(DISTINCT filler) FROM pgbench_history WHERE filler LIKE 'k%'");
    std::int64_t rows = 0;
    std::int64_t distinct = 0;
    if (tagged.next()) {
        rows = tagged.current().get<std::int64_t>(0);
        distinct = tagged.current().get<std::int64_t>(1);
    }
    fmt::print(
        "bench=tpcb backend=postgresql variant=orm_terminated tps={:.0f} pgbench_tps={:.0f} ratio={:.3f} "
        "retries={} doubled={} lost={} invariant={}\n",
        static_cast<double>(committed.load()) / elapsed, pgbench_tps,
        static_cast<double>(committed.load()) / elapsed / pgbench_tps, retries.load(), rows - distinct,
        committed.load() - distinct, invariant_holds(check) ? "ok" : "broken");
}

/// pgbench -i -s 4's rows where there is no pgbench: 4 branches, 40 tellers, 400,000 accounts.
void seed_tpcb(const strata::engine& engine) {
    strata::session session{engine};
    std::vector<branch> branches;
    std::vector<teller> tellers;
    std::vector<account> accounts;
    for (int b = 1; b <= scale; ++b) branches.push_back({b, 0});
    for (int t = 1; t <= 10 * scale; ++t) tellers.push_back({t, (t - 1) / 10 + 1, 0});
    for (int a = 1; a <= 100000 * scale; ++a) accounts.push_back({a, (a - 1) / 100000 + 1, 0});
    session.bulk_insert<branch>(branches);
    session.bulk_insert<teller>(tellers);
    session.bulk_insert<account>(accounts);
    session.commit();
}

/// The TPC-B transaction in raw sqlite3 calls: statements prepared once, BEGIN ... COMMIT.
class raw_sqlite_tpcb {
public:
    explicit raw_sqlite_tpcb(const std::string& path) : database_(bench::open_raw_sqlite(path)) {
        sqlite3_busy_timeout(database_, 5000);
        for (const char* text : {"UPDATE pgbench_accounts SET abalance = abalance + ?1 WHERE aid = ?2",
                                 "SELECT abalance FROM pgbench_accounts WHERE aid = ?1",
                                 "UPDATE pgbench_tellers SET tbalance = tbalance + ?1 WHERE tid = ?2",
                                 "UPDATE pgbench_branches SET bbalance = bbalance + ?1 WHERE bid = ?2",
                                 "INSERT INTO pgbench_history (tid, bid, aid, delta, mtime) VALUES (?1, ?2, ?3, ?4, "
                                 "strftime('%Y-%m-%d %H:%M:%f000', 'now'))",
                                 "BEGIN", "COMMIT"}) {
            sqlite3_stmt* statement = nullptr;
            if (sqlite3_prepare_v2(database_, text, -1, &statement, nullptr) != SQLITE_OK)
                throw std::runtime_error(sqlite3_errmsg(database_));
            statements_.push_back(statement);
        }
    }
    ~raw_sqlite_tpcb() {
        for (auto* statement : statements_) sqlite3_finalize(statement);
        sqlite3_close(database_);
    }
    raw_sqlite_tpcb(const raw_sqlite_tpcb&) = delete;
    raw_sqlite_tpcb& operator=(const raw_sqlite_tpcb&) = delete;
    void run(const choice& pick) {
        step(statements_[5]);
        bind_step(statements_[0], {pick.delta, pick.aid});
        bind_step(statements_[1], {pick.aid});
        bind_step(statements_[2], {pick.delta, pick.tid});
        bind_step(statements_[3], {pick.delta, pick.bid});
        bind_step(statements_[4], {pick.tid, pick.bid, pick.aid, pick.delta});
        step(statements_[6]);
    }

private:
    static void step(sqlite3_stmt* statement) {
        while (sqlite3_step(statement) == SQLITE_ROW) {
        }
        sqlite3_reset(statement);
    }
    static void bind_step(sqlite3_stmt* statement, std::initializer_list<std::int64_t> values) {
        int index = 1;
        for (const auto value : values) sqlite3_bind_int64(statement, index++, value);
        step(statement);
    }
    sqlite3* database_;
    std::vector<sqlite3_stmt*> statements_;
};

void sqlite_lines() {
    // On tmpfs where there is one: a commit's fsync would otherwise be most of what is measured.
    const auto directory = std::filesystem::is_directory("/dev/shm") ? std::filesystem::path{"/dev/shm"}
                                                                     : std::filesystem::temp_directory_path();
    const auto path = directory / "strata_bench_tpcb.db";
    std::filesystem::remove(path);
    const std::string url = "sqlite:///" + path.string();
    auto engine = strata::create_engine(url, {.begin_immediate = true});
    strata::create_all<branch, teller, account, history>(engine);
    seed_tpcb(engine);
    // One writer at a time (SQLite's lock), so one client: a fixed number of transactions each.
    constexpr int transactions = 20000;
    const auto tps_of = [](const std::function<void(std::mt19937_64&)>& transaction) {
        std::mt19937_64 random{7};
        const double ms = bench::time_ms([&] {
            for (int i = 0; i < transactions; ++i) transaction(random);
        });
        return transactions / (ms / 1000);
    };
    raw_sqlite_tpcb raw{path.string()};
    auto connection = engine.connect();
    double raw_tps = 0, core_tps = 0, pipeline_tps = 0, orm_tps = 0;
    for (int round = 0; round < 2; ++round) {  // alternating, the better of two each
        raw_tps = std::max(raw_tps, tps_of([&](std::mt19937_64& random) { raw.run(choose(random, scale)); }));
        core_tps = std::max(
            core_tps, tps_of([&](std::mt19937_64& random) { core_transaction(connection, choose(random, scale)); }));
        pipeline_tps = std::max(pipeline_tps, tps_of([&](std::mt19937_64& random) {
                                    (void)core_pipeline_transaction(connection, choose(random, scale));
                                }));
        orm_tps = std::max(orm_tps, tps_of([&](std::mt19937_64& random) {
                               strata::session session{engine};
                               orm_transaction(session, choose(random, scale));
                           }));
    }
    const char* invariant = invariant_holds(connection) ? "ok" : "broken";
    fmt::print("bench=tpcb backend=sqlite variant=core tps={:.0f} raw_tps={:.0f} ratio={:.3f} invariant={}\n", core_tps,
               raw_tps, core_tps / raw_tps, invariant);
    fmt::print("bench=tpcb backend=sqlite variant=core_pipeline tps={:.0f} raw_tps={:.0f} ratio={:.3f} invariant={}\n",
               pipeline_tps, raw_tps, pipeline_tps / raw_tps, invariant);
    fmt::print("bench=tpcb backend=sqlite variant=orm tps={:.0f} raw_tps={:.0f} ratio={:.3f} invariant={}\n", orm_tps,
               raw_tps, orm_tps / raw_tps, invariant);
    connection.close();
    std::filesystem::remove(path);
}

/// The TPC-B transaction in raw Connector/C on one connection: the five statements prepared
/// once, START TRANSACTION ... COMMIT, every result read off.
class raw_mariadb_tpcb {
public:
    explicit raw_mariadb_tpcb(const std::string& url)
        : owner_(std::make_unique<strata::driver::mariadb_connection>(strata::parse_url(url),
                                                                      strata::driver::connect_options{})) {
        for (const std::string_view text :
             {"UPDATE pgbench_accounts SET abalance = abalance + ? WHERE aid = ?",
              "SELECT abalance FROM pgbench_accounts WHERE aid = ?",
              "UPDATE pgbench_tellers SET tbalance = tbalance + ? WHERE tid = ?",
              "UPDATE pgbench_branches SET bbalance = bbalance + ? WHERE bid = ?",
              "INSERT INTO pgbench_history (tid, bid, aid, delta, mtime) VALUES (?, ?, ?, ?, UTC_TIMESTAMP(6))"}) {
            MYSQL_STMT* statement = mysql_stmt_init(owner_->native_handle());
            if (mysql_stmt_prepare(statement, text.data(), static_cast<unsigned long>(text.size())) != 0)
                bench::raw_mariadb_failed(statement);
            statements_.push_back(statement);
        }
    }
    ~raw_mariadb_tpcb() {
        for (auto* statement : statements_) mysql_stmt_close(statement);
    }
    raw_mariadb_tpcb(const raw_mariadb_tpcb&) = delete;
    raw_mariadb_tpcb& operator=(const raw_mariadb_tpcb&) = delete;
    void run(const choice& pick) {
        bench::raw_mariadb_query(owner_->native_handle(), "START TRANSACTION");
        execute(statements_[0], {pick.delta, pick.aid});
        execute(statements_[1], {pick.aid});
        execute(statements_[2], {pick.delta, pick.tid});
        execute(statements_[3], {pick.delta, pick.bid});
        execute(statements_[4], {pick.tid, pick.bid, pick.aid, pick.delta});
        bench::raw_mariadb_query(owner_->native_handle(), "COMMIT");
    }

private:
    static void execute(MYSQL_STMT* statement, std::initializer_list<std::int64_t> values) {
        std::int64_t copies[4]{};
        MYSQL_BIND binds[4]{};
        std::size_t index = 0;
        for (const auto value : values) {
            copies[index] = value;
            binds[index].buffer_type = MYSQL_TYPE_LONGLONG;
            binds[index].buffer = &copies[index];
            ++index;
        }
        if (mysql_stmt_bind_param(statement, binds) != 0 || mysql_stmt_execute(statement) != 0)
            bench::raw_mariadb_failed(statement);
        if (mysql_stmt_field_count(statement) > 0) {
            if (mysql_stmt_store_result(statement) != 0) bench::raw_mariadb_failed(statement);
            mysql_stmt_free_result(statement);
        }
    }
    std::unique_ptr<strata::driver::mariadb_connection> owner_;  // connected and set up as strata's are
    std::vector<MYSQL_STMT*> statements_;
};

/// TPC-B on MariaDB: 8 clients, raw Connector/C against strata's Core, pipelined Core (which runs
/// each statement at once there) and ORM variants, the same tables as pgbench's.
void mariadb_lines(const std::string& url) {
    const double seconds = seconds_per_variant();
    auto engine = strata::create_engine(url, {.pool_size = clients, .max_overflow = 0});
    strata::drop_all<history, account, teller, branch>(engine);
    strata::create_all<branch, teller, account, history>(engine);
    seed_tpcb(engine);
    std::vector<std::unique_ptr<raw_mariadb_tpcb>> raw;
    for (int index = 0; index < clients; ++index) raw.push_back(std::make_unique<raw_mariadb_tpcb>(url));
    const double raw_tps = run_clients(clients, seconds, [&](int index, std::mt19937_64& random) {
        raw[static_cast<std::size_t>(index)]->run(choose(random, scale));
    });
    raw.clear();
    const auto line = [&](const char* variant, double tps, const std::function<void(strata::engine&)>& one) {
        auto check = engine.connect();
        fmt::print(
            "bench=tpcb backend=mariadb variant={} tps={:.0f} raw_tps={:.0f} ratio={:.3f} round_trips={} "
            "invariant={}\n",
            variant, tps, raw_tps, tps / raw_tps, round_trips_of(url, one), invariant_holds(check) ? "ok" : "broken");
    };
    const double core_tps = run_clients(clients, seconds, [&](int, std::mt19937_64& random) {
        auto connection = engine.connect();
        core_transaction(connection, choose(random, scale));
    });
    line("core", core_tps, [](strata::engine& one) {
        std::mt19937_64 random{42};
        auto connection = one.connect();
        core_transaction(connection, choose(random, scale));
    });
    const double orm_tps = run_clients(clients, seconds, [&](int, std::mt19937_64& random) {
        strata::session session{engine};
        orm_transaction(session, choose(random, scale));
    });
    line("orm", orm_tps, [](strata::engine& one) {
        std::mt19937_64 random{43};
        strata::session session{one};
        orm_transaction(session, choose(random, scale));
    });
    strata::drop_all<history, account, teller, branch>(engine);
}

}  // namespace

int main() try {
    sqlite_lines();
    postgresql_lines(bench::require_postgresql_url());
    if (const auto mariadb = bench::mariadb_url()) mariadb_lines(*mariadb);
    return 0;
} catch (const std::exception& error) {
    fmt::print(stderr, "bench_tpcb: {}\n", error.what());
    return 1;
}
