// strata/driver/sqlite/open_connection.hpp - the definition of open_sqlite_connection.
//
// strata/sqlite.hpp includes this in header-only builds; under STRATA_SEPARATE_COMPILATION only
// src/sqlite_driver.cpp does, so the driver is compiled once per program, not once per source file.
#pragma once

#include <memory>

#include "strata/core/url.hpp"
#include "strata/detail/linkage.hpp"
#include "strata/driver/connection.hpp"
#include "strata/driver/sqlite/connection.hpp"

namespace strata::driver {

/// Opens one SQLite connection for a sqlite:// URL (what the driver registry calls).
STRATA_COMPILED_LINKAGE std::unique_ptr<connection> open_sqlite_connection(const url& address,
                                                                           const connect_options& options) {
    return std::make_unique<sqlite_connection>(address.database, options);
}

}  // namespace strata::driver
