#include "packs/pack_syntax.h"

#include <cstring>
#include <limits>

#include "base/duration.h"

namespace fixtray {

namespace {

bool is_lower_alnum(char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}
bool is_alpha(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}
bool is_digit(char c) {
    return c >= '0' && c <= '9';
}
bool is_xml_space(char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

}  // namespace

namespace pack_syntax {

bool is_pack_id(std::string_view s) {
    if (s.empty() || s.size() > 255) return false;
    int labels = 0;
    std::size_t start = 0;
    while (start <= s.size()) {
        std::size_t end = s.find('.', start);
        if (end == std::string_view::npos) end = s.size();
        const std::string_view label = s.substr(start, end - start);
        if (label.empty() || !is_lower_alnum(label.front()) || !is_lower_alnum(label.back()))
            return false;
        for (char c : label)
            if (!is_lower_alnum(c) && c != '-') return false;
        ++labels;
        start = end + 1;
    }
    return labels >= 2;
}

bool is_fix_id(std::string_view s) {
    if (s.empty() || s.size() > 128 || !is_lower_alnum(s.front())) return false;
    for (char c : s)
        if (!is_lower_alnum(c) && c != '-') return false;
    return true;
}

bool is_identifier(std::string_view s) {
    if (s.empty() || !(is_alpha(s.front()) || s.front() == '_')) return false;
    for (char c : s)
        if (!is_alpha(c) && !is_digit(c) && c != '_') return false;
    return true;
}

bool is_language_tag(std::string_view s) {
    std::size_t start = 0;
    bool first = true;
    while (true) {
        std::size_t end = s.find('-', start);
        if (end == std::string_view::npos) end = s.size();
        const std::string_view sub = s.substr(start, end - start);
        if (sub.empty() || sub.size() > 8) return false;
        for (char c : sub)
            if (!is_alpha(c) && (first || !is_digit(c))) return false;
        first = false;
        if (end == s.size()) return true;
        start = end + 1;
    }
}

std::vector<std::string_view> split_ws(std::string_view s) {
    std::vector<std::string_view> out;
    std::size_t i = 0;
    while (i < s.size()) {
        while (i < s.size() && is_xml_space(s[i])) ++i;
        const std::size_t start = i;
        while (i < s.size() && !is_xml_space(s[i])) ++i;
        if (i > start) out.push_back(s.substr(start, i - start));
    }
    return out;
}

bool Words::next(std::string_view& word) {
    while (pos_ < s_.size() && is_xml_space(s_[pos_])) ++pos_;
    const std::size_t start = pos_;
    while (pos_ < s_.size() && !is_xml_space(s_[pos_])) ++pos_;
    word = s_.substr(start, pos_ - start);
    return pos_ > start;
}

std::optional<long long> parse_uint(std::string_view s, long long max) {
    if (s.empty() || s.size() > 18) return std::nullopt;
    long long v = 0;
    for (char c : s) {
        if (!is_digit(c)) return std::nullopt;
        v = v * 10 + (c - '0');
    }
    if (v > max) return std::nullopt;
    return v;
}

std::optional<std::vector<int>> parse_int_list(std::string_view s, long long min, long long max) {
    // One pass over the text into a small array, so the vector is allocated once at its size.
    constexpr std::size_t kLocal = 16;
    int local[kLocal];
    std::vector<int> more;  // only for lists longer than kLocal
    std::size_t count = 0;
    std::size_t i = 0;
    while (true) {
        while (i < s.size() && is_xml_space(s[i])) ++i;
        if (i == s.size()) break;
        const std::size_t start = i;
        while (i < s.size() && !is_xml_space(s[i])) ++i;
        std::string_view item = s.substr(start, i - start);
        const bool negative = item.front() == '-';
        if (negative) item.remove_prefix(1);
        const auto v = parse_uint(item, std::numeric_limits<int>::max());
        if (!v) return std::nullopt;
        const long long value = negative ? -*v : *v;
        if (value < min || value > max) return std::nullopt;
        if (count < kLocal) {
            local[count] = static_cast<int>(value);
        } else {
            if (count == kLocal) more.assign(local, local + kLocal);
            more.push_back(static_cast<int>(value));
        }
        ++count;
    }
    if (count == 0) return std::nullopt;
    if (count > kLocal) return more;
    return std::vector<int>(local, local + count);
}

bool scan_refs(std::string_view s, std::vector<VarRef>& out, std::size_t& bad) {
    std::size_t i = 0;
    while (true) {
        const void* hit = std::memchr(s.data() + i, '$', s.size() - i);
        if (hit == nullptr) return true;
        i = static_cast<std::size_t>(static_cast<const char*>(hit) - s.data());
        if (i + 1 < s.size() && s[i + 1] == '$') {  // "$$": a literal '$'
            i += 2;
            continue;
        }
        if (i + 1 >= s.size() || s[i + 1] != '{') {  // a lone '$' is literal
            ++i;
            continue;
        }
        const std::size_t close = s.find('}', i + 2);
        if (close == std::string_view::npos) {
            bad = i;
            return false;
        }
        std::string_view inner = s.substr(i + 2, close - i - 2);
        VarRef ref;
        ref.pos = i;
        const std::size_t dot = inner.find('.');
        ref.name = inner.substr(0, dot);
        if (dot != std::string_view::npos) {
            ref.field = inner.substr(dot + 1);
            if (!is_identifier(ref.field)) {
                bad = i;
                return false;
            }
        }
        if (!is_identifier(ref.name)) {
            bad = i;
            return false;
        }
        out.push_back(ref);
        i = close + 1;
    }
}

}  // namespace pack_syntax
}  // namespace fixtray
