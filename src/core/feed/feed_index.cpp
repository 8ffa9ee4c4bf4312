#include "feed/feed_index.h"

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <set>

#include "base/time_text.h"
#include "feed/feed_xml.h"
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

class IndexParser {
public:
    IndexParser(std::string_view xml, const std::string& source) : r_(xml, source) {}

    FeedIndexParse run() {
        const pugi::xml_node root = r_.load(kMaxIndexBytes, "the index", "a feed index",
                                            "no root element: a feed index is a <feed xmlns=\"" +
                                                std::string(kFeedNamespace) + "\"> element");
        if (root && !r_.has_errors()) parse_feed(root);
        FeedIndexParse result;
        result.errors = r_.messages();
        if (result.errors.empty()) result.index = std::move(index_);
        return result;
    }

private:
    void parse_feed(pugi::xml_node root) {
        if (std::string_view(root.name()) != "feed") {
            r_.error(r_.off(root),
                     "the root element must be <feed>, not <" + std::string(root.name()) + ">");
            return;
        }
        const auto a =
            r_.attributes(root, {"xmlns", "repository", "serial", "generated", "expires"});
        if (a[0] && std::string_view(a[0].value()) != kFeedNamespace)
            r_.bad_value(a[0], "the feed namespace " + in_quotes(kFeedNamespace));
        if (a[1]) {
            if (pack_syntax::is_pack_id(a[1].value()))
                index_.repository = a[1].value();
            else
                r_.bad_value(a[1], "a reverse-DNS id such as \"com.example.helpdesk\"");
        }
        if (a[2]) {
            const auto serial = parse_u64(a[2].value());
            if (serial && *serial > 0)
                index_.serial = *serial;
            else
                r_.bad_value(a[2], "a positive decimal integer");
        }
        std::optional<std::chrono::system_clock::time_point> generated, expires;
        if (a[3] && !(generated = parse_feed_time(a[3].value())))
            r_.bad_value(a[3], "an RFC 3339 UTC time such as \"2026-11-23T10:00:00Z\"");
        if (a[4] && !(expires = parse_feed_time(a[4].value())))
            r_.bad_value(a[4], "an RFC 3339 UTC time such as \"2026-12-23T10:00:00Z\"");
        if (generated) index_.generated = *generated;
        if (expires) index_.expires = *expires;
        if (generated && expires && *expires <= *generated)
            r_.error(r_.off_value(a[4]), "expires must be later than generated");

        std::set<std::string, std::less<>> ids, files, revoked;
        std::vector<std::pair<std::string, std::size_t>> revoked_at;
        std::set<std::string> announcement_ids;
        std::size_t announcements = 0;
        for (pugi::xml_node c = root.first_child(); c; c = c.next_sibling()) {
            if (r_.refuse_text(c, "feed")) continue;
            if (c.type() != pugi::node_element) continue;  // comments
            const std::string_view name = c.name();
            if (name == "announcement") {
                if (++announcements > kMaxAnnouncements) {
                    r_.error(r_.off(c), "more than " + std::to_string(kMaxAnnouncements) +
                                            " announcements in one index");
                    continue;
                }
                FeedAnnouncement ann;
                if (!read_announcement(r_, c, announcement_ids, ann)) continue;
                if (generated && ann.expires <= *generated)
                    r_.error(r_.off(c), "announcement " + in_quotes(ann.id) +
                                            " expires before the index was generated");
                else if (expires && ann.expires > *expires)
                    r_.error(r_.off(c), "announcement " + in_quotes(ann.id) + " expires at " +
                                            format_feed_time(ann.expires) + ", after the index (" +
                                            format_feed_time(*expires) +
                                            "): an announcement cannot outlive its index");
                else
                    index_.announcements.push_back(std::move(ann));
                continue;
            }
            if (c.first_child())
                r_.error(
                    r_.off(c.first_child().type() == pugi::node_element ? c.first_child().name() - 1
                                                                        : c.first_child().value()),
                    "<" + std::string(name) + "> must be empty");
            if (name == "pack") {
                parse_pack(c, ids, files);
            } else if (name == "revoked") {
                const auto r = r_.attributes(c, {"id"});
                if (!r[0]) continue;
                const std::string id = r[0].value();
                if (!pack_syntax::is_pack_id(id))
                    r_.bad_value(r[0], "a pack id");
                else if (!revoked.insert(id).second)
                    r_.error(r_.off_value(r[0]), "pack " + in_quotes(id) + " is revoked twice");
                else {
                    index_.revoked.push_back(id);
                    revoked_at.emplace_back(id, r_.off_value(r[0]));
                }
            } else {
                r_.error(r_.off(c), "unknown element <" + std::string(name) +
                                        "> (a feed lists <pack>, <revoked> and <announcement> "
                                        "elements)");
            }
        }
        for (const auto& [id, at] : revoked_at)
            if (ids.count(id))
                r_.error(at, "pack " + in_quotes(id) + " is both listed and revoked");
    }

    void parse_pack(pugi::xml_node e, std::set<std::string, std::less<>>& ids,
                    std::set<std::string, std::less<>>& files) {
        const auto a = r_.attributes(e, {"id", "version", "file", "size", "sha256"});
        FeedPackEntry p;
        bool ok = true;
        if (a[0]) {
            p.id = a[0].value();
            if (!pack_syntax::is_pack_id(p.id)) {
                r_.bad_value(a[0], "a pack id such as \"com.example.vpn\"");
                ok = false;
            } else if (!ids.insert(p.id).second) {
                r_.error(r_.off_value(a[0]), "pack " + in_quotes(p.id) + " is listed twice");
                ok = false;
            }
        }
        if (a[1]) {
            const auto v = parse_u64(a[1].value());
            if (v && *v > 0 && *v <= static_cast<std::uint64_t>(INT32_MAX)) {
                p.version = static_cast<int>(*v);
            } else {
                r_.bad_value(a[1], "a positive integer");
                ok = false;
            }
        }
        if (a[2]) {
            p.file = a[2].value();
            if (!is_safe_feed_file_name(p.file)) {
                r_.bad_value(a[2],
                             "a plain file name (1-128 of A-Z a-z 0-9 . _ -, ending in .xml, not "
                             "starting with '.', no \"..\")");
                ok = false;
            } else if (!files.insert(p.file).second) {
                r_.error(r_.off_value(a[2]), "file " + in_quotes(p.file) + " is listed twice");
                ok = false;
            }
        }
        if (a[3]) {
            if (const auto size = parse_u64(a[3].value())) {
                p.size = *size;
            } else {
                r_.bad_value(a[3], "a size in bytes");
                ok = false;
            }
        }
        if (a[4]) {
            p.sha256 = a[4].value();
            if (p.sha256.size() != 64 || !is_lower_hex(p.sha256)) {
                r_.bad_value(a[4], "64 lower-case hex digits (a SHA-256)");
                ok = false;
            }
        }
        if (ok && a[0] && a[1] && a[2] && a[3] && a[4]) index_.packs.push_back(std::move(p));
    }

    FeedXmlReader r_;
    FeedIndex index_;
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
           escape_xml_attr(index.repository) + "\" serial=\"" + std::to_string(index.serial) +
           "\"\n      generated=\"" + format_feed_time(index.generated) + "\" expires=\"" +
           format_feed_time(index.expires) + "\">\n";
    for (const FeedPackEntry* p : packs) {
        out += "  <pack id=\"" + escape_xml_attr(p->id) + "\" version=\"" +
               std::to_string(p->version) + "\" file=\"" + escape_xml_attr(p->file) +
               "\"\n        size=\"" + std::to_string(p->size) + "\" sha256=\"" +
               escape_xml_attr(p->sha256) + "\"/>\n";
    }
    for (const auto& id : revoked) out += "  <revoked id=\"" + escape_xml_attr(id) + "\"/>\n";
    std::vector<const FeedAnnouncement*> announcements;
    for (const auto& a : index.announcements) announcements.push_back(&a);
    std::sort(announcements.begin(), announcements.end(),
              [](const FeedAnnouncement* a, const FeedAnnouncement* b) { return a->id < b->id; });
    for (const FeedAnnouncement* a : announcements) out += write_announcement(*a);
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
