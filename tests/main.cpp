// The Catch2 main, compiled once for every test file.
#define CATCH_CONFIG_MAIN
// Catch2's console reporter indents a test name's wrapped lines to just after its first ": ";
// past the console's width it loops for ever, printing "-" (a name with ": " at column 80 hung
// the suite's ASan run in CI). 160 columns leave room for any name the suite has.
#define CATCH_CONFIG_CONSOLE_WIDTH 160
#include <catch2/catch.hpp>
