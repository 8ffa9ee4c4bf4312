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
// A random (version 4) UUID, lower case.
std::string new_uuid();

}  // namespace fixtray
