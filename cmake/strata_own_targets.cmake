# How strata's own targets (tests, examples, benchmarks) are built and registered as tests; never
# imposed on users.

# Warnings for strata's own targets.
function(strata_set_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic)
  # GCC 12 reports std::optional's payload as maybe-uninitialized at -O1 and above (GCC bug 80635,
  # a false positive the standard library cannot avoid); every other warning stays an error.
  if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
    target_compile_options(${target} PRIVATE -Wno-maybe-uninitialized)
  endif()
  if(STRATA_WARNINGS_AS_ERRORS)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
endfunction()

# The project's small programs (examples, README's blocks, the compile benchmark's programs) carry
# line tables only (-g1) in a Debug build: full debug information cost a quarter of each one's
# compile (examples/05_exists.cpp, g++ -O1: 6.97 s with -g, 5.25 s with -g1), and the test script
# compiles 26 of them. A backtrace still names functions, files and lines.
function(strata_set_program_build_options target)
  target_compile_options(${target} PRIVATE $<$<CONFIG:Debug>:-g1>)
endfunction()

# Registers a program as three tests, one per backend: <name>.sqlite, <name>.postgresql and <name>.mariadb.
# The PostgreSQL one reads STRATA_TEST_POSTGRESQL_URL when it runs (the test script starts the
# server and sets it) and fails, rather than skips, when it is missing; the MariaDB one likewise
# reads STRATA_TEST_MARIADB_URL.
function(strata_add_backend_tests name target)
  add_test(NAME ${name}.sqlite
           COMMAND ${CMAKE_COMMAND} -E env "STRATA_URL=sqlite:///${CMAKE_CURRENT_BINARY_DIR}/${name}.db"
                   $<TARGET_FILE:${target}>)
  add_test(NAME ${name}.postgresql
           COMMAND sh -c "if [ -z \"$STRATA_TEST_POSTGRESQL_URL\" ]; then echo 'STRATA_TEST_POSTGRESQL_URL is not set: run scripts/test.sh, which starts PostgreSQL' >&2; exit 1; fi; STRATA_URL=\"$STRATA_TEST_POSTGRESQL_URL\" STRATA_REPLICA_URL=\"$STRATA_TEST_REPLICA_URL\" exec \"$0\"" $<TARGET_FILE:${target}>)
  # Examples share the server's default schema (as a user's program would): one at a time.
  set_tests_properties(${name}.postgresql PROPERTIES RESOURCE_LOCK strata_postgresql_examples)
  add_test(NAME ${name}.mariadb
           COMMAND sh -c "if [ -z \"$STRATA_TEST_MARIADB_URL\" ]; then echo 'STRATA_TEST_MARIADB_URL is not set: run scripts/test.sh, which starts MariaDB' >&2; exit 1; fi; STRATA_URL=\"$STRATA_TEST_MARIADB_URL\" exec \"$0\"" $<TARGET_FILE:${target}>)
  set_tests_properties(${name}.mariadb PROPERTIES RESOURCE_LOCK strata_mariadb_examples)
endfunction()
