// parse_retry_after: what a server (or anything pretending to be one) may put in Retry-After.
#include <doctest/doctest.h>

#include <chrono>
#include <string>

#include "net/http_retry_after.h"

using namespace fixtray;
using std::chrono::seconds;

namespace {

// 2015-10-21 07:00:00 UTC: the dates below are 28 minutes later.
const auto kNow = std::chrono::sys_days{std::chrono::year{2015} / 10 / 21} + std::chrono::hours{7};

}  // namespace

TEST_CASE("Retry-After: delay-seconds, trimmed, capped at a day") {
    // Scenario: the server sends a number of seconds, with stray blanks or absurdly large.
    CHECK(parse_retry_after("120", kNow) == seconds(120));
    CHECK(parse_retry_after("  7\t", kNow) == seconds(7));
    CHECK(parse_retry_after("0", kNow) == seconds(0));
    CHECK(parse_retry_after("86401", kNow) == seconds(86400));
    CHECK(parse_retry_after("99999999999999999999999999", kNow) == seconds(86400));
}

TEST_CASE("Retry-After: the three HTTP-date forms of RFC 9110") {
    // Scenario: IMF-fixdate, the obsolete RFC 850 form and asctime all name the same instant.
    CHECK(parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT", kNow) == seconds(28 * 60));
    CHECK(parse_retry_after("Wednesday, 21-Oct-15 07:28:00 GMT", kNow) == seconds(28 * 60));
    CHECK(parse_retry_after("Wed Oct 21 07:28:00 2015", kNow) == seconds(28 * 60));
    CHECK(parse_retry_after(" Wed, 21 Oct 2015 07:28:01 GMT ", kNow) == seconds(28 * 60 + 1));
}

TEST_CASE("Retry-After: a date in the past waits 0 s, one far ahead waits a day") {
    // Scenario: the server's clock is wrong in either direction.
    CHECK(parse_retry_after("Tue, 20 Oct 2015 07:28:00 GMT", kNow) == seconds(0));
    CHECK(parse_retry_after("Thu, 01 Jan 1970 00:00:00 GMT", kNow) == seconds(0));
    CHECK(parse_retry_after("Wed, 21 Oct 2015 07:00:00 GMT", kNow) == seconds(0));
    CHECK(parse_retry_after("Fri, 21 Oct 2016 07:28:00 GMT", kNow) == seconds(86400));
    CHECK(parse_retry_after("Sat, 21 Oct 9999 07:28:00 GMT", kNow) == seconds(86400));
}

TEST_CASE("Retry-After: garbage is no answer, not a wait") {
    // Scenario: hostile or broken values must give nullopt, never a delay.
    for (const char* junk : {"", "   ", "soon", "-5", "+120", "1.5", "120s", "0x10", "tomorrow",
                             "Oct 2015", "2015-10-21", "07:28:00", "Wed, 32 Oct 2015 07:28:00 GMT",
                             "Wed, 21 Oct 2015 25:28:00 GMT", "Wed, 21 Oct 2015 07:28:00 XYZ",
                             "Wed, 21 Foo 2015 07:28:00 GMT"}) {
        CAPTURE(junk);
        CHECK_FALSE(parse_retry_after(junk, kNow).has_value());
    }
}
