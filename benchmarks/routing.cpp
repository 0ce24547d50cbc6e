// bench=routing: what read-replica routing adds to a statement, measured side by side on one
// server (STRATA_BENCH_REPLICA_URL, or the primary itself standing in for its replica: the
// routing work is the same).
//   overhead_ns:          a session's per-statement choice of connection (read_connection()) with
//                         a replica configured, minus the same call without one
//   checkout_overhead_ns: engine.connect_for_read() (round robin, health) minus engine.connect(),
//                         per checkout and return
#include <cstdlib>
#include <string>

#include "strata/orm.hpp"
#include "strata/postgresql.hpp"
#include "support/bench.hpp"

int main() {
    const auto url = bench::require_postgresql_url();
    const char* replica = std::getenv("STRATA_BENCH_REPLICA_URL");
    const std::string replica_url = replica != nullptr && *replica != '\0' ? replica : url;
    auto plain = strata::create_engine(url);
    auto routed = strata::create_engine(url, {.replicas = {replica_url}});

    constexpr int calls = 2'000'000;
    strata::session plain_session{plain};
    strata::session routed_session{routed};
    (void)plain_session.read_connection();  // checked out and begun once, as after a session's first statement
    (void)routed_session.read_connection();
    const double plain_ns = bench::nanoseconds_per_call(3, calls, [&](int) {
        auto& connection = plain_session.read_connection();
        asm volatile("" : : "r"(&connection) : "memory");
    });
    const double routed_ns = bench::nanoseconds_per_call(3, calls, [&](int) {
        auto& connection = routed_session.read_connection();
        asm volatile("" : : "r"(&connection) : "memory");
    });

    constexpr int checkouts = 200'000;
    const double connect_ns = bench::nanoseconds_per_call(3, checkouts, [&](int) { (void)routed.connect(); });
    const double read_connect_ns =
        bench::nanoseconds_per_call(3, checkouts, [&](int) { (void)routed.connect_for_read(); });
    fmt::print(
        "bench=routing backend=postgresql overhead_ns={:.1f} checkout_overhead_ns={:.1f} read_connection_ns={:.1f} "
        "connect_ns={:.1f} connect_for_read_ns={:.1f}\n",
        routed_ns - plain_ns, read_connect_ns - connect_ns, routed_ns, connect_ns, read_connect_ns);
    return 0;
}
