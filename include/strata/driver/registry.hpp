// strata/driver/registry.hpp - URL scheme -> driver factory.
//
// A driver registers itself when its header is included (strata/sqlite.hpp,
// strata/postgresql.hpp), so a program links only the client libraries it uses. Users register
// their own drivers the same way: strata::driver::register_driver("myscheme", factory).
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "strata/core/error.hpp"
#include "strata/core/url.hpp"
#include "strata/driver/connection.hpp"

namespace strata::driver {

/// Opens a connection for a parsed URL.
using factory = std::function<std::unique_ptr<connection>(const url&, const connect_options&)>;

/// What a registered driver provides.
struct driver_entry {
    factory connect;            ///< opens one connection
    dialect sql_dialect;        ///< the dialect its connections speak
};

namespace detail {
struct registry_state {
    std::mutex mutex;
    std::map<std::string, driver_entry, std::less<>> drivers;
};
inline registry_state& registry() {
    static registry_state state;  // function-local: safe from static-initialization order
    return state;
}
}  // namespace detail

/// Registers (or replaces) the driver for a URL scheme; returns true so it can initialize a variable.
inline bool register_driver(std::string scheme, dialect sql_dialect, factory connect) {
    auto& state = detail::registry();
    std::lock_guard lock{state.mutex};
    state.drivers.insert_or_assign(std::move(scheme), driver_entry{std::move(connect), sql_dialect});
    return true;
}

/// The driver for a URL scheme; throws url_error naming the schemes that are registered.
inline driver_entry find_driver(std::string_view scheme) {
    auto& state = detail::registry();
    std::lock_guard lock{state.mutex};
    if (const auto found = state.drivers.find(scheme); found != state.drivers.end()) return found->second;
    std::string known;
    for (const auto& [name, entry] : state.drivers) known += (known.empty() ? "" : ", ") + name;
    throw url_error("no driver is registered for URL scheme '" + std::string{scheme} + "' (registered: " +
                    (known.empty() ? "none" : known) +
                    "); include strata/sqlite.hpp or strata/postgresql.hpp, or register_driver() your own");
}

}  // namespace strata::driver
