// strata/detail/linkage.hpp - STRATA_COMPILED_LINKAGE: how functions that a separate-compilation
// build compiles once are declared.
//
// Header-only (the default), they are `inline` and every translation unit that uses them compiles
// them. With STRATA_SEPARATE_COMPILATION defined in every translation unit (CMake's
// -DSTRATA_SEPARATE_COMPILATION=ON does it through strata::sqlite / strata::postgresql), they are
// ordinary functions defined once, in src/*.cpp, and a program's other translation units neither
// parse nor optimise them.
#pragma once

#if defined(STRATA_SEPARATE_COMPILATION)
#define STRATA_COMPILED_LINKAGE
#else
#define STRATA_COMPILED_LINKAGE inline
#endif
