#include "net/http_retry_after.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <sstream>
#include <vector>

namespace fixtray {
namespace {

constexpr std::chrono::seconds kMaxWait{24 * 3600};

bool all_digits(const std::string& s) {
    return !s.empty() &&
           std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isdigit(c); });
}

int month_number(std::string s) {
    static constexpr std::array<const char*, 12> names = {"jan", "feb", "mar", "apr", "may", "jun",
                                                          "jul", "aug", "sep", "oct", "nov", "dec"};
    std::transform(s.begin(), s.end(), s.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    for (std::size_t i = 0; i < names.size(); ++i)
        if (s == names[i]) return static_cast<int>(i) + 1;
    return 0;
}

// The three HTTP-date forms share their pieces: a month name, a hh:mm:ss time and two numbers
// (day first, then year) in an order that differs; the weekday and "GMT" carry no information.
std::optional<std::chrono::system_clock::time_point> parse_http_date(std::string text) {
    std::replace_if(
        text.begin(), text.end(), [](char c) { return c == ',' || c == '-'; }, ' ');
    std::istringstream in(text);
    std::vector<int> numbers;
    int month = 0, hh = -1, mm = -1, ss = -1;
    for (std::string token; in >> token;) {
        if (token.find(':') != std::string::npos) {
            if (token.size() != 8 || token[2] != ':' || token[5] != ':') return std::nullopt;
            const std::string h = token.substr(0, 2), m = token.substr(3, 2), s = token.substr(6);
            if (!all_digits(h) || !all_digits(m) || !all_digits(s)) return std::nullopt;
            hh = std::stoi(h), mm = std::stoi(m), ss = std::stoi(s);
        } else if (all_digits(token)) {
            if (token.size() > 4) return std::nullopt;
            numbers.push_back(std::stoi(token));
        } else if (int m = month_number(token); m != 0) {
            month = m;
        }
    }
    if (month == 0 || hh < 0 || numbers.size() != 2 || hh > 23 || mm > 59 || ss > 60)
        return std::nullopt;
    int year = numbers[1];
    if (year < 100) year += year < 70 ? 2000 : 1900;  // RFC 850's two-digit years
    using namespace std::chrono;
    const year_month_day ymd{std::chrono::year{year}, std::chrono::month{unsigned(month)},
                             std::chrono::day{unsigned(numbers[0])}};
    if (!ymd.ok()) return std::nullopt;
    return sys_days{ymd} + hours{hh} + minutes{mm} + seconds{ss};
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
        if (value.size() > 9) return kMaxWait;
        return std::min(seconds{std::stol(value)}, kMaxWait);
    }
    const auto when = parse_http_date(value);
    if (!when) return std::nullopt;
    if (*when <= now) return seconds{0};
    return std::min(duration_cast<seconds>(*when - now), kMaxWait);
}

}  // namespace fixtray
