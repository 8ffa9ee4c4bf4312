// Retry-After (RFC 9110 10.2.3): how long a server asks a client to wait before trying again.
#pragma once

#include <chrono>
#include <optional>
#include <string>

namespace fixtray {

// Parses a Retry-After value: delay-seconds ("120") or an HTTP-date ("Wed, 21 Oct 2015 07:28:00
// GMT", also the obsolete RFC 850 and asctime forms). A date in the past gives 0 s. nullopt when
// the value is neither. Capped at one day, so a bad header cannot park a request for years.
std::optional<std::chrono::seconds> parse_retry_after(const std::string& value,
                                                      std::chrono::system_clock::time_point now);

}  // namespace fixtray
