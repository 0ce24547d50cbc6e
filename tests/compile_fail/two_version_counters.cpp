// expect: strata::version_counter on more than one column
#include "strata/orm.hpp"
#include "strata/sqlite.hpp"
struct page {
    std::int64_t id = 0;
    std::int64_t version = 0;
    std::int64_t revision = 0;
};
template <>
struct strata::mapping<page> {
    static constexpr auto table = strata::table("pages", strata::column<&page::id>("id", strata::primary_key),
                                                strata::column<&page::version>("version", strata::version_counter),
                                                strata::column<&page::revision>("revision", strata::version_counter));
};
int main() {
    auto engine = strata::create_engine("sqlite://");
    strata::session session{engine};
    return session.get<page>(1) ? 1 : 0;
}
