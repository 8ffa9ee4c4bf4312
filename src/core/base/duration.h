// Durations as written in packs and configs.
#pragma once

#include <optional>
#include <string_view>

namespace fixtray {

// Parses durations as written in packs: "500ms", "30s", "5m", "2h", "7d"; a bare number is
// seconds. nullopt when malformed or negative.
std::optional<long long> parse_duration_ms(std::string_view text);

}  // namespace fixtray
