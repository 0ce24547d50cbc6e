// Built against an installed strata by the packaging test; runs one statement on SQLite.
#include <strata/sqlite.hpp>

int main() {
    auto engine = strata::create_engine("sqlite://");
    auto connection = engine.connect();
    return connection.execute("SELECT 40 + $1", 2).scalar<int>() == 42 ? 0 : 1;
}
