// expect: a column names a member of another class
#include "strata/sql.hpp"
struct a {
    long long id;
};
struct b {
    long long id;
};
template <>
struct strata::mapping<a> {
    static constexpr auto table = strata::table("a", strata::column<&b::id>("id", strata::primary_key));
};
int main() { (void)strata::table_of<a>(); }
