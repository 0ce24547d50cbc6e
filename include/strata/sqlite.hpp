// strata/sqlite.hpp - strata plus the SQLite driver, registered for sqlite:// URLs (link strata::sqlite).
#pragma once

#include <memory>

#include "strata/driver/registry.hpp"
#include "strata/driver/sqlite/connection.hpp"
#include "strata/strata.hpp"

namespace strata::driver::sqlite_detail {
/// Registers the driver once per program, when this header is included anywhere.
inline const bool registered = register_driver(
    "sqlite", dialect::sqlite, [](const url& address, const connect_options& options) -> std::unique_ptr<connection> {
        return std::make_unique<sqlite_connection>(address.database, options);
    });
}  // namespace strata::driver::sqlite_detail
