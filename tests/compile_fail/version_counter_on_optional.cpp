// expect: strata::version_counter: the member must be a plain std::int64_t or std::int32_t
#include <optional>

#include "strata/orm.hpp"
struct page {
    std::int64_t id = 0;
    std::optional<std::int64_t> version;
};
template <>
struct strata::mapping<page> {
    static constexpr auto table = strata::table("pages", strata::column<&page::id>("id", strata::primary_key),
                                                strata::column<&page::version>("version", strata::version_counter));
};
int main() {}
