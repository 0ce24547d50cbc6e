// strata/driver/impl/registry.hpp - the definitions behind strata/driver/registry.hpp (the driver registry).
//
// Included by that header in header-only builds; under STRATA_SEPARATE_COMPILATION only by
// src/strata.cpp, so they are compiled once per program.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "strata/detail/linkage.hpp"
#include "strata/driver/registry.hpp"

namespace strata::driver::detail {

/// The registered drivers by scheme (internal: read through register_driver and find_driver).
struct registry_state {
    std::mutex mutex;
    std::map<std::string, driver_entry, std::less<>> drivers;
};

/// The one registry of the program.
inline registry_state& registry() {
    static registry_state state;  // function-local: safe from static-initialization order
    return state;
}

}  // namespace strata::driver::detail

namespace strata::driver {

STRATA_COMPILED_LINKAGE bool register_driver(std::string scheme, dialect sql_dialect, factory connect) {
    auto& state = detail::registry();
    std::lock_guard lock{state.mutex};
    state.drivers.insert_or_assign(std::move(scheme), driver_entry{std::move(connect), sql_dialect});
    return true;
}

STRATA_COMPILED_LINKAGE driver_entry find_driver(std::string_view scheme) {
    auto& state = detail::registry();
    std::lock_guard lock{state.mutex};
    if (const auto found = state.drivers.find(scheme); found != state.drivers.end()) return found->second;
    std::string known;
    for (const auto& [name, entry] : state.drivers) known += (known.empty() ? "" : ", ") + name;
    throw url_error("no driver is registered for URL scheme '" + std::string{scheme} +
                    "' (registered: " + (known.empty() ? "none" : known) +
                    "); include strata/sqlite.hpp or strata/postgresql.hpp, or register_driver() your own");
}

}  // namespace strata::driver
