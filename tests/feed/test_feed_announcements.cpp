// Announcements from IT in the feed index and in a help desk's announcements.xml
// (feed/feed_announcement.h): round trip, every strict-parse error with its position, and
// hostile texts (huge, control characters, bidirectional overrides, bytes that are not UTF-8).
#include <doctest/doctest.h>

#include "feed/feed_announcement.h"
#include "feed/feed_index.h"

using namespace fixtray;

namespace {

const std::string kSha(64, 'a');
const std::string kIndexAttrs =
    "repository=\"com.example.helpdesk\" serial=\"42\" generated=\"2026-11-23T10:00:00Z\" "
    "expires=\"2026-12-23T10:00:00Z\"";

std::string feed(const std::string& body) {
    return "<feed xmlns=\"https://fixtray.org/feed/1\" " + kIndexAttrs + ">\n" + body + "</feed>\n";
}

std::string file(const std::string& body) {
    return "<announcements xmlns=\"https://fixtray.org/feed/1\">\n" + body + "</announcements>\n";
}

// An <announcement> with the given attributes (after id) and children.
std::string ann(const std::string& id, const std::string& children,
                const std::string& attrs = " expires=\"2026-11-24T18:00:00Z\"") {
    return "  <announcement id=\"" + id + "\"" + attrs + ">" + children + "</announcement>\n";
}

const std::string kTexts = "<title>Printing is down</title><text>We are on it.</text>";

bool contains(const std::string& s, const std::string& part) {
    return s.find(part) != std::string::npos;
}

// "SOURCE:LINE:COL" of the spot right after the first occurrence of `before` in `xml`, counted
// independently of the parser.
std::string spot(const std::string& xml, const std::string& before,
                 const std::string& source = "announcements.xml") {
    std::size_t at = xml.find(before);
    REQUIRE(at != std::string::npos);
    at += before.size();
    std::size_t line = 1, col = 1;
    for (std::size_t i = 0; i < at; ++i) {
        if (xml[i] == '\n') {
            ++line;
            col = 1;
        } else {
            ++col;
        }
    }
    return source + ":" + std::to_string(line) + ":" + std::to_string(col);
}

// The single problem of an announcements file, "FILE:LINE:COL: error: message".
std::string only_problem(const std::string& xml) {
    const auto r = parse_announcements_file(xml, "announcements.xml");
    INFO(xml);
    CHECK(r.announcements.empty());
    REQUIRE(r.problems.size() == 1);
    return r.problems[0].str();
}

// The single error of an index.
std::string only_index_error(const std::string& xml) {
    const auto r = parse_feed_index(xml, "index.xml");
    INFO(xml);
    CHECK_FALSE(r.index.has_value());
    REQUIRE(r.errors.size() == 1);
    return r.errors[0];
}

FeedAnnouncement parse_one(const std::string& children,
                           const std::string& attrs = " expires=\"2026-11-24T18:00:00Z\"") {
    const auto r = parse_announcements_file(file(ann("a", children, attrs)), "announcements.xml");
    for (const auto& p : r.problems) INFO(p.str());
    REQUIRE(r.ok());
    REQUIRE(r.announcements.size() == 1);
    return r.announcements[0].announcement;
}

// "SOURCE:LINE:COL" of the first occurrence of `what` itself.
std::string at(const std::string& xml, const std::string& what,
               const std::string& source = "announcements.xml") {
    const std::size_t pos = xml.find(what);
    REQUIRE(pos != std::string::npos);
    return spot(xml, xml.substr(0, pos), source);
}

}  // namespace

TEST_CASE("feed announcements: an index's announcements are written and parsed back the same") {
    // Scenario: feed build writes two announcements (one with German texts, fixes and a text of
    // two paragraphs) after the packs; a client parses the index; writing it again gives the
    // same bytes, announcements sorted by id and translations by language.
    FeedIndex index;
    index.repository = "com.example.helpdesk";
    index.serial = 7;
    index.generated = *parse_feed_time("2026-11-23T10:00:00Z");
    index.expires = *parse_feed_time("2026-12-23T10:00:00Z");
    index.packs.push_back({"com.example.vpn", 3, "com.example.vpn-aaaaaaaaaaaaaaaa.xml", 12, kSha});
    FeedAnnouncement printing;
    printing.id = "printing-b";
    printing.expires = *parse_feed_time("2026-11-24T18:00:00Z");
    printing.fixes = {"remap-printers", "clear-queue"};
    printing.title.by_lang = {{"de", "Drucken in Gebäude B gestört"},
                              {"", "Printing in building B is down"}};
    printing.text.by_lang = {{"", "We are on it & <nearly> done.\n\nPrint in building A."},
                             {"de", "Wir sind dran."}};
    FeedAnnouncement mail;
    mail.id = "mail.2026-11";
    mail.expires = index.expires;  // as long as the index, not longer
    mail.title.by_lang = {{"", "Mail is slow"}};
    mail.text.by_lang = {{"", "Mails arrive late today."}};
    index.announcements = {printing, mail};

    const std::string text = write_feed_index(index);
    INFO(text);
    CHECK(text.find("<announcement id=\"mail.2026-11\"") <
          text.find("<announcement id=\"printing-b\""));
    CHECK(contains(text, "fixes=\"remap-printers clear-queue\""));
    CHECK(contains(text, "<title xml:lang=\"de\">Drucken in Gebäude B gestört</title>"));
    CHECK(contains(text, "We are on it &amp; &lt;nearly&gt; done.\n\nPrint in building A."));
    const auto r = parse_feed_index(text, "index.xml");
    for (const auto& e : r.errors) INFO(e);
    REQUIRE(r.index.has_value());
    const auto& back = r.index->announcements;
    REQUIRE(back.size() == 2);
    CHECK(back[0].id == "mail.2026-11");
    CHECK(back[0].expires == index.expires);
    CHECK(back[0].fixes.empty());
    CHECK(back[1].id == "printing-b");
    CHECK(back[1].expires == printing.expires);
    CHECK(back[1].fixes == printing.fixes);
    CHECK(back[1].title.get("de_DE.UTF-8") == "Drucken in Gebäude B gestört");
    CHECK(back[1].title.get("fr") == "Printing in building B is down");
    CHECK(back[1].text.get("en") == "We are on it & <nearly> done.\n\nPrint in building A.");
    CHECK(back[1].text.get("de-AT") == "Wir sind dran.");
    CHECK(write_feed_index(*r.index) == text);
}

TEST_CASE("feed announcements: announcements.xml parses, texts tidied, positions kept") {
    // Scenario: a help desk writes announcements.xml by hand, with indentation, a title wrapped
    // over two lines, comments, a CDATA section and blank lines around the text's paragraphs.
    const std::string xml =
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        "<!-- IT's notices -->\n" +
        file(
            "  <announcement id=\"vpn\" expires=\"2026-11-30T08:00:00Z\" fixes=\"  restart-vpn\n"
            "     reconnect-vpn \">\n"
            "    <title>\n      The VPN is\n      slow   today\n    </title>\n"
            "    <!-- German next -->\n"
            "    <title xml:lang=\"de\">Das VPN ist langsam</title>\n"
            "    <text>\n\n      First paragraph,\n      still the first.\n\n\n\n"
            "      <![CDATA[Second <paragraph>.]]>\n    </text>\n"
            "  </announcement>\n");
    const auto r = parse_announcements_file(xml, "announcements.xml");
    for (const auto& p : r.problems) INFO(p.str());
    REQUIRE(r.ok());
    REQUIRE(r.announcements.size() == 1);
    const AnnouncementSource& s = r.announcements[0];
    CHECK(s.where.str() == spot(xml, "<announcements xmlns=\"https://fixtray.org/feed/1\">\n  "));
    const FeedAnnouncement& a = s.announcement;
    CHECK(a.id == "vpn");
    CHECK(format_feed_time(a.expires) == "2026-11-30T08:00:00Z");
    CHECK(a.fixes == std::vector<std::string>{"restart-vpn", "reconnect-vpn"});
    CHECK(a.title.get("en") == "The VPN is slow today");
    CHECK(a.title.get("de") == "Das VPN ist langsam");
    CHECK(a.text.get("de") == "First paragraph,\nstill the first.\n\nSecond <paragraph>.");
    CHECK(a.text.tag_for("de").empty());  // no German text: the fallback
}

TEST_CASE("feed announcements: every problem is reported as FILE:LINE:COL") {
    // Scenario: one mistake at a time in announcements.xml; each message points at the
    // attribute value, attribute or element at fault.
    std::string x;

    x = file(ann("a", kTexts, " expires=\"2026-11-24T18:00:00Z\" colour=\"red\""));
    CHECK(only_problem(x) ==
          spot(x, "18:00:00Z\" ") + ": error: unknown attribute \"colour\" on <announcement>");
    x = file("  <announcement expires=\"2026-11-24T18:00:00Z\">" + kTexts + "</announcement>\n");
    CHECK(only_problem(x) == spot(x, "\">\n  ") + ": error: <announcement> needs id=\"...\"");
    x = file(ann("a", kTexts, ""));
    CHECK(only_problem(x) == spot(x, "\">\n  ") + ": error: <announcement> needs expires=\"...\"");
    x = file(ann("a", kTexts, " expires=\"2026-11-24T18:00:00Z\" id=\"b\""));
    CHECK(only_problem(x) ==
          spot(x, "18:00:00Z\" ") + ": error: attribute \"id\" is repeated on <announcement>");

    for (const std::string& bad :
         std::vector<std::string>{"Printing", "-a", ".a", "a_b", "a b", std::string(65, 'a')}) {
        x = file(ann(bad, kTexts));
        CHECK(contains(only_problem(x),
                       spot(x, "id=\"") + ": error: id=\"" + bad + "\" is not an announcement id"));
    }
    CHECK(parse_announcements_file(file(ann(std::string(64, 'a'), kTexts)), "a.xml").ok());
    CHECK(parse_announcements_file(file(ann("0.printing-b.2", kTexts)), "a.xml").ok());

    x = file(ann("a", kTexts) + ann("a", kTexts));
    CHECK(only_problem(x) == spot(x, "</announcement>\n  <announcement id=\"") +
                                 ": error: announcement \"a\" is listed twice");

    for (const std::string bad :
         {"2026-11-24", "2026-11-24T18:00:00+01:00", "2026-02-30T18:00:00Z", "tomorrow"}) {
        x = file(ann("a", kTexts, " expires=\"" + bad + "\""));
        CHECK(only_problem(x) == spot(x, "expires=\"") + ": error: expires=\"" + bad +
                                     "\" is not an RFC 3339 UTC time such as "
                                     "\"2026-11-24T18:00:00Z\"");
    }

    const std::string fixes = " expires=\"2026-11-24T18:00:00Z\" fixes=\"";
    x = file(ann("a", kTexts, fixes + " \""));
    CHECK(only_problem(x) ==
          spot(x, "fixes=\"") + ": error: fixes is empty: list fix ids, or leave it out");
    x = file(ann("a", kTexts, fixes + "remap-printers Remap\""));
    CHECK(only_problem(x) == spot(x, "fixes=\"") +
                                 ": error: fixes: \"Remap\" is not a fix id "
                                 "([a-z0-9][a-z0-9-]*, as in `fixctl list`)");
    x = file(ann("a", kTexts, fixes + "remap-printers remap-printers\""));
    CHECK(only_problem(x) ==
          spot(x, "fixes=\"") + ": error: fixes: \"remap-printers\" is listed twice");
    std::string many;
    for (int i = 0; i < 51; ++i) many += " fix-" + std::to_string(i);
    x = file(ann("a", kTexts, fixes + many + "\""));
    CHECK(only_problem(x) == spot(x, "fixes=\"") + ": error: fixes lists 51 fixes: at most 50");

    x = file(ann("a", kTexts + "<link>https://status.example.com</link>"));
    CHECK(only_problem(x) == spot(x, "</text>") +
                                 ": error: unknown element <link> (an announcement holds <title> "
                                 "and <text> elements)");
    x = file(ann("a", kTexts + "\n   loose words"));
    CHECK(only_problem(x) ==
          spot(x, "</text>\n   ") + ": error: text is not allowed inside <announcement>");
    x = file(ann("a", "<title>Printing <b>is</b> down</title><text>t</text>"));
    CHECK(only_problem(x) ==
          spot(x, "<title>Printing ") + ": error: <title> holds text only, not <b>");
    x = file(ann("a", "<title>  \n </title><text>t</text>"));
    CHECK(only_problem(x) == spot(x, "18:00:00Z\">") + ": error: <title> is empty");
    x = file(ann("a", kTexts + "<text xml:lang=\"deutsch-123456789\">Wir</text>"));
    CHECK(only_problem(x) == spot(x, "<text xml:lang=\"") +
                                 ": error: xml:lang=\"deutsch-123456789\" is not a language tag "
                                 "such as \"de\" or \"pt-BR\" (leave xml:lang out for the default "
                                 "text)");
    x = file(ann("a", kTexts + "<text lang=\"de\">Wir</text>"));
    CHECK(only_problem(x) ==
          spot(x, "</text><text ") + ": error: unknown attribute \"lang\" on <text>");
    x = file(ann("a", kTexts + "<title xml:lang=\"DE\">A</title><title xml:lang=\"de\">B</title>"));
    CHECK(only_problem(x) ==
          spot(x, "A</title>") + ": error: a second <title> for language \"de\"");
    x = file(ann("a", kTexts + "<text>Again</text>"));
    CHECK(only_problem(x) == spot(x, "</text>") + ": error: a second <text> without xml:lang");
    x = file(ann("a", "<title xml:lang=\"de\">Drucken</title><text>t</text>"));
    CHECK(only_problem(x) == spot(x, "\">\n  ") +
                                 ": error: <announcement> needs a <title> without xml:lang (or "
                                 "with xml:lang=\"en\"): it is the fallback");
    x = file(ann("a", "<title>Printing</title>"));
    CHECK(only_problem(x) == spot(x, "\">\n  ") +
                                 ": error: <announcement> needs a <text> without xml:lang (or "
                                 "with xml:lang=\"en\"): it is the fallback");

    // The limits count characters, not bytes: 200 umlauts are a valid title.
    std::string umlauts;
    for (int i = 0; i < 200; ++i) umlauts += "ä";
    CHECK(parse_one("<title>" + umlauts + "</title><text>t</text>").title.get("") == umlauts);
    x = file(ann("a", "<title>" + umlauts + "x</title><text>t</text>"));
    CHECK(only_problem(x) ==
          spot(x, "18:00:00Z\">") + ": error: <title> is 201 characters long: at most 200");
    CHECK(parse_one("<title>t</title><text>" + std::string(2000, 'x') + "</text>")
              .text.get("")
              .size() == 2000);
    x = file(ann("a", "<title>t</title><text>" + std::string(2001, 'x') + "</text>"));
    CHECK(only_problem(x) ==
          spot(x, "</title>") + ": error: <text> is 2001 characters long: at most 2000");

    std::string fifty_one;
    for (int i = 0; i < 51; ++i) fifty_one += ann("a" + std::to_string(i), kTexts);
    x = file(fifty_one);
    CHECK(only_problem(x) ==
          at(x, "<announcement id=\"a50\"") + ": error: more than 50 announcements");
}

TEST_CASE("feed announcements: the file's root and the index's own rules") {
    // Scenario: announcements.xml with the wrong root, namespace or children; an index whose
    // announcement would outlive it, or had expired before it was made, or has 51 of them.
    std::string x = "<fixpack xmlns=\"urn:fixtray:fixpack:1\"/>";
    CHECK(only_problem(x) ==
          "announcements.xml:1:1: error: the root element must be "
          "<announcements>, not <fixpack>");
    x = "<announcements xmlns=\"https://fixtray.org/feed/2\"/>";
    CHECK(only_problem(x) == spot(x, "xmlns=\"") +
                                 ": error: xmlns=\"https://fixtray.org/feed/2\" is not the feed "
                                 "namespace \"https://fixtray.org/feed/1\"");
    x = file("  <pack id=\"com.example.vpn\"/>\n");
    CHECK(only_problem(x) == spot(x, "1\">\n  ") +
                                 ": error: unknown element <pack> (an announcements file holds "
                                 "<announcement> elements)");
    x = file("  Printing is down\n");
    CHECK(only_problem(x) ==
          spot(x, "1\">\n  ") + ": error: text is not allowed inside <announcements>");
    CHECK(only_problem("") == "announcements.xml:1:1: error: the announcements file is empty");
    CHECK(contains(only_problem("<announcements"), "announcements.xml:1:1" /* 14 or 15 */));
    CHECK(contains(only_problem("<announcements"), ": error: malformed XML: "));
    CHECK(parse_announcements_file(file(""), "a.xml").ok());  // none is fine

    x = feed(ann("late", kTexts, " expires=\"2026-12-23T10:00:01Z\""));
    CHECK(only_index_error(x) == spot(x, "\">\n  ", "index.xml") +
                                     ": announcement \"late\" expires at 2026-12-23T10:00:01Z, "
                                     "after the index (2026-12-23T10:00:00Z): an announcement "
                                     "cannot outlive its index");
    x = feed(ann("old", kTexts, " expires=\"2026-11-23T10:00:00Z\""));
    CHECK(only_index_error(x) ==
          spot(x, "\">\n  ", "index.xml") +
              ": announcement \"old\" expires before the index was generated");
    CHECK(parse_feed_index(feed(ann("edge", kTexts, " expires=\"2026-12-23T10:00:00Z\"")), "i")
              .index.has_value());
    std::string fifty_one;
    for (int i = 0; i < 51; ++i) fifty_one += ann("a" + std::to_string(i), kTexts);
    x = feed(fifty_one);
    CHECK(only_index_error(x) == at(x, "<announcement id=\"a50\"", "index.xml") +
                                     ": more than 50 announcements in one index");
    x = feed(ann("a", "<title>t</title>"));
    CHECK(contains(only_index_error(x), "index.xml:2:3: <announcement> needs a <text>"));
}

TEST_CASE("feed announcements: hostile texts are refused with the character named") {
    // Scenario: an index or file with a 10 MB text, control characters (raw and as character
    // references), bidirectional overrides and isolates, line separators, a tab inside a line,
    // bytes that are not UTF-8, and character references that would cut or wrap a text. Right-
    // to-left text with its marks and a title broken over lines are fine.
    const std::string big(10 * 1024 * 1024, 'x');
    CHECK(only_problem(file(ann("a", "<title>t</title><text>" + big + "</text>"))) ==
          "announcements.xml:1:1: error: the announcements file is larger than the limit of "
          "4194304 bytes");
    CHECK(only_index_error(feed(ann("a", "<title>t</title><text>" + big + "</text>"))) ==
          "index.xml:1:1: the index is larger than the limit of 4194304 bytes");

    const auto refused = [](const std::string& title, const std::string& text,
                            const std::string& why) {
        const std::string x =
            file(ann("a", "<title>" + title + "</title><text>" + text + "</text>"));
        INFO(title << " / " << text);
        CHECK(contains(only_problem(x), why));
    };
    refused("Printing\x1b[2J", "t", "control character (byte 27) in the announcements file");
    refused("Printing&#x1b;[2J", "t",
            "error: character reference &#x1b; is not a character XML allows");
    refused("Printing&#0;down", "t", "character reference &#0; is not a character XML allows");
    refused("A&#x100000041;", "t", "character reference &#x100000041; is not a character XML");
    refused("Printing&#x7f;", "t", "error: <title> holds the control character U+007F");
    refused(
        "Printing\xc2\x9b"
        "2J",
        "t", "error: <title> holds the control character U+009B");
    refused("Printing&#x85;", "t", "error: <title> holds the control character U+0085");
    refused(
        "Printing \xe2\x80\xae"
        "nwod si",
        "t",
        "error: <title> holds the bidirectional control character U+202E (it can make a text "
        "read otherwise than it is written)");
    refused("Printing &#x202D;down", "t",
            "<title> holds the bidirectional control character U+202D");
    refused("t",
            "Call \xe2\x81\xa6"
            "1234\xe2\x81\xa9",
            "<text> holds the bidirectional control "
            "character U+2066");
    refused("t", "one\xe2\x80\xa8two",
            "<text> holds the line separator U+2028 (use a plain line "
            "break)");
    refused("t", "name:&#9;value", "error: <text> holds a tab inside a line");
    refused("t", "over&#13;written", "error: <text> holds the control character U+000D");
    refused("Printing \xef\xbf\xbe", "t", "error: <title> holds the noncharacter U+FFFE");
    refused("Printing \xff\xfe", "t", "error: <title> holds bytes that are not UTF-8");
    refused("Printing \xed\xa0\x80", "t", "error: <title> holds bytes that are not UTF-8");
    refused("Printing \xc0\xaf", "t", "error: <title> holds bytes that are not UTF-8");
    // The same refusals in a signed index: the parser is one.
    CHECK(contains(only_index_error(feed(ann("a",
                                             "<title>Printing \xe2\x80\xae"
                                             "x</title><text>t</text>"))),
                   "<title> holds the bidirectional control character U+202E"));

    // Hebrew with a right-to-left mark, a title over two lines, a text with a tab before a
    // line (indentation) and a line break as a character reference: all fine.
    const FeedAnnouncement ok = parse_one(
        "<title>\xd7\x94\xd7\x93\xd7\xa4\xd7\xA1\xd7\x94 \xe2\x80\x8f(B)\n  down</title>"
        "<text>\tfirst&#10;second</text>");
    CHECK(ok.title.get("") == "\xd7\x94\xd7\x93\xd7\xa4\xd7\xA1\xd7\x94 \xe2\x80\x8f(B) down");
    CHECK(ok.text.get("") == "first\nsecond");

    // A fix id no machine has is fine: the announcement is shown, the id ignored.
    CHECK(parse_one(kTexts, " expires=\"2026-11-24T18:00:00Z\" fixes=\"no-such-fix\"").fixes ==
          std::vector<std::string>{"no-such-fix"});
}
