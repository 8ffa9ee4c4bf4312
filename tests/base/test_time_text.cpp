// Time text and UUIDs: the formats run records, outbox entries and support requests share.
#include <doctest/doctest.h>

#include <chrono>
#include <set>
#include <string>

#include "base/time_text.h"

using namespace fixtray;

TEST_CASE("new_uuid: version 4, variant 1, lower case, never repeated") {
    // Scenario: request ids go to help desks; they must have the RFC 9562 shape and not collide.
    std::set<std::string> seen;
    for (int i = 0; i < 1000; ++i) {
        const std::string id = new_uuid();
        CAPTURE(id);
        REQUIRE(id.size() == 36);
        CHECK(id[8] == '-');
        CHECK(id[13] == '-');
        CHECK(id[18] == '-');
        CHECK(id[23] == '-');
        CHECK(id[14] == '4');
        CHECK(std::string("89ab").find(id[19]) != std::string::npos);
        CHECK(id.find_first_not_of("0123456789abcdef-") == std::string::npos);
        CHECK(seen.insert(id).second);
    }
}

TEST_CASE(
    "format_time_utc and parse_time_utc: a time reads back equal, malformed text is the epoch") {
    // Scenario: a time written to a record reads back equal; a damaged file gives the epoch.
    const auto t = std::chrono::sys_days{std::chrono::year{2026} / 12 / 4} +
                   std::chrono::hours{16} + std::chrono::minutes{21} + std::chrono::seconds{49} +
                   std::chrono::milliseconds{123};
    CHECK(format_time_utc(t) == "2026-12-04T16:21:49.123Z");
    CHECK(parse_time_utc("2026-12-04T16:21:49.123Z") == t);
    CHECK(parse_time_utc("2026-12-04T16:21:49Z") == t - std::chrono::milliseconds{123});
    CHECK(parse_time_utc("yesterday") == std::chrono::system_clock::time_point{});
    CHECK(parse_time_utc("9999-01-01T00:00:00Z") == std::chrono::system_clock::time_point{});
}
