// strata/driver/postgresql/open_connection.hpp - the definition of open_postgresql_connection.
//
// strata/postgresql.hpp includes this in header-only builds; under STRATA_SEPARATE_COMPILATION
// only src/postgresql_driver.cpp does, so the driver is compiled once per program, not once per
// source file.
#pragma once

#include <memory>

#include "strata/core/url.hpp"
#include "strata/detail/linkage.hpp"
#include "strata/driver/connection.hpp"
#include "strata/driver/postgresql/connection.hpp"

namespace strata::driver {

/// Opens one libpq connection for a postgresql:// URL (what the driver registry calls).
STRATA_COMPILED_LINKAGE std::unique_ptr<connection> open_postgresql_connection(const url& address,
                                                                               const connect_options& options) {
    return std::make_unique<postgresql_connection>(address, options);
}

}  // namespace strata::driver
