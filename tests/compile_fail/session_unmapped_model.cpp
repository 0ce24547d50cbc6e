// expect: this type is not mapped
// A session query of a struct that has no strata::mapping.
#include "strata/orm.hpp"
struct Thing {
    std::int64_t id = 0;
};
void use(strata::session& session) { session.query<Thing>(); }
int main() {}
