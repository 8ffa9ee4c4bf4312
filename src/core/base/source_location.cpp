#include "base/source_location.h"

#include <algorithm>
#include <cstdint>
#include <cstring>

namespace fixtray {

std::string SourceLocation::str() const {
    std::string out = file;
    if (line > 0) {
        if (!out.empty()) out += ':';
        out += std::to_string(line);
        if (column > 0) {
            out += ':';
            out += std::to_string(column);
        }
    }
    return out;
}

SourceLocation location_of(std::string_view text, std::size_t offset, const std::string& file) {
    SourceLocation loc;
    loc.file = file;
    offset = std::min(offset, text.size());
    std::size_t line_start = 0;
    loc.line = 1;
    for (const char *p = text.data(), *end = text.data() + offset;;) {
        const void* nl = std::memchr(p, '\n', static_cast<std::size_t>(end - p));
        if (nl == nullptr) break;
        p = static_cast<const char*>(nl) + 1;
        ++loc.line;
        line_start = static_cast<std::size_t>(p - text.data());
    }
    loc.column = static_cast<int>(std::min<std::size_t>(offset - line_start + 1, INT32_MAX));
    return loc;
}

}  // namespace fixtray
