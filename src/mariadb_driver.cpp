// The MariaDB driver compiled once: the body of strata::mariadb when strata is configured with
// -DSTRATA_SEPARATE_COMPILATION=ON (see docs/design.md, "Compile cost").
#include "strata/driver/mariadb/open_connection.hpp"
#include "strata/mariadb.hpp"
