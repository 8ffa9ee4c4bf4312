#include "feed/feed_index.h"

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <pugixml.hpp>
#include <set>

#include "base/source_location.h"
#include "base/time_text.h"
#include "packs/pack_syntax.h"

namespace fixtray {

namespace {

constexpr std::size_t kMaxIndexBytes = 4 * 1024 * 1024;

bool is_lower_hex(std::string_view s) {
    return std::all_of(s.begin(), s.end(),
                       [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

// Digits only (no sign, spaces or leading zeros), within uint64.
std::optional<std::uint64_t> parse_u64(std::string_view s) {
    if (s.empty() || s.size() > 20 || (s.size() > 1 && s[0] == '0')) return std::nullopt;
    if (!std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; }))
        return std::nullopt;
    std::uint64_t v = 0;
    const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
    return v;
}

int digits(std::string_view s, std::size_t pos, std::size_t n) {
    int v = 0;
    for (std::size_t i = pos; i < pos + n; ++i) {
        if (s[i] < '0' || s[i] > '9') return -1;
        v = v * 10 + (s[i] - '0');
    }
    return v;
}

}  // namespace

std::optional<std::chrono::system_clock::time_point> parse_feed_time(std::string_view s) {
    if (s.size() < 20 || s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' || s[16] != ':')
        return std::nullopt;
    std::size_t end = 19;
    if (s[end] == '.') {
        ++end;
        const std::size_t start = end;
        while (end < s.size() && s[end] >= '0' && s[end] <= '9') ++end;
        if (end == start) return std::nullopt;
    }
    if (end + 1 != s.size() || s[end] != 'Z') return std::nullopt;
    const int year = digits(s, 0, 4), mon = digits(s, 5, 2), day = digits(s, 8, 2),
              hour = digits(s, 11, 2), min = digits(s, 14, 2), sec = digits(s, 17, 2);
    // system_clock counts nanoseconds in 64 bits: it ends in 2262.
    if (year < 1970 || year > 2200 || mon < 1 || mon > 12 || day < 1 || day > 31 || hour < 0 ||
        hour > 23 || min < 0 || min > 59 || sec < 0 || sec > 59)
        return std::nullopt;
    const auto t = utc_time_point({year, mon, day, hour, min, sec});
    // 31 February carries over into March: refuse dates that do not exist.
    const UtcTime back = utc_time_of(t);
    if (back.day != day || back.month != mon) return std::nullopt;
    return t;
}

std::string format_feed_time(std::chrono::system_clock::time_point t) {
    const UtcTime u = utc_time_of(t);
    char buf[64];
    std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02dZ", u.year, u.month, u.day, u.hour,
                  u.minute, u.second);
    return buf;
}

namespace {

std::string escape_attr(std::string_view s) {
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

std::string in_quotes(std::string_view s) {
    return "\"" + std::string(s) + "\"";
}

class IndexParser {
public:
    IndexParser(std::string_view xml, const std::string& source) : xml_(xml), source_(source) {}

    FeedIndexParse run() {
        if (xml_.size() > kMaxIndexBytes) {
            error(0, "the index is larger than the limit of " + std::to_string(kMaxIndexBytes) +
                         " bytes");
            return finish();
        }
        if (xml_.empty()) {
            error(0, "the index is empty");
            return finish();
        }
        for (std::size_t i = 0; i < xml_.size(); ++i) {
            const auto c = static_cast<unsigned char>(xml_[i]);
            if (c < 0x20 && c != '\t' && c != '\n' && c != '\r') {
                error(i, "control character (byte " + std::to_string(c) + ") in the index");
                return finish();
            }
        }
        buffer_.assign(xml_.data(), xml_.size());
        base_ = buffer_.data();
        pugi::xml_document doc;
        // parse_doctype only to find and refuse a DOCTYPE: pugixml never expands entities.
        constexpr unsigned flags = pugi::parse_default | pugi::parse_doctype;
        const pugi::xml_parse_result parsed =
            doc.load_buffer_inplace(buffer_.data(), buffer_.size(), flags, pugi::encoding_utf8);
        if (parsed.status == pugi::status_no_document_element) {
            error(xml_.size(), no_root_message());
            return finish();
        }
        if (!parsed) {
            error(static_cast<std::size_t>(std::max<std::ptrdiff_t>(parsed.offset, 0)),
                  std::string("malformed XML: ") + parsed.description());
            return finish();
        }
        pugi::xml_node root;
        for (pugi::xml_node c = doc.first_child(); c; c = c.next_sibling()) {
            if (c.type() == pugi::node_doctype) {
                error(find_back(off(c.value()), "<!"), "DOCTYPE is not allowed in a feed index");
            } else if (c.type() == pugi::node_element) {
                if (root)
                    error(off(c), "only one root element is allowed");
                else
                    root = c;
            }
        }
        if (!root) {
            error(xml_.size(), no_root_message());
            return finish();
        }
        parse_feed(root);
        return finish();
    }

private:
    static std::string no_root_message() {
        return "no root element: a feed index is a <feed xmlns=\"" + std::string(kFeedNamespace) +
               "\"> element";
    }

    // Byte offset of a pointer into the in-place parsed buffer: pugixml keeps the start of
    // every name and value where it was in the text.
    std::size_t off(const char* p) const {
        if (p < base_ || p > base_ + buffer_.size()) return 0;
        return static_cast<std::size_t>(p - base_);
    }
    std::size_t off(pugi::xml_node n) const {
        const std::size_t o = off(n.name());
        return o > 0 ? o - 1 : 0;  // the '<'
    }
    std::size_t off(pugi::xml_attribute a) const { return off(a.name()); }
    std::size_t off_value(pugi::xml_attribute a) const { return off(a.value()); }
    std::size_t find_back(std::size_t from, const char* what) const {
        const std::size_t p = xml_.rfind(what, from);
        return p == std::string_view::npos ? from : p;
    }

    void error(std::size_t offset, std::string message) {
        errors_.emplace_back(std::min(offset, xml_.size()), std::move(message));
    }

    FeedIndexParse finish() {
        FeedIndexParse result;
        // Checks run per element, not strictly left to right: put them in document order.
        std::stable_sort(errors_.begin(), errors_.end(),
                         [](const auto& a, const auto& b) { return a.first < b.first; });
        for (const auto& [offset, message] : errors_)
            result.errors.push_back(location_of(xml_, offset, source_).str() + ": " + message);
        if (result.errors.empty()) result.index = std::move(index_);
        return result;
    }

    // Checks that `e` has exactly the attributes in `allowed`; returns them by name (missing
    // required ones are reported).
    std::vector<pugi::xml_attribute> attributes(pugi::xml_node e,
                                                std::initializer_list<const char*> allowed) {
        std::vector<pugi::xml_attribute> found(allowed.size());
        for (pugi::xml_attribute a = e.first_attribute(); a; a = a.next_attribute()) {
            const std::string_view name = a.name();
            const auto it = std::find_if(allowed.begin(), allowed.end(),
                                         [&](const char* n) { return name == n; });
            if (it == allowed.end()) {
                error(off(a), "unknown attribute " + in_quotes(name) + " on <" + e.name() + ">");
                continue;
            }
            pugi::xml_attribute& slot = found[static_cast<std::size_t>(it - allowed.begin())];
            if (slot) {  // pugixml accepts repeated attributes; XML does not
                error(off(a),
                      "attribute " + in_quotes(name) + " is repeated on <" + e.name() + ">");
                continue;
            }
            slot = a;
        }
        std::size_t i = 0;
        for (const char* n : allowed) {
            if (!found[i]) error(off(e), "<" + std::string(e.name()) + "> needs " + n + "=\"...\"");
            ++i;
        }
        return found;
    }

    void bad_value(pugi::xml_attribute a, const std::string& expected) {
        error(off_value(a),
              std::string(a.name()) + "=" + in_quotes(a.value()) + " is not " + expected);
    }

    void parse_feed(pugi::xml_node root) {
        if (std::string_view(root.name()) != "feed") {
            error(off(root),
                  "the root element must be <feed>, not <" + std::string(root.name()) + ">");
            return;
        }
        const auto a = attributes(root, {"xmlns", "repository", "serial", "generated", "expires"});
        if (a[0] && std::string_view(a[0].value()) != kFeedNamespace)
            bad_value(a[0], "the feed namespace " + in_quotes(kFeedNamespace));
        if (a[1]) {
            if (pack_syntax::is_pack_id(a[1].value()))
                index_.repository = a[1].value();
            else
                bad_value(a[1], "a reverse-DNS id such as \"com.example.helpdesk\"");
        }
        if (a[2]) {
            const auto serial = parse_u64(a[2].value());
            if (serial && *serial > 0)
                index_.serial = *serial;
            else
                bad_value(a[2], "a positive decimal integer");
        }
        std::optional<std::chrono::system_clock::time_point> generated, expires;
        if (a[3] && !(generated = parse_feed_time(a[3].value())))
            bad_value(a[3], "an RFC 3339 UTC time such as \"2026-11-23T10:00:00Z\"");
        if (a[4] && !(expires = parse_feed_time(a[4].value())))
            bad_value(a[4], "an RFC 3339 UTC time such as \"2026-12-23T10:00:00Z\"");
        if (generated) index_.generated = *generated;
        if (expires) index_.expires = *expires;
        if (generated && expires && *expires <= *generated)
            error(off_value(a[4]), "expires must be later than generated");

        std::set<std::string, std::less<>> ids, files, revoked;
        std::vector<std::pair<std::string, std::size_t>> revoked_at;
        for (pugi::xml_node c = root.first_child(); c; c = c.next_sibling()) {
            if (c.type() == pugi::node_pcdata || c.type() == pugi::node_cdata) {
                std::size_t at = off(c.value());
                while (at < xml_.size() && std::strchr(" \t\r\n", xml_[at])) ++at;
                error(at, "text is not allowed inside <feed>");
                continue;
            }
            if (c.type() != pugi::node_element) continue;  // comments
            const std::string_view name = c.name();
            if (c.first_child())
                error(off(c.first_child().type() == pugi::node_element ? c.first_child().name() - 1
                                                                       : c.first_child().value()),
                      "<" + std::string(name) + "> must be empty");
            if (name == "pack") {
                parse_pack(c, ids, files);
            } else if (name == "revoked") {
                const auto r = attributes(c, {"id"});
                if (!r[0]) continue;
                const std::string id = r[0].value();
                if (!pack_syntax::is_pack_id(id))
                    bad_value(r[0], "a pack id");
                else if (!revoked.insert(id).second)
                    error(off_value(r[0]), "pack " + in_quotes(id) + " is revoked twice");
                else {
                    index_.revoked.push_back(id);
                    revoked_at.emplace_back(id, off_value(r[0]));
                }
            } else {
                error(off(c), "unknown element <" + std::string(name) +
                                  "> (a feed lists <pack> and <revoked> elements)");
            }
        }
        for (const auto& [id, at] : revoked_at)
            if (ids.count(id)) error(at, "pack " + in_quotes(id) + " is both listed and revoked");
    }

    void parse_pack(pugi::xml_node e, std::set<std::string, std::less<>>& ids,
                    std::set<std::string, std::less<>>& files) {
        const auto a = attributes(e, {"id", "version", "file", "size", "sha256"});
        FeedPackEntry p;
        bool ok = true;
        if (a[0]) {
            p.id = a[0].value();
            if (!pack_syntax::is_pack_id(p.id)) {
                bad_value(a[0], "a pack id such as \"com.example.vpn\"");
                ok = false;
            } else if (!ids.insert(p.id).second) {
                error(off_value(a[0]), "pack " + in_quotes(p.id) + " is listed twice");
                ok = false;
            }
        }
        if (a[1]) {
            const auto v = parse_u64(a[1].value());
            if (v && *v > 0 && *v <= static_cast<std::uint64_t>(INT32_MAX)) {
                p.version = static_cast<int>(*v);
            } else {
                bad_value(a[1], "a positive integer");
                ok = false;
            }
        }
        if (a[2]) {
            p.file = a[2].value();
            if (!is_safe_feed_file_name(p.file)) {
                bad_value(a[2],
                          "a plain file name (1-128 of A-Z a-z 0-9 . _ -, ending in .xml, not "
                          "starting with '.', no \"..\")");
                ok = false;
            } else if (!files.insert(p.file).second) {
                error(off_value(a[2]), "file " + in_quotes(p.file) + " is listed twice");
                ok = false;
            }
        }
        if (a[3]) {
            if (const auto size = parse_u64(a[3].value())) {
                p.size = *size;
            } else {
                bad_value(a[3], "a size in bytes");
                ok = false;
            }
        }
        if (a[4]) {
            p.sha256 = a[4].value();
            if (p.sha256.size() != 64 || !is_lower_hex(p.sha256)) {
                bad_value(a[4], "64 lower-case hex digits (a SHA-256)");
                ok = false;
            }
        }
        if (ok && a[0] && a[1] && a[2] && a[3] && a[4]) index_.packs.push_back(std::move(p));
    }

    std::string_view xml_;
    const std::string& source_;
    std::string buffer_;
    const char* base_ = nullptr;
    FeedIndex index_;
    std::vector<std::pair<std::size_t, std::string>> errors_;  // offset, message
};

}  // namespace

FeedIndexParse parse_feed_index(std::string_view xml, const std::string& source) {
    try {
        return IndexParser(xml, source).run();
    } catch (const std::exception& e) {
        FeedIndexParse result;
        result.errors.push_back(source + ": internal error reading the index: " + e.what());
        return result;
    }
}

std::string write_feed_index(const FeedIndex& index) {
    std::vector<const FeedPackEntry*> packs;
    for (const auto& p : index.packs) packs.push_back(&p);
    std::sort(packs.begin(), packs.end(),
              [](const FeedPackEntry* a, const FeedPackEntry* b) { return a->id < b->id; });
    std::vector<std::string> revoked = index.revoked;
    std::sort(revoked.begin(), revoked.end());

    std::string out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
    out += "<feed xmlns=\"" + std::string(kFeedNamespace) + "\" repository=\"" +
           escape_attr(index.repository) + "\" serial=\"" + std::to_string(index.serial) +
           "\"\n      generated=\"" + format_feed_time(index.generated) + "\" expires=\"" +
           format_feed_time(index.expires) + "\">\n";
    for (const FeedPackEntry* p : packs) {
        out += "  <pack id=\"" + escape_attr(p->id) + "\" version=\"" + std::to_string(p->version) +
               "\" file=\"" + escape_attr(p->file) + "\"\n        size=\"" +
               std::to_string(p->size) + "\" sha256=\"" + escape_attr(p->sha256) + "\"/>\n";
    }
    for (const auto& id : revoked) out += "  <revoked id=\"" + escape_attr(id) + "\"/>\n";
    out += "</feed>\n";
    return out;
}

bool is_safe_feed_file_name(std::string_view name) {
    if (name.empty() || name.size() > 128 || name.front() == '.') return false;
    if (name.size() <= 4 || name.substr(name.size() - 4) != ".xml") return false;
    if (name.find("..") != std::string_view::npos) return false;
    return std::all_of(name.begin(), name.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
               c == '.' || c == '_' || c == '-';
    });
}

std::string feed_pack_file_name(const std::string& id, const std::string& sha256) {
    return id + "-" + sha256.substr(0, 16) + ".xml";
}

}  // namespace fixtray
