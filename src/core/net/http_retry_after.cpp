#include "net/http_retry_after.h"

#include <curl/curl.h>

#include <algorithm>
#include <cctype>

namespace fixtray {
namespace {

constexpr std::chrono::seconds kMaxWait{24 * 3600};

bool all_digits(const std::string& s) {
    return !s.empty() &&
           std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isdigit(c); });
}

}  // namespace

std::optional<std::chrono::seconds> parse_retry_after(const std::string& raw,
                                                      std::chrono::system_clock::time_point now) {
    using namespace std::chrono;
    std::string value = raw;
    const auto not_space = [](unsigned char c) { return !std::isspace(c); };
    value.erase(value.begin(), std::find_if(value.begin(), value.end(), not_space));
    value.erase(std::find_if(value.rbegin(), value.rend(), not_space).base(), value.end());
    if (all_digits(value)) {
        if (value.size() > 9) return kMaxWait;  // stol cannot overflow below 10 digits
        return std::min(seconds{std::stol(value)}, kMaxWait);
    }
    // curl_getdate answers -1 for text it cannot read (and for 1969-12-31 23:59:59, as useless).
    const time_t when = curl_getdate(value.c_str(), nullptr);
    if (when == -1) return std::nullopt;
    // In seconds: a time_point counts nanoseconds and overflows past 2262 ("... 9999 ...").
    const seconds at{static_cast<seconds::rep>(when)};
    const seconds now_s = floor<seconds>(now.time_since_epoch());
    if (at <= now_s) return seconds{0};
    return std::min(at - now_s, kMaxWait);
}

}  // namespace fixtray
