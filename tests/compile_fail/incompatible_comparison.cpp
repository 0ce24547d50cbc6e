// expect: these two operands cannot be compared in SQL
#include <string>

#include "strata/sql.hpp"
struct person {
    long long id;
    std::string email;
};
template <>
struct strata::mapping<person> {
    static constexpr auto table =
        strata::table("people", strata::column<&person::id>("id"), strata::column<&person::email>("email"));
};
int main() { (void)strata::select(strata::col<&person::id>).where(strata::col<&person::email> == 42); }
