// expect: this member is not mapped
#include "strata/sql.hpp"
struct thing {
    long long id;
    long long other;
};
template <>
struct strata::mapping<thing> {
    static constexpr auto table = strata::table("things", strata::column<&thing::id>("id", strata::primary_key));
};
int main() { (void)strata::select(strata::col<&thing::other>); }
