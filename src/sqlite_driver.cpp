// The SQLite driver compiled once: the body of strata::sqlite when strata is configured with
// -DSTRATA_SEPARATE_COMPILATION=ON (see docs/design.md, "Compile cost").
#include "strata/driver/sqlite/open_connection.hpp"
#include "strata/sqlite.hpp"
