// Durations as written in packs and configs, and back.
#include <doctest/doctest.h>

#include "base/duration.h"

using namespace fixtray;
using std::chrono::milliseconds;

TEST_CASE("format_duration: the largest exact unit, as an author writes it") {
    CHECK(format_duration(milliseconds(7'776'000'000)) == "90d");
    CHECK(format_duration(milliseconds(90 * 60'000)) == "90m");
    CHECK(format_duration(milliseconds(2 * 3'600'000)) == "2h");
    CHECK(format_duration(milliseconds(30'000)) == "30s");
    CHECK(format_duration(milliseconds(1500)) == "1500ms");
    CHECK(format_duration(milliseconds(0)) == "0s");
    // Round trip with the parser for what packs write.
    for (const char* text : {"7d", "90d", "36h", "5m", "45s", "250ms"})
        CHECK(format_duration(milliseconds(*parse_duration_ms(text))) == text);
}
