// strata/mariadb.hpp - strata plus the MariaDB / MySQL driver (MariaDB Connector/C), registered for
// mariadb:// and mysql:// URLs (link strata::mariadb).
#pragma once

#include <memory>

#include "strata/core/url.hpp"
#include "strata/detail/linkage.hpp"
#include "strata/driver/connection.hpp"
#include "strata/driver/registry.hpp"
#include "strata/strata.hpp"

namespace strata::driver {
/// Opens one MariaDB connection for a mariadb:// or mysql:// URL (what the driver registry calls).
STRATA_COMPILED_LINKAGE std::unique_ptr<connection> open_mariadb_connection(const url& address,
                                                                            const connect_options& options);
}  // namespace strata::driver

#if !defined(STRATA_SEPARATE_COMPILATION)
#include "strata/driver/mariadb/open_connection.hpp"
#endif

namespace strata::driver::mariadb_detail {
/// Registers the driver once per program, for both schemes, when this header is included anywhere
/// (and, under STRATA_SEPARATE_COMPILATION, makes the linker take the compiled driver from strata::mariadb).
inline const bool registered = register_driver("mariadb", dialect::mariadb, &open_mariadb_connection) &&
                               register_driver("mysql", dialect::mariadb, &open_mariadb_connection);
}  // namespace strata::driver::mariadb_detail
