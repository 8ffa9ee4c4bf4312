// Durations as written in packs and configs.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace fixtray {

// Parses durations as written in packs: "500ms", "30s", "5m", "2h", "7d"; a bare number is
// seconds. nullopt when malformed or negative.
std::optional<long long> parse_duration_ms(std::string_view text);

// The inverse, in the largest unit that is exact: 7776000000 ms -> "90d", 90 min -> "90m",
// 1500 ms -> "1500ms". What a person wrote is shown as they would write it.
std::string format_duration(std::chrono::milliseconds d);

}  // namespace fixtray
