// strata/postgresql.hpp - strata plus the libpq driver, registered for postgresql:// URLs (link strata::postgresql).
#pragma once

#include <memory>

#include "strata/driver/postgresql/connection.hpp"
#include "strata/driver/registry.hpp"
#include "strata/strata.hpp"

namespace strata::driver::postgresql_detail {
/// Registers the driver once per program, when this header is included anywhere.
inline const bool registered = register_driver(
    "postgresql", dialect::postgresql,
    [](const url& address, const connect_options& options) -> std::unique_ptr<connection> {
        return std::make_unique<postgresql_connection>(address, options);
    });
}  // namespace strata::driver::postgresql_detail
