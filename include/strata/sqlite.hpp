// strata/sqlite.hpp - strata plus the SQLite driver, registered for sqlite:// URLs (link strata::sqlite).
#pragma once

#include <memory>

#include "strata/core/url.hpp"
#include "strata/detail/linkage.hpp"
#include "strata/driver/connection.hpp"
#include "strata/driver/registry.hpp"
#include "strata/strata.hpp"

namespace strata::driver {
/// Opens one SQLite connection for a sqlite:// URL (what the driver registry calls).
STRATA_COMPILED_LINKAGE std::unique_ptr<connection> open_sqlite_connection(const url& address,
                                                                           const connect_options& options);
}  // namespace strata::driver

#if !defined(STRATA_SEPARATE_COMPILATION)
#include "strata/driver/sqlite/open_connection.hpp"
#endif

namespace strata::driver::sqlite_detail {
/// Registers the driver once per program, when this header is included anywhere (and, under
/// STRATA_SEPARATE_COMPILATION, makes the linker take the compiled driver from strata::sqlite).
inline const bool registered = register_driver("sqlite", dialect::sqlite, &open_sqlite_connection);
}  // namespace strata::driver::sqlite_detail
