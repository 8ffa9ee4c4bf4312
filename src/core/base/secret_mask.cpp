#include "base/secret_mask.h"

#include <algorithm>
#include <utility>

namespace fixtray {

SecretMask::SecretMask(const std::vector<std::string>& values) {
    for (const auto& v : values) add(v);
}

void SecretMask::add(const std::string& value) {
    if (value.size() < kMinLength) return;
    if (std::find(values_.begin(), values_.end(), value) != values_.end()) return;
    values_.push_back(value);
    // Longest first: a value that contains another is masked whole.
    std::stable_sort(
        values_.begin(), values_.end(),
        [](const std::string& a, const std::string& b) { return a.size() > b.size(); });
}

int SecretMask::apply(std::string& text) const {
    int count = 0;
    for (const auto& v : values_) {
        std::size_t pos = 0;
        while ((pos = text.find(v, pos)) != std::string::npos) {
            text.replace(pos, v.size(), kMask);
            pos += kMask.size();
            ++count;
        }
    }
    return count;
}

std::string_view SecretMask::find_in(std::string_view text) const {
    for (const auto& v : values_)
        if (text.find(v) != std::string_view::npos) return v;
    return {};
}

std::string StreamingSecretMask::feed(std::string_view chunk) {
    held_.append(chunk);
    if (mask_.empty()) return std::exchange(held_, {});
    mask_.apply(held_);
    // Keep back the longest end of the text that is the beginning of some value.
    std::size_t keep = 0;
    for (const auto& v : mask_.values()) {
        const std::size_t most = std::min(v.size() - 1, held_.size());
        for (std::size_t n = most; n > keep; --n)
            if (held_.compare(held_.size() - n, n, v, 0, n) == 0) {
                keep = n;
                break;
            }
    }
    std::string out = held_.substr(0, held_.size() - keep);
    held_.erase(0, held_.size() - keep);
    return out;
}

std::string StreamingSecretMask::finish() {
    mask_.apply(held_);
    return std::exchange(held_, {});
}

}  // namespace fixtray
