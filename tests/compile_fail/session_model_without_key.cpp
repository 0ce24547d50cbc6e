// expect: the ORM needs a primary key
// The ORM tracks objects by primary key; Core statements work on such a table, the session does not.
#include "strata/orm.hpp"
struct Thing {
    std::int64_t id = 0;
};
template <>
struct strata::mapping<Thing> {
    static constexpr auto table = strata::table("things", strata::column<&Thing::id>("id"));
};
void use(strata::session& session) { session.add(Thing{}); }
int main() {}
