// strata/postgresql.hpp - strata plus the libpq driver, registered for postgresql:// URLs (link strata::postgresql).
#pragma once

#include <memory>

#include "strata/core/url.hpp"
#include "strata/detail/linkage.hpp"
#include "strata/driver/connection.hpp"
#include "strata/driver/registry.hpp"
#include "strata/strata.hpp"

namespace strata::driver {
/// Opens one libpq connection for a postgresql:// URL (what the driver registry calls).
STRATA_COMPILED_LINKAGE std::unique_ptr<connection> open_postgresql_connection(const url& address,
                                                                               const connect_options& options);
}  // namespace strata::driver

#if !defined(STRATA_SEPARATE_COMPILATION)
#include "strata/driver/postgresql/open_connection.hpp"
#endif

namespace strata::driver::postgresql_detail {
/// Registers the driver once per program, when this header is included anywhere (and, under
/// STRATA_SEPARATE_COMPILATION, makes the linker take the compiled driver from strata::postgresql).
inline const bool registered = register_driver("postgresql", dialect::postgresql, &open_postgresql_connection);
}  // namespace strata::driver::postgresql_detail
