// Small text helpers shared by the built-in steps (internal to src/core, not a public contract).
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string>

namespace fixtray::builtin_text {

// The limit the built-ins keep BuiltinResult::detail under.
inline constexpr std::size_t max_detail = 64 * 1024;

// "512 bytes", "3.1 KB", "3.1 MB", "1.2 GB" (binary units, one decimal).
inline std::string format_size(std::uint64_t bytes) {
    if (bytes < 1024) return std::to_string(bytes) + (bytes == 1 ? " byte" : " bytes");
    const char* units[] = {"KB", "MB", "GB", "TB"};
    double v = static_cast<double>(bytes) / 1024.0;
    int u = 0;
    while (v >= 1024.0 && u < 3) {
        v /= 1024.0;
        ++u;
    }
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.1f %s", v, units[u]);
    return buf;
}

// "1 file", "2 files".
inline std::string count_noun(std::uint64_t n, const char* singular, const char* plural) {
    return std::to_string(n) + " " + (n == 1 ? singular : plural);
}

// Appends one line to a bounded detail; once the bound is reached a single "..." ends it.
inline void append_line(std::string& detail, const std::string& line) {
    if (detail.size() + line.size() + 1 > max_detail - 4) {
        if (detail.size() < 4 || detail.compare(detail.size() - 4, 4, "...\n") != 0)
            detail += "...\n";
        return;
    }
    detail += line;
    detail += '\n';
}

}  // namespace fixtray::builtin_text
