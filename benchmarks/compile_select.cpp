// bench=compile_select: building and compiling a typical filtered, ordered, limited select, in
// nanoseconds per statement: cold (the text rendered every time) and cached (same shape, new
// values: the text comes from the shape cache and only the parameters are collected).
#include <fmt/core.h>

#include <cstdint>
#include <string>

#include "strata/sql.hpp"
#include "support/bench.hpp"

namespace {

struct user {
    std::int64_t id = 0;
    std::string email;
    std::string name;
    std::int32_t age = 0;
};

}  // namespace

template <>
struct strata::mapping<user> {
    static constexpr auto table = strata::table("users",                                               //
                                                strata::column<&user::id>("id", strata::primary_key),  //
                                                strata::column<&user::email>("email"),                 //
                                                strata::column<&user::name>("name"),                   //
                                                strata::column<&user::age>("age"));
};

namespace {

using strata::col;

auto build(std::int32_t age, const std::string& name) {
    return strata::select(col<&user::id>, col<&user::email>, col<&user::name>)
        .where(col<&user::age> >= age && col<&user::name> != name)
        .order_by(col<&user::id>.desc())
        .limit(20);
}

}  // namespace

int main() {
    constexpr int iterations = 200'000;
    const std::string name = "someone";
    std::size_t sink = 0;
    for (const auto target : {strata::dialect::sqlite, strata::dialect::postgresql}) {
        const double cold = bench::nanoseconds_per_call(5, iterations, [&](int i) {
            sink += strata::sql::compile_uncached(build(i % 90, name).core(), target).sql.size();
        });
        const double cached = bench::nanoseconds_per_call(
            5, iterations, [&](int i) { sink += build(i % 90, name).compile(target).parameters.size(); });
        const double build_only = bench::nanoseconds_per_call(
            5, iterations, [&](int i) { sink += build(i % 90, name).core().columns.size(); });
        fmt::print("bench=compile_select backend={} ns_cold={:.0f} ns_cached={:.0f} ns_build_only={:.0f}\n",
                   strata::dialect_name(target), cold, cached, build_only);
    }
    return sink == 0 ? 1 : 0;
}
