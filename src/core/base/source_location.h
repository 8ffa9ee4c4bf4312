// Where something is in a text file: the file:line:column every message about a pack, a site
// config or a feed index names, so an editor can jump to it.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace fixtray {

struct SourceLocation {
    std::string file;
    int line = 0;
    int column = 0;

    std::string str() const;  // "file:line:col" (omits what is unknown)
};

// 1-based line and column (in bytes) of a byte offset; an offset past the end is the end.
SourceLocation location_of(std::string_view text, std::size_t offset, const std::string& file);

}  // namespace fixtray
