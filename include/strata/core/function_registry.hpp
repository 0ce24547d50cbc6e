// strata/core/function_registry.hpp - SQL functions and collations written in C++, for a database
// that lacks them: every SQLite connection registers what this registry holds when it opens.
//
// A header that needs one adds it at static initialization (strata/core/decimal.hpp adds the
// exact decimal arithmetic SQLite has no type for), so a program that never includes that header
// compiles none of its code, and the SQLite driver knows nothing of decimals: it only turns SQLite
// values into strata::parameter and back.
#pragma once

#include <cstdint>
#include <deque>
#include <span>
#include <string_view>

#include "strata/core/value.hpp"
#include "strata/detail/linkage.hpp"

namespace strata {

/// A scalar function: `call` gets the arguments (views valid during the call) and returns the
/// result, owning its text; it throws strata::error (or any std::exception) to fail the statement.
struct registered_scalar {
    std::string_view name;                                    ///< the SQL name (static text)
    int arity;                                                ///< the number of arguments
    parameter (*call)(std::span<const parameter> arguments);  ///< the function
};

/// An aggregate function, usable as a window function too: a state made on the first row, rows
/// added (and, as a window frame moves, taken away), its value read, then the state freed.
struct registered_aggregate {
    std::string_view name;                                ///< the SQL name (static text)
    void* (*start)();                                     ///< a new, empty state
    void (*add)(void* state, const parameter& value);     ///< one row's argument
    void (*remove)(void* state, const parameter& value);  ///< a row leaving the window frame
    parameter (*value)(const void* state);                ///< the aggregate so far (owning its text)
    void (*finish)(void* state) noexcept;                 ///< frees the state
};

/// A collation: a total order of two texts (-1, 0, 1); it must not throw.
struct registered_collation {
    std::string_view name;                                                   ///< the SQL name (static text)
    int (*compare)(std::string_view left, std::string_view right) noexcept;  ///< the order
};

/// Everything registered so far (deques: a connection keeps each entry's address).
struct function_registry {
    std::deque<registered_scalar> scalars;
    std::deque<registered_aggregate> aggregates;
    std::deque<registered_collation> collations;
};

/// The program's registry (filled before main by the headers that need it; read when a SQLite
/// connection opens).
STRATA_COMPILED_LINKAGE function_registry& registered_functions();

}  // namespace strata

#if !defined(STRATA_SEPARATE_COMPILATION)
#include "strata/core/impl/function_registry.hpp"
#endif
