#include "base/time_text.h"

#include <boost/uuid/random_generator.hpp>
#include <boost/uuid/uuid_io.hpp>

#include <cstdio>
#include <ctime>

namespace fixtray {

std::chrono::system_clock::time_point parse_time_utc(const std::string& s) {
    std::tm tm{};
    int ms = 0;
    if (std::sscanf(s.c_str(), "%d-%d-%dT%d:%d:%d.%dZ", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
                    &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &ms) < 6)
        return {};
    // system_clock counts nanoseconds in 64 bits (it ends in 2262): a damaged file must not
    // overflow it.
    if (tm.tm_year < 1970 || tm.tm_year > 2200 || ms < 0 || ms > 999) return {};
    tm.tm_year -= 1900;
    tm.tm_mon -= 1;
    return std::chrono::system_clock::from_time_t(timegm(&tm)) + std::chrono::milliseconds(ms);
}

std::string format_time_utc(std::chrono::system_clock::time_point t) {
    const auto secs = std::chrono::time_point_cast<std::chrono::seconds>(t);
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(t - secs).count();
    const std::time_t tt = std::chrono::system_clock::to_time_t(secs);
    std::tm tm{};
    gmtime_r(&tt, &tm);
    char buf[64];
    std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                  tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                  static_cast<int>(ms));
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
