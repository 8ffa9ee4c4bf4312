#include "base/bounded_output.h"

#include <algorithm>

namespace fixtray {

void BoundedOutput::append(std::string_view chunk) {
    total_ += chunk.size();
    if (head_.size() < head_cap_) {
        const std::size_t n = std::min(head_cap_ - head_.size(), chunk.size());
        head_.append(chunk.substr(0, n));
        chunk.remove_prefix(n);
    }
    if (chunk.empty() || tail_cap_ == 0) return;
    if (chunk.size() >= tail_cap_) {
        tail_.assign(chunk.substr(chunk.size() - tail_cap_));
        return;
    }
    tail_.append(chunk);
    // Trim lazily so that appending many small chunks stays linear.
    if (tail_.size() > 2 * tail_cap_) tail_.erase(0, tail_.size() - tail_cap_);
}

std::size_t BoundedOutput::omitted() const {
    return total_ - head_.size() - std::min(tail_.size(), tail_cap_);
}

std::string BoundedOutput::str() const {
    const std::string_view tail =
        std::string_view(tail_).substr(tail_.size() - std::min(tail_.size(), tail_cap_));
    std::string result = head_;
    if (const std::size_t dropped = omitted(); dropped > 0) {
        result += "\n[... " + std::to_string(dropped) + " bytes omitted ...]\n";
    }
    result += tail;
    return result;
}

}  // namespace fixtray
