// strata/core/dialect.hpp - the SQL dialects strata compiles to.
//
// Lives in core because both the drivers (which speak one) and the SQL compiler (which writes
// for one) need it, and neither layer may include the other.
#pragma once

#include <string_view>

namespace strata {

/// The SQL dialect of a connection; the compiler and DDL choose their rules by it.
enum class dialect { sqlite, postgresql, mariadb };

/// The dialect's name as used in logs and benchmark lines ("sqlite", "postgresql", "mariadb").
[[nodiscard]] constexpr std::string_view dialect_name(dialect which) noexcept {
    switch (which) {
        case dialect::sqlite:
            return "sqlite";
        case dialect::postgresql:
            return "postgresql";
        case dialect::mariadb:
            return "mariadb";
    }
    return "unknown";
}

}  // namespace strata
