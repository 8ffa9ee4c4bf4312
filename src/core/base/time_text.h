// Times as text (RFC 3339 in UTC, millisecond precision) and random identifiers: the formats
// run records, outbox entries, support requests and the feed state share.
#pragma once

#include <chrono>
#include <string>

namespace fixtray {

// "2026-12-04T16:21:49.123Z".
std::string format_time_utc(std::chrono::system_clock::time_point t);
// The inverse of format_time_utc (the milliseconds are optional); the epoch when malformed or
// outside 1970..2200.
std::chrono::system_clock::time_point parse_time_utc(const std::string& s);
// A moment's calendar date and time of day in UTC (proleptic Gregorian): what timegm and
// gmtime_r give, in standard C++ (the Windows C runtime has neither).
struct UtcTime {
    int year = 1970;
    int month = 1;  // 1..12
    int day = 1;    // 1..31
    int hour = 0;
    int minute = 0;
    int second = 0;
};
// The fields of `t`, rounded down to the second.
UtcTime utc_time_of(std::chrono::system_clock::time_point t);
// The moment of `u`. Like timegm, fields out of range carry over: 31 February is 3 March (2 in
// a leap year), month 13 is January of the next year.
std::chrono::system_clock::time_point utc_time_point(const UtcTime& u);
// A random (version 4) UUID, lower case.
std::string new_uuid();

}  // namespace fixtray
