#include "base/duration.h"

#include <limits>
#include <utility>

namespace fixtray {

namespace {

bool is_digit(char c) {
    return c >= '0' && c <= '9';
}

}  // namespace

std::optional<long long> parse_duration_ms(std::string_view text) {
    std::size_t i = 0;
    long long value = 0;
    constexpr long long kMax = std::numeric_limits<long long>::max();
    while (i < text.size() && is_digit(text[i])) {
        const int d = text[i] - '0';
        if (value > (kMax - d) / 10) return std::nullopt;
        value = value * 10 + d;
        ++i;
    }
    if (i == 0) return std::nullopt;  // no digits: empty, negative, fraction or garbage
    const std::string_view unit = text.substr(i);
    long long factor = 0;
    if (unit.empty() || unit == "s")
        factor = 1000;
    else if (unit == "ms")
        factor = 1;
    else if (unit == "m")
        factor = 60'000;
    else if (unit == "h")
        factor = 3'600'000;
    else if (unit == "d")
        factor = 86'400'000;
    else
        return std::nullopt;
    if (value > kMax / factor) return std::nullopt;
    return value * factor;
}

std::string format_duration(std::chrono::milliseconds d) {
    const long long ms = d.count();
    if (ms == 0) return "0s";
    static constexpr std::pair<long long, const char*> units[] = {
        {86'400'000, "d"}, {3'600'000, "h"}, {60'000, "m"}, {1000, "s"}};
    for (const auto& [factor, unit] : units)
        if (ms % factor == 0) return std::to_string(ms / factor) + unit;
    return std::to_string(ms) + "ms";
}

}  // namespace fixtray
