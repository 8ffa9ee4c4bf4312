// The Wine tests' main (doctest). tests/windows/run.sh builds the tests with mingw-w64 and runs
// them under Wine. Files here are named wine_*.cpp, never test_*.cpp: tests/CMakeLists.txt globs
// test_*.cpp into the Linux test binary.
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>
