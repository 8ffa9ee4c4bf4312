// Retry-After (RFC 9110 10.2.3): how long a server asks a client to wait before trying again.
#pragma once

#include <chrono>
#include <optional>
#include <string>

namespace fixtray {

// Parses a Retry-After value: delay-seconds ("120") or an HTTP-date ("Wed, 21 Oct 2015 07:28:00
// GMT", also the obsolete RFC 850 and asctime forms). A date in the past gives 0 s. nullopt when
// the value is neither. Capped at one day, so a bad header cannot park a request for years.
// Dates are read by libcurl's curl_getdate, which is lenient the way browsers are (a wrong weekday
// is ignored, "31 Feb" rolls over into March, a numeric zone such as "+0100" is honoured): any
// result is still clamped to [0 s, one day]. A date libcurl cannot represent (before 1970) gives
// nullopt. Thread-safe; needs no curl_global_init.
std::optional<std::chrono::seconds> parse_retry_after(const std::string& value,
                                                      std::chrono::system_clock::time_point now);

}  // namespace fixtray
