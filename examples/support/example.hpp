// examples/support/example.hpp - what every example shares: the engine from STRATA_URL, and the
// one result line per variant:
//   pattern=<name> variant=<v> backend=<sqlite|postgresql|mariadb> statements=<n> rows=<n> ms=<f>
#pragma once

#include <fmt/core.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "strata/mariadb.hpp"
#include "strata/postgresql.hpp"
#include "strata/sqlite.hpp"

namespace examples {

/// STRATA_URL, or an SQLite file in the working directory.
inline std::string database_url() {
    const char* url = std::getenv("STRATA_URL");
    return url != nullptr && *url != '\0' ? url : "sqlite:///strata_example.db";
}

/// `full`, or the row count in the environment variable `name` when set: the test suite runs the
/// slowest examples smaller (scripts/examples.sh always runs them at full size).
inline std::int64_t row_count(const char* name, std::int64_t full) {
    const char* value = std::getenv(name);
    if (value == nullptr || *value == '\0') return full;
    return std::max<std::int64_t>(1, std::strtoll(value, nullptr, 10));
}

/// The backend name printed in result lines.
inline std::string backend_name(const strata::engine& engine) {
    return std::string{strata::driver::dialect_name(engine.sql_dialect())};
}

/// Measures one variant: statements through engine events, and wall time.
class variant_run {
public:
    variant_run(const strata::engine& engine, std::string pattern, std::string variant)
        : engine_(engine),
          counter_(engine),
          pattern_(std::move(pattern)),
          variant_(std::move(variant)),
          start_(std::chrono::steady_clock::now()) {}

    /// Milliseconds since the variant started.
    [[nodiscard]] double elapsed_ms() const {
        return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start_).count();
    }

    /// Prints the result line (extra is appended as " key=value ...").
    void finish(std::size_t rows, const std::string& extra = {}) {
        const double ms = elapsed_ms();
        fmt::print("pattern={} variant={} backend={} statements={} rows={} ms={:.3f}{}{}\n", pattern_, variant_,
                   backend_name(engine_), counter_.count(), rows, ms, extra.empty() ? "" : " ", extra);
    }

private:
    strata::engine engine_;
    strata::statement_counter counter_;
    std::string pattern_;
    std::string variant_;
    std::chrono::steady_clock::time_point start_;
};

}  // namespace examples
