#include "base/time_text.h"

#include <boost/uuid/random_generator.hpp>
#include <boost/uuid/uuid_io.hpp>

#include <cstdio>

namespace fixtray {

UtcTime utc_time_of(std::chrono::system_clock::time_point t) {
    using namespace std::chrono;
    const auto secs = floor<seconds>(t);
    const auto day = floor<days>(secs);
    const year_month_day date{day};
    const hh_mm_ss time{secs - day};
    return {static_cast<int>(date.year()),
            static_cast<int>(unsigned(date.month())),
            static_cast<int>(unsigned(date.day())),
            static_cast<int>(time.hours().count()),
            static_cast<int>(time.minutes().count()),
            static_cast<int>(time.seconds().count())};
}

std::chrono::system_clock::time_point utc_time_point(const UtcTime& u) {
    using namespace std::chrono;
    // Months carry into years first (floor division, so month 0 is December of the year
    // before); the day, hour, minute and second are then added as plain durations.
    const long long months = static_cast<long long>(u.year) * 12 + (u.month - 1);
    const long long y = months >= 0 ? months / 12 : -((-months + 11) / 12);
    const auto m = static_cast<unsigned>(months - y * 12 + 1);
    const sys_days first = year{static_cast<int>(y)} / month{m} / 1;
    return first + days{u.day - 1} + hours{u.hour} + minutes{u.minute} + seconds{u.second};
}

std::chrono::system_clock::time_point parse_time_utc(const std::string& s) {
    UtcTime u;
    int ms = 0;
    if (std::sscanf(s.c_str(), "%d-%d-%dT%d:%d:%d.%dZ", &u.year, &u.month, &u.day, &u.hour,
                    &u.minute, &u.second, &ms) < 6)
        return {};
    // system_clock counts nanoseconds in 64 bits (it ends in 2262): a damaged file must not
    // overflow it.
    if (u.year < 1970 || u.year > 2200 || ms < 0 || ms > 999) return {};
    return utc_time_point(u) + std::chrono::milliseconds(ms);
}

std::string format_time_utc(std::chrono::system_clock::time_point t) {
    const auto secs = std::chrono::time_point_cast<std::chrono::seconds>(t);
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(t - secs).count();
    const UtcTime u = utc_time_of(secs);
    char buf[64];
    std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", u.year, u.month, u.day,
                  u.hour, u.minute, u.second, static_cast<int>(ms));
    return buf;
}

std::string new_uuid() {
    // Boost.Uuid draws from the operating system's CSPRNG (getrandom on Linux): identifiers sent
    // to a help desk are not predictable from earlier ones. One generator per thread: it is not
    // thread-safe, and it keeps the OS handle open.
    static thread_local boost::uuids::random_generator generate;
    return boost::uuids::to_string(generate());
}

}  // namespace fixtray
