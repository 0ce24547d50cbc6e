// The libpq driver compiled once: the body of strata::postgresql when strata is configured with
// -DSTRATA_SEPARATE_COMPILATION=ON (see docs/design.md, "Compile cost").
#include "strata/driver/postgresql/open_connection.hpp"
#include "strata/postgresql.hpp"
