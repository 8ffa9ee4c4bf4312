#include "feed/feed_announcement.h"

#include <algorithm>
#include <cstdint>
#include <cstdio>

#include "base/visible_text.h"
#include "feed/feed_index.h"
#include "feed/feed_xml.h"
#include "packs/pack_syntax.h"

namespace fixtray {

namespace {

bool is_xml_space(char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

std::string code_point_name(std::uint32_t cp) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "U+%04X", static_cast<unsigned>(cp));
    return buf;
}

// Checks what a title or text may hold (feed_announcement.h) and counts its characters. Returns
// why not, or "" with *chars set.
std::string check_characters(std::string_view s, bool line_breaks, std::size_t* chars) {
    std::size_t n = 0;
    for (std::size_t i = 0; i < s.size(); ++n) {
        std::uint32_t cp = 0;
        const std::size_t len = utf8_sequence(s, i, cp);
        if (len == 0) return "bytes that are not UTF-8";
        i += len;
        if (cp == '\n' && line_breaks) continue;
        if (cp == '\t') return "a tab inside a line";
        if (cp < 0x20 || (cp >= 0x7F && cp <= 0x9F))
            return "the control character " + code_point_name(cp);
        if ((cp >= 0x202A && cp <= 0x202E) || (cp >= 0x2066 && cp <= 0x2069))
            return "the bidirectional control character " + code_point_name(cp) +
                   " (it can make a text read otherwise than it is written)";
        if (cp == 0xFFFE || cp == 0xFFFF) return "the noncharacter " + code_point_name(cp);
        if (cp == 0x2028 || cp == 0x2029)
            return "the line separator " + code_point_name(cp) +
                   (line_breaks ? " (use a plain line break)" : "");
    }
    *chars = n;
    return {};
}

// A title: runs of white space become one space, none at the ends.
std::string one_line(std::string_view s) {
    std::string out;
    bool space = false;
    for (char c : s) {
        if (is_xml_space(c)) {
            space = !out.empty();
            continue;
        }
        if (space) out += ' ';
        space = false;
        out += c;
    }
    return out;
}

// A text: each line trimmed, no blank lines at the ends, at most one blank line in a row.
std::string paragraphs(std::string_view s) {
    std::string out;
    std::size_t blank = 0;
    std::size_t start = 0;
    while (start <= s.size()) {
        std::size_t end = s.find('\n', start);
        if (end == std::string_view::npos) end = s.size();
        std::string_view line = s.substr(start, end - start);
        while (!line.empty() &&
               (line.front() == ' ' || line.front() == '\t' || line.front() == '\r'))
            line.remove_prefix(1);
        while (!line.empty() && (line.back() == ' ' || line.back() == '\t' || line.back() == '\r'))
            line.remove_suffix(1);
        if (line.empty()) {
            ++blank;
        } else {
            if (!out.empty()) out += blank > 0 ? "\n\n" : "\n";
            blank = 0;
            out.append(line);
        }
        start = end + 1;
    }
    return out;
}

bool same_tag(std::string_view a, std::string_view b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               const auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? char(c + 32) : c; };
               return lower(x) == lower(y);
           });
}

// One <title> or <text> into `into`.
void read_text(FeedXmlReader& r, pugi::xml_node el, bool is_title, LocalizedText& into) {
    const std::string name = el.name();
    const std::size_t errors_before = r.error_count();
    const auto a = r.attributes(el, {}, {"xml:lang"});
    if (r.error_count() != errors_before) return;  // not knowing its language, nothing more
    std::string tag;
    if (a[0]) {
        tag = a[0].value();
        if (!pack_syntax::is_language_tag(tag)) {
            r.bad_value(a[0],
                        "a language tag such as \"de\" or \"pt-BR\" (leave xml:lang out for the "
                        "default text)");
            return;
        }
    }
    std::string raw;
    bool ok = true;
    for (pugi::xml_node c = el.first_child(); c; c = c.next_sibling()) {
        if (c.type() == pugi::node_pcdata || c.type() == pugi::node_cdata) {
            raw += c.value();
        } else if (c.type() == pugi::node_element) {
            r.error(r.off(c), "<" + name + "> holds text only, not <" + c.name() + ">");
            ok = false;
        }
    }
    if (!ok) return;
    const std::string text = is_title ? one_line(raw) : paragraphs(raw);
    if (text.empty()) {
        r.error(r.off(el), "<" + name + "> is empty");
        return;
    }
    std::size_t chars = 0;
    if (const std::string bad = check_characters(text, !is_title, &chars); !bad.empty()) {
        r.error(r.off(el), "<" + name + "> holds " + bad);
        return;
    }
    const std::size_t limit = is_title ? kMaxAnnouncementTitleChars : kMaxAnnouncementTextChars;
    if (chars > limit) {
        r.error(r.off(el), "<" + name + "> is " + std::to_string(chars) +
                               " characters long: at most " + std::to_string(limit));
        return;
    }
    for (const auto& [existing, _] : into.by_lang)
        if (same_tag(existing, tag)) {
            r.error(r.off(el), tag.empty()
                                   ? "a second <" + name + "> without xml:lang"
                                   : "a second <" + name + "> for language " + in_quotes(tag));
            return;
        }
    into.by_lang.emplace_back(std::move(tag), text);
}

}  // namespace

bool is_announcement_id(std::string_view s) {
    if (s.empty() || s.size() > kMaxAnnouncementIdLength) return false;
    const auto lower_alnum = [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
    };
    if (!lower_alnum(s.front())) return false;
    return std::all_of(s.begin(), s.end(),
                       [&](char c) { return lower_alnum(c) || c == '.' || c == '-'; });
}

bool announcement_current(const FeedAnnouncement& a, std::chrono::system_clock::time_point now) {
    return now < a.expires;
}

std::string AnnouncementProblem::str() const {
    return where.str() + (severity == Severity::error ? ": error: " : ": warning: ") + message;
}

bool read_announcement(FeedXmlReader& r, pugi::xml_node e, std::set<std::string>& ids,
                       FeedAnnouncement& out) {
    const std::size_t errors_before = r.error_count();
    const auto a = r.attributes(e, {"id", "expires"}, {"fixes"});
    if (a[0]) {
        out.id = a[0].value();
        if (!is_announcement_id(out.id))
            r.bad_value(a[0],
                        "an announcement id (1-64 of a-z 0-9 . -, starting with a letter or "
                        "digit, such as \"printing-b\")");
        else if (!ids.insert(out.id).second)
            r.error(r.off_value(a[0]), "announcement " + in_quotes(out.id) + " is listed twice");
    }
    if (a[1]) {
        if (const auto t = parse_feed_time(a[1].value()))
            out.expires = *t;
        else
            r.bad_value(a[1], "an RFC 3339 UTC time such as \"2026-11-24T18:00:00Z\"");
    }
    if (a[2]) {
        const auto words = pack_syntax::split_ws(a[2].value());
        if (words.empty())
            r.error(r.off_value(a[2]), "fixes is empty: list fix ids, or leave it out");
        if (words.size() > kMaxAnnouncementFixes)
            r.error(r.off_value(a[2]), "fixes lists " + std::to_string(words.size()) +
                                           " fixes: at most " +
                                           std::to_string(kMaxAnnouncementFixes));
        for (const std::string_view w : words) {
            if (!pack_syntax::is_fix_id(w))
                r.error(r.off_value(a[2]), "fixes: " + in_quotes(w) +
                                               " is not a fix id ([a-z0-9][a-z0-9-]*, as in "
                                               "`fixctl list`)");
            else if (std::find(out.fixes.begin(), out.fixes.end(), w) != out.fixes.end())
                r.error(r.off_value(a[2]), "fixes: " + in_quotes(w) + " is listed twice");
            else
                out.fixes.emplace_back(w);
        }
    }
    // Whether a <title> / <text> for the fallback was written (valid or not: a bad one is
    // reported as what it is, not as missing).
    bool default_title = false, default_text = false;
    for (pugi::xml_node c = e.first_child(); c; c = c.next_sibling()) {
        if (r.refuse_text(c, "announcement")) continue;
        if (c.type() != pugi::node_element) continue;  // comments
        const std::string_view name = c.name();
        const pugi::xml_attribute lang = c.attribute("xml:lang");
        const bool fallback = !lang || same_tag(lang.value(), "en");
        if (name == "title") {
            default_title = default_title || fallback;
            read_text(r, c, true, out.title);
        } else if (name == "text") {
            default_text = default_text || fallback;
            read_text(r, c, false, out.text);
        } else {
            r.error(r.off(c), "unknown element <" + std::string(name) +
                                  "> (an announcement holds <title> and <text> elements)");
        }
    }
    if (!default_title)
        r.error(r.off(e),
                "<announcement> needs a <title> without xml:lang (or with xml:lang=\"en\"): it is "
                "the fallback");
    if (!default_text)
        r.error(r.off(e),
                "<announcement> needs a <text> without xml:lang (or with xml:lang=\"en\"): it is "
                "the fallback");
    return r.error_count() == errors_before;
}

AnnouncementsFileParse parse_announcements_file(std::string_view xml, const std::string& source) {
    AnnouncementsFileParse result;
    FeedXmlReader r(xml, source);
    std::vector<AnnouncementSource> found;
    try {
        const pugi::xml_node root =
            r.load(kMaxAnnouncementsFileBytes, "the announcements file", "an announcements file",
                   "no root element: an announcements file is an <announcements xmlns=\"" +
                       std::string(kFeedNamespace) + "\"> element");
        if (root && !r.has_errors()) {
            if (std::string_view(root.name()) != "announcements") {
                r.error(r.off(root), "the root element must be <announcements>, not <" +
                                         std::string(root.name()) + ">");
            } else {
                const auto a = r.attributes(root, {"xmlns"});
                if (a[0] && std::string_view(a[0].value()) != kFeedNamespace)
                    r.bad_value(a[0], "the feed namespace " + in_quotes(kFeedNamespace));
                std::set<std::string> ids;
                for (pugi::xml_node c = root.first_child(); c; c = c.next_sibling()) {
                    if (r.refuse_text(c, "announcements")) continue;
                    if (c.type() != pugi::node_element) continue;  // comments
                    if (std::string_view(c.name()) != "announcement") {
                        r.error(r.off(c), "unknown element <" + std::string(c.name()) +
                                              "> (an announcements file holds <announcement> "
                                              "elements)");
                        continue;
                    }
                    if (found.size() == kMaxAnnouncements) {
                        r.error(r.off(c), "more than " + std::to_string(kMaxAnnouncements) +
                                              " announcements");
                        break;
                    }
                    AnnouncementSource one;
                    one.where = location_of(xml, r.off(c), source);
                    if (read_announcement(r, c, ids, one.announcement))
                        found.push_back(std::move(one));
                }
            }
        }
    } catch (const std::exception& e) {
        r.error(0, std::string("internal error reading the announcements: ") + e.what());
    }
    for (auto& [where, message] : r.located())
        result.problems.push_back(
            {AnnouncementProblem::Severity::error, std::move(where), std::move(message)});
    if (result.problems.empty()) result.announcements = std::move(found);
    return result;
}

std::string write_announcement(const FeedAnnouncement& a) {
    std::string out = "  <announcement id=\"" + escape_xml_attr(a.id) + "\" expires=\"" +
                      format_feed_time(a.expires) + "\"";
    if (!a.fixes.empty()) {
        std::string fixes;
        for (const auto& f : a.fixes) fixes += (fixes.empty() ? "" : " ") + f;
        out += " fixes=\"" + escape_xml_attr(fixes) + "\"";
    }
    out += ">\n";
    const auto texts = [&](const char* name, const LocalizedText& t) {
        auto entries = t.by_lang;
        std::sort(entries.begin(), entries.end());
        for (const auto& [tag, text] : entries) {
            out += std::string("    <") + name;
            if (!tag.empty()) out += " xml:lang=\"" + escape_xml_attr(tag) + "\"";
            out += ">" + escape_xml_text(text) + "</" + name + ">\n";
        }
    };
    texts("title", a.title);
    texts("text", a.text);
    out += "  </announcement>\n";
    return out;
}

}  // namespace fixtray
