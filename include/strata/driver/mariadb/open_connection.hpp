// strata/driver/mariadb/open_connection.hpp - the definition of open_mariadb_connection.
//
// strata/mariadb.hpp includes this in header-only builds; under STRATA_SEPARATE_COMPILATION only
// src/mariadb_driver.cpp does, so the driver is compiled once per program, not once per source file.
#pragma once

#include <memory>

#include "strata/core/url.hpp"
#include "strata/detail/linkage.hpp"
#include "strata/driver/connection.hpp"
#include "strata/driver/mariadb/connection.hpp"

namespace strata::driver {

/// Opens one MariaDB connection for a mariadb:// or mysql:// URL (what the driver registry calls).
STRATA_COMPILED_LINKAGE std::unique_ptr<connection> open_mariadb_connection(const url& address,
                                                                            const connect_options& options) {
    return std::make_unique<mariadb_connection>(address, options);
}

}  // namespace strata::driver
