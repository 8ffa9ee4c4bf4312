// Keeps the head and the tail of a stream of bytes whose total size is unknown in advance.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace fixtray {

// Keeps the first cap/2 and the last cap/2 bytes of everything appended and counts the rest.
// Not thread-safe: one writer, then read the result. Memory stays below ~2 * cap.
class BoundedOutput {
public:
    explicit BoundedOutput(std::size_t cap) : head_cap_(cap / 2), tail_cap_(cap / 2) {}

    void append(std::string_view chunk);

    std::size_t total() const { return total_; }
    std::size_t omitted() const;
    bool truncated() const { return omitted() > 0; }

    // Everything if nothing was dropped, else head + "\n[... N bytes omitted ...]\n" + tail.
    std::string str() const;

private:
    std::size_t head_cap_;
    std::size_t tail_cap_;
    std::size_t total_ = 0;
    std::string head_;
    std::string tail_;  // may hold up to 2 * tail_cap_; only the last tail_cap_ bytes count
};

}  // namespace fixtray
