// expect: this member's type has no database conversion
#include "strata/sql.hpp"
struct point {
    int x, y;
};
struct shape {
    long long id;
    point origin;
};
template <>
struct strata::mapping<shape> {
    static constexpr auto table =
        strata::table("shapes", strata::column<&shape::id>("id"), strata::column<&shape::origin>("origin"));
};
int main() {}
