// Byte offsets in a pack's text as 1-based line and column, for file:line:column messages.
// Internal to the pack loader.
#pragma once

#include <cstddef>
#include <string_view>
#include <vector>

namespace fixtray {

class LineMap {
public:
    // Records where the lines of `text` start; `text` need not outlive the map.
    explicit LineMap(std::string_view text);

    // The line and column (in bytes) of `offset`; an offset past the end is the end.
    void locate(std::size_t offset, int& line, int& column) const;

private:
    std::vector<std::size_t> newlines_;  // offsets of the '\n's, ascending
    std::size_t size_;
};

}  // namespace fixtray
