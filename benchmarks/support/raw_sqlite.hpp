// benchmarks/support/raw_sqlite.hpp - how the benchmarks' raw side opens SQLite.
#pragma once

#include <sqlite3.h>

#include <string>

namespace bench {

/// Opens `path` with the flags strata's driver uses: read-write and no connection mutex (one
/// thread per connection). The default, serialized mode takes a mutex in every API call, which
/// would charge the raw side a cost strata does not pay (about 15% of a 1,000,000-row stream).
inline sqlite3* open_raw_sqlite(const std::string& path) {
    sqlite3* database = nullptr;
    sqlite3_open_v2(path.c_str(), &database, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
    return database;
}

}  // namespace bench
