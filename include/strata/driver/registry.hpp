// strata/driver/registry.hpp - URL scheme -> driver factory.
//
// A driver registers itself when its header is included (strata/sqlite.hpp,
// strata/postgresql.hpp), so a program links only the client libraries it uses. Users register
// their own drivers the same way: strata::driver::register_driver("myscheme", factory).
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "strata/core/error.hpp"
#include "strata/core/url.hpp"
#include "strata/detail/linkage.hpp"
#include "strata/driver/connection.hpp"

namespace strata::driver {

/// Opens a connection for a parsed URL.
using factory = std::function<std::unique_ptr<connection>(const url&, const connect_options&)>;

/// What a registered driver provides.
struct driver_entry {
    factory connect;      ///< opens one connection
    dialect sql_dialect;  ///< the dialect its connections speak
};

/// Registers (or replaces) the driver for a URL scheme; returns true so it can initialize a variable.
STRATA_COMPILED_LINKAGE bool register_driver(std::string scheme, dialect sql_dialect, factory connect);

/// The driver for a URL scheme; throws url_error naming the schemes that are registered.
STRATA_COMPILED_LINKAGE driver_entry find_driver(std::string_view scheme);

}  // namespace strata::driver

#if !defined(STRATA_SEPARATE_COMPILATION)
#include "strata/driver/impl/registry.hpp"
#endif
