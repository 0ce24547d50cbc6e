// expect: this type is not mapped
#include "strata/sql.hpp"
struct unmapped {
    long long id;
};
int main() { (void)strata::select(strata::col<&unmapped::id>); }
