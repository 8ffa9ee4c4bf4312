#include "feed/feed_xml.h"

#include <algorithm>
#include <cstdint>
#include <cstring>

namespace fixtray {

std::string in_quotes(std::string_view s) {
    return "\"" + std::string(s) + "\"";
}

std::string escape_xml_attr(std::string_view s) {
    std::string out;
    for (char c : s) {
        switch (c) {
            case '&':
                out += "&amp;";
                break;
            case '<':
                out += "&lt;";
                break;
            case '>':
                out += "&gt;";
                break;
            case '"':
                out += "&quot;";
                break;
            case '\t':
                out += "&#9;";
                break;
            case '\n':
                out += "&#10;";
                break;
            case '\r':
                out += "&#13;";
                break;
            default:
                out += c;
        }
    }
    return out;
}

std::string escape_xml_text(std::string_view s) {
    std::string out;
    for (char c : s) {
        switch (c) {
            case '&':
                out += "&amp;";
                break;
            case '<':
                out += "&lt;";
                break;
            case '>':
                out += "&gt;";
                break;
            case '\r':
                out += "&#13;";
                break;
            default:
                out += c;
        }
    }
    return out;
}

FeedXmlReader::FeedXmlReader(std::string_view xml, const std::string& source)
    : xml_(xml), source_(source) {}

pugi::xml_node FeedXmlReader::load(std::size_t max_bytes, const std::string& what,
                                   const std::string& kind, const std::string& no_root) {
    if (xml_.size() > max_bytes) {
        error(0, what + " is larger than the limit of " + std::to_string(max_bytes) + " bytes");
        return {};
    }
    if (xml_.empty()) {
        error(0, what + " is empty");
        return {};
    }
    for (std::size_t i = 0; i < xml_.size(); ++i) {
        const auto c = static_cast<unsigned char>(xml_[i]);
        if (c < 0x20 && c != '\t' && c != '\n' && c != '\r') {
            error(i, "control character (byte " + std::to_string(c) + ") in " + what);
            return {};
        }
        // A character reference to a character XML does not allow (&#0;, &#x1b;, one past
        // U+10FFFF): pugixml would decode it (a NUL cuts the text short, a huge value wraps).
        if (c == '&' && i + 1 < xml_.size() && xml_[i + 1] == '#') {
            if (const std::size_t end = bad_reference(i); end != 0) {
                error(i, "character reference " + std::string(xml_.substr(i, end - i)) +
                             " is not a character XML allows");
                return {};
            }
        }
    }
    buffer_.assign(xml_.data(), xml_.size());
    base_ = buffer_.data();
    // parse_doctype only to find and refuse a DOCTYPE: pugixml never expands entities.
    constexpr unsigned flags = pugi::parse_default | pugi::parse_doctype;
    const pugi::xml_parse_result parsed =
        doc_.load_buffer_inplace(buffer_.data(), buffer_.size(), flags, pugi::encoding_utf8);
    if (parsed.status == pugi::status_no_document_element) {
        error(xml_.size(), no_root);
        return {};
    }
    if (!parsed) {
        error(static_cast<std::size_t>(std::max<std::ptrdiff_t>(parsed.offset, 0)),
              std::string("malformed XML: ") + parsed.description());
        return {};
    }
    pugi::xml_node root;
    for (pugi::xml_node c = doc_.first_child(); c; c = c.next_sibling()) {
        if (c.type() == pugi::node_doctype) {
            const std::size_t at = off(c.value());
            const std::size_t p = xml_.rfind("<!", at);
            error(p == std::string_view::npos ? at : p, "DOCTYPE is not allowed in " + kind);
        } else if (c.type() == pugi::node_element) {
            if (root)
                error(off(c), "only one root element is allowed");
            else
                root = c;
        }
    }
    if (!root) error(xml_.size(), no_root);
    return root;
}

std::size_t FeedXmlReader::bad_reference(std::size_t at) const {
    std::size_t j = at + 2;
    const bool hex = j < xml_.size() && xml_[j] == 'x';
    if (hex) ++j;
    std::uint64_t value = 0;
    std::size_t digits = 0;
    for (; j < xml_.size(); ++j, ++digits) {
        const char d = xml_[j];
        int v;
        if (d >= '0' && d <= '9')
            v = d - '0';
        else if (hex && d >= 'a' && d <= 'f')
            v = d - 'a' + 10;
        else if (hex && d >= 'A' && d <= 'F')
            v = d - 'A' + 10;
        else
            break;
        value = std::min<std::uint64_t>(value * (hex ? 16 : 10) + v, 0x110000);
    }
    if (digits == 0 || j >= xml_.size() || xml_[j] != ';') return 0;  // pugixml keeps it as text
    const bool allowed =
        value == 0x9 || value == 0xA || value == 0xD || (value >= 0x20 && value <= 0xD7FF) ||
        (value >= 0xE000 && value <= 0xFFFD) || (value >= 0x10000 && value <= 0x10FFFF);
    return allowed ? 0 : j + 1;
}

std::size_t FeedXmlReader::off(const char* p) const {
    if (p < base_ || p > base_ + buffer_.size()) return 0;
    return static_cast<std::size_t>(p - base_);
}

std::size_t FeedXmlReader::off(pugi::xml_node n) const {
    const std::size_t o = off(n.name());
    return o > 0 ? o - 1 : 0;  // the '<'
}

void FeedXmlReader::error(std::size_t offset, std::string message) {
    errors_.emplace_back(std::min(offset, xml_.size()), std::move(message));
}

std::vector<pugi::xml_attribute> FeedXmlReader::attributes(
    pugi::xml_node e, std::initializer_list<const char*> required,
    std::initializer_list<const char*> optional) {
    std::vector<const char*> allowed(required);
    allowed.insert(allowed.end(), optional.begin(), optional.end());
    std::vector<pugi::xml_attribute> found(allowed.size());
    for (pugi::xml_attribute a = e.first_attribute(); a; a = a.next_attribute()) {
        const std::string_view name = a.name();
        const auto it =
            std::find_if(allowed.begin(), allowed.end(), [&](const char* n) { return name == n; });
        if (it == allowed.end()) {
            error(off(a), "unknown attribute " + in_quotes(name) + " on <" + e.name() + ">");
            continue;
        }
        pugi::xml_attribute& slot = found[static_cast<std::size_t>(it - allowed.begin())];
        if (slot) {  // pugixml accepts repeated attributes; XML does not
            error(off(a), "attribute " + in_quotes(name) + " is repeated on <" + e.name() + ">");
            continue;
        }
        slot = a;
    }
    std::size_t i = 0;
    for (const char* n : required) {
        if (!found[i]) error(off(e), "<" + std::string(e.name()) + "> needs " + n + "=\"...\"");
        ++i;
    }
    return found;
}

void FeedXmlReader::bad_value(pugi::xml_attribute a, const std::string& expected) {
    error(off_value(a), std::string(a.name()) + "=" + in_quotes(a.value()) + " is not " + expected);
}

bool FeedXmlReader::refuse_text(pugi::xml_node c, const std::string& parent) {
    if (c.type() != pugi::node_pcdata && c.type() != pugi::node_cdata) return false;
    std::size_t at = off(c.value());
    while (at < xml_.size() && std::strchr(" \t\r\n", xml_[at])) ++at;
    error(at, "text is not allowed inside <" + parent + ">");
    return true;
}

std::vector<std::pair<std::size_t, std::string>> FeedXmlReader::sorted() const {
    // Checks run per element, not strictly left to right: put them in document order.
    auto sorted = errors_;
    std::stable_sort(sorted.begin(), sorted.end(),
                     [](const auto& a, const auto& b) { return a.first < b.first; });
    return sorted;
}

std::vector<std::string> FeedXmlReader::messages(const std::string& prefix) const {
    std::vector<std::string> out;
    for (const auto& [offset, message] : sorted())
        out.push_back(location_of(xml_, offset, source_).str() + ": " + prefix + message);
    return out;
}

std::vector<std::pair<SourceLocation, std::string>> FeedXmlReader::located() const {
    std::vector<std::pair<SourceLocation, std::string>> out;
    for (const auto& [offset, message] : sorted())
        out.emplace_back(location_of(xml_, offset, source_), message);
    return out;
}

}  // namespace fixtray
