// benchmarks/compile/empty_main.cpp - what including strata costs before any of it is used
// (bench=compile tu=empty_main).
#include <strata/orm.hpp>
#include <strata/postgresql.hpp>
#include <strata/sqlite.hpp>

int main() {}
