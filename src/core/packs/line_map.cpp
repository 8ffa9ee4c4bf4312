#include "packs/line_map.h"

#include <algorithm>
#include <climits>
#include <cstring>

namespace fixtray {

LineMap::LineMap(std::string_view text) : size_(text.size()) {
    newlines_.reserve(text.size() / 32);  // about the density of a pack; saves regrowing
    const char* const begin = text.data();
    const char* const end = begin + text.size();
    for (const char* p = begin; p != end;) {
        const void* nl = std::memchr(p, '\n', static_cast<std::size_t>(end - p));
        if (!nl) break;
        p = static_cast<const char*>(nl);
        newlines_.push_back(static_cast<std::size_t>(p - begin));
        ++p;
    }
}

void LineMap::locate(std::size_t offset, int& line, int& column) const {
    offset = std::min(offset, size_);
    // The number of newlines before offset is the 0-based line.
    const auto before = static_cast<std::size_t>(
        std::lower_bound(newlines_.begin(), newlines_.end(), offset) - newlines_.begin());
    const std::size_t line_start = before == 0 ? 0 : newlines_[before - 1] + 1;
    line = static_cast<int>(std::min<std::size_t>(before + 1, INT_MAX));
    column = static_cast<int>(std::min<std::size_t>(offset - line_start + 1, INT_MAX));
}

}  // namespace fixtray
