// The feed index format: parse_feed_index / write_feed_index and feed file names.
#include <doctest/doctest.h>

#include "feed/feed_index.h"

using namespace fixtray;

namespace {

const std::string kSha(64, 'a');
const std::string kSha2 = std::string(63, 'b') + "c";

std::string feed(const std::string& body, const std::string& attrs =
                                              "repository=\"com.example.helpdesk\" serial=\"42\" "
                                              "generated=\"2026-11-23T10:00:00Z\" "
                                              "expires=\"2026-12-23T10:00:00Z\"") {
    return "<feed xmlns=\"https://fixtray.org/feed/1\" " + attrs + ">\n" + body + "</feed>\n";
}

std::string pack(const std::string& id, const std::string& file, const std::string& sha = kSha,
                 const std::string& extra = "") {
    return "  <pack id=\"" + id + "\" version=\"3\" file=\"" + file + "\" size=\"10\" sha256=\"" +
           sha + "\"" + extra + "/>\n";
}

// The single error of a parse, or a failure listing them.
std::string only_error(const std::string& xml) {
    const auto r = parse_feed_index(xml, "index.xml");
    CHECK_FALSE(r.index.has_value());
    INFO(xml);
    REQUIRE(r.errors.size() == 1);
    return r.errors[0];
}

bool contains(const std::string& s, const std::string& part) {
    return s.find(part) != std::string::npos;
}

// "SOURCE:LINE:COL" of the spot right after the first occurrence of `before` in `xml` (the start
// when `before` is empty), counted independently of the parser.
std::string spot(const std::string& xml, const std::string& before,
                 const std::string& source = "index.xml") {
    std::size_t at = 0;
    if (!before.empty()) {
        at = xml.find(before);
        REQUIRE(at != std::string::npos);
        at += before.size();
    }
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

}  // namespace

TEST_CASE("feed index: what write_feed_index writes parses back to the same index") {
    // Scenario: feed build writes an index, a client parses it.
    FeedIndex index;
    index.repository = "com.example.helpdesk";
    index.serial = 18446744073709551615ULL;
    index.generated = *parse_feed_time("2026-11-23T10:00:00Z");
    index.expires = *parse_feed_time("2026-12-23T10:00:00Z");
    index.packs.push_back(
        {"com.example.vpn", 3, "com.example.vpn-aaaaaaaaaaaaaaaa.xml", 1234, kSha});
    index.packs.push_back({"com.example.a", 1, "a.xml", 0, kSha2});
    index.revoked = {"com.example.zzz", "com.example.old"};
    const std::string text = write_feed_index(index);
    CHECK(text.back() == '\n');
    CHECK(contains(text, "generated=\"2026-11-23T10:00:00Z\""));
    const auto r = parse_feed_index(text, "index.xml");
    INFO(text);
    REQUIRE(r.errors.empty());
    REQUIRE(r.index.has_value());
    const FeedIndex& back = *r.index;
    CHECK(back.repository == index.repository);
    CHECK(back.serial == index.serial);
    CHECK(back.generated == index.generated);
    CHECK(back.expires == index.expires);
    REQUIRE(back.packs.size() == 2);
    CHECK(back.packs[0].id == "com.example.a");  // sorted
    CHECK(back.packs[1].id == "com.example.vpn");
    CHECK(back.packs[1].version == 3);
    CHECK(back.packs[1].file == "com.example.vpn-aaaaaaaaaaaaaaaa.xml");
    CHECK(back.packs[1].size == 1234);
    CHECK(back.packs[1].sha256 == kSha);
    CHECK(back.revoked == std::vector<std::string>{"com.example.old", "com.example.zzz"});
    // Deterministic: writing the parsed index gives the same bytes.
    CHECK(write_feed_index(back) == text);
}

TEST_CASE("feed index: a hand-written index with comments and a declaration parses") {
    // Scenario: a help desk writes the index by hand.
    const auto r = parse_feed_index("<?xml version=\"1.0\"?>\n<!-- ours -->\n" +
                                        feed("<!-- vpn -->" + pack("com.example.vpn", "vpn.xml") +
                                             "<revoked id=\"com.example.old\"/>\n"),
                                    "index.xml");
    REQUIRE(r.errors.empty());
    CHECK(r.index->packs.size() == 1);
    CHECK(r.index->revoked.size() == 1);
    CHECK(r.index->serial == 42);
}

TEST_CASE("feed index: every problem is reported as SOURCE:LINE:COL") {
    // Scenario: malformed indexes; each message points at the value, attribute or element at fault.
    CHECK(only_error("<feed") == "index.xml:1:5: malformed XML: Error parsing start element tag");
    CHECK(only_error("<other xmlns=\"https://fixtray.org/feed/1\"/>") ==
          "index.xml:1:1: the root element must be <feed>, not <other>");
    CHECK(only_error("<!DOCTYPE feed [<!ENTITY x \"y\">]>\n" + feed("")) ==
          "index.xml:1:1: DOCTYPE is not allowed in a feed index");
    CHECK(only_error("") == "index.xml:1:1: the index is empty");
    CHECK(contains(only_error("<!-- nothing -->"), "index.xml:1:17: no root element"));
    CHECK(contains(only_error(feed("") + "<feed/>"), "index.xml:3:1: only one root element"));
    const std::string text = feed("  text\n");
    CHECK(only_error(text) == spot(text, ">\n  ") + ": text is not allowed inside <feed>");

    const std::string times = "generated=\"2026-11-23T10:00:00Z\" expires=\"2026-12-23T10:00:00Z\"";
    const std::string ok = "repository=\"com.example.a\" serial=\"1\" " + times;
    // Each case: the index, the text just before the spot the message must point at, the message.
    struct Case {
        std::string xml, before, message;
    };
    const std::vector<Case> cases{
        {"<feed xmlns=\"urn:other\" " + ok + "/>", "xmlns=\"",
         "xmlns=\"urn:other\" is not the feed namespace \"https://fixtray.org/feed/1\""},
        {feed("", "serial=\"1\" " + times), "", "<feed> needs repository=\"...\""},
        {feed("", "repository=\"Bad Id\" serial=\"1\" " + times), "repository=\"",
         "repository=\"Bad Id\" is not a reverse-DNS id"},
        {feed("", "repository=\"com.example.a\" serial=\"0\" " + times), "serial=\"",
         "serial=\"0\" is not a positive decimal integer"},
        {feed("",
              "repository=\"com.example.a\" serial=\"1\" generated=\"2026-11-23T10:00:00Z\" "
              "expires=\"2026-11-23T10:00:00Z\""),
         "expires=\"", "expires must be later than generated"},
        {feed("", ok + " mirror=\"x\""), "2026-12-23T10:00:00Z\" ",
         "unknown attribute \"mirror\" on <feed>"},
        {feed(pack("Com.Example", "a.xml")), "id=\"",
         "id=\"Com.Example\" is not a pack id such as \"com.example.vpn\""},
        {feed(pack("com.example.a", "a.xml", std::string(64, 'A'))), "sha256=\"",
         "sha256=\"" + std::string(64, 'A') + "\" is not 64 lower-case hex digits (a SHA-256)"},
        {feed(pack("com.example.a", "a.xml", kSha.substr(1))), "sha256=\"",
         "sha256=\"" + kSha.substr(1) + "\" is not 64 lower-case hex digits (a SHA-256)"},
        {feed(pack("com.example.a", "a.xml", kSha, " extra=\"1\"")), kSha + "\" ",
         "unknown attribute \"extra\" on <pack>"},
        {feed("  <pack id=\"com.example.a\" version=\"0\" file=\"a.xml\" size=\"1\" sha256=\"" +
              kSha + "\"/>\n"),
         "version=\"", "version=\"0\" is not a positive integer"},
        {feed("  <pack id=\"com.example.a\" version=\"1\" file=\"a.xml\" size=\"-1\" sha256=\"" +
              kSha + "\"/>\n"),
         "size=\"", "size=\"-1\" is not a size in bytes"},
        {feed("  <pack id=\"com.example.a\" file=\"a.xml\" size=\"1\" sha256=\"" + kSha + "\"/>\n"),
         ">\n  ", "<pack> needs version=\"...\""},
        {feed(pack("com.example.a", "a.xml") + pack("com.example.a", "b.xml")), "/>\n  <pack id=\"",
         "pack \"com.example.a\" is listed twice"},
        {feed(pack("com.example.a", "a.xml") + pack("com.example.b", "a.xml")),
         "com.example.b\" version=\"3\" file=\"", "file \"a.xml\" is listed twice"},
        {feed(pack("com.example.a", "a.xml") + "  <revoked id=\"com.example.a\"/>\n"),
         "<revoked id=\"", "pack \"com.example.a\" is both listed and revoked"},
        {feed("  <revoked id=\"com.example.a\"/><revoked id=\"com.example.a\"/>\n"),
         "/><revoked id=\"", "pack \"com.example.a\" is revoked twice"},
        {feed("  <mirror url=\"x\"/>\n"), ">\n  ",
         "unknown element <mirror> (a feed lists <pack>, <revoked> and <announcement> "
         "elements)"},
        {feed("  <revoked id=\"com.example.a\"><x/></revoked>\n"), "\"com.example.a\">",
         "<revoked> must be empty"},
        {feed("", ok + " serial=\"2\""), "2026-12-23T10:00:00Z\" ",
         "attribute \"serial\" is repeated on <feed>"},
        {feed(pack("com.example.a", "/etc/x.xml")), "file=\"",
         "file=\"/etc/x.xml\" is not a plain file name"},
    };
    for (const auto& c : cases) {
        INFO(c.xml);
        const std::string expected = spot(c.xml, c.before) + ": " + c.message;
        const std::string got = only_error(c.xml);
        CHECK(got.substr(0, expected.size()) == expected);
    }
    for (const std::string serial : {"-1", "+1", "01", "1.5", "", "18446744073709551616"}) {
        const std::string xml =
            feed("", "repository=\"com.example.a\" serial=\"" + serial + "\" " + times);
        CHECK(only_error(xml) == spot(xml, "serial=\"") + ": serial=\"" + serial +
                                     "\" is not a positive decimal integer");
    }
    for (const std::string t :
         {"2026-11-23", "2026-11-23T10:00:00", "2026-11-23T10:00:00+01:00", "2026-02-30T10:00:00Z",
          "2026-11-23T24:00:00Z", "2026-11-23 10:00:00Z", "1969-12-31T23:59:59Z"})
        CHECK(
            contains(only_error(feed("", "repository=\"com.example.a\" serial=\"1\" generated=\"" +
                                             t + "\" expires=\"2026-12-23T10:00:00Z\"")),
                     "index.xml:1:91: generated=\"" + t + "\" is not an RFC 3339 UTC time"));
}

TEST_CASE("feed index: all problems are reported, in document order") {
    // Scenario: an index with several mistakes gets one message for each, first to last.
    const std::string xml = feed(pack("com.example.a", "../a.xml", kSha, " extra=\"1\"") +
                                     pack("com.example.b", "b.xml", "xyz"),
                                 "repository=\"x\" serial=\"0\" generated=\"2026-11-23T10:00:00Z\" "
                                 "expires=\"2026-12-23T10:00:00Z\"");
    const auto r = parse_feed_index(xml, "feeds/index.xml");
    CHECK_FALSE(r.index);
    REQUIRE(r.errors.size() == 5);
    CHECK(r.errors[0] == spot(xml, "repository=\"", "feeds/index.xml") +
                             ": repository=\"x\" is not a reverse-DNS id such as "
                             "\"com.example.helpdesk\"");
    CHECK(contains(r.errors[1], spot(xml, "serial=\"", "feeds/index.xml") + ": serial=\"0\""));
    CHECK(contains(r.errors[2], spot(xml, "file=\"", "feeds/index.xml") +
                                    ": file=\"../a.xml\" is not a plain file name"));
    CHECK(contains(r.errors[3],
                   spot(xml, kSha + "\" ", "feeds/index.xml") + ": unknown attribute \"extra\""));
    CHECK(contains(r.errors[4], spot(xml, "b.xml\" size=\"10\" sha256=\"", "feeds/index.xml") +
                                    ": " + "sha256=\"xyz\""));
}

TEST_CASE("feed index: unsafe pack file names are refused") {
    // Scenario: a hostile index tries to make a client write or read outside packs/.
    for (const std::string& name :
         std::vector<std::string>{"../x.xml", "/etc/x.xml", "a\\b.xml", "C:x.xml", ".hidden.xml",
                                  "a..b.xml", "x.xml/", "x.txt", ".xml", "", "a b.xml", "é.xml",
                                  std::string("a\0b.xml", 7), std::string(125, 'a') + ".xml"}) {
        INFO(name);
        CHECK_FALSE(is_safe_feed_file_name(name));
    }
    for (const std::string& name :
         std::vector<std::string>{"a.xml", "com.example.vpn-0123456789abcdef.xml", "A_b-1.xml",
                                  std::string(124, 'a') + ".xml"}) {
        INFO(name);
        CHECK(is_safe_feed_file_name(name));
    }
    // A NUL byte anywhere is refused before parsing.
    const std::string nul = feed(pack("com.example.a", std::string("a\0b.xml", 7)));
    const auto n = parse_feed_index(nul, "index.xml");
    REQUIRE(n.errors.size() == 1);
    CHECK(n.errors[0] == spot(nul, "file=\"a") + ": control character (byte 0) in the index");
}

TEST_CASE("feed index: input over 4 MiB is refused before parsing") {
    // Scenario: a compromised mirror serves a huge index.
    const std::string big = feed(std::string(4 * 1024 * 1024, ' '));
    const auto r = parse_feed_index(big, "index.xml");
    CHECK_FALSE(r.index);
    REQUIRE(r.errors.size() == 1);
    CHECK(contains(r.errors[0], "larger than the limit"));
}

TEST_CASE("feed index: content-addressed pack file names") {
    // Scenario: feed build names a pack file after its id and hash.
    CHECK(feed_pack_file_name("com.example.vpn", "0123456789abcdef" + std::string(48, '0')) ==
          "com.example.vpn-0123456789abcdef.xml");
    CHECK(is_safe_feed_file_name(feed_pack_file_name("com.example.vpn", kSha)));
}

TEST_CASE("feed index: times are RFC 3339 UTC with seconds") {
    // Scenario: the generated and expires attributes.
    const auto t = parse_feed_time("2026-11-23T10:00:00.250Z");
    REQUIRE(t);
    CHECK(format_feed_time(*t) == "2026-11-23T10:00:00Z");
    CHECK(parse_feed_time("2028-02-29T23:59:59Z"));
    CHECK_FALSE(parse_feed_time("2027-02-29T00:00:00Z"));
    // Found by fuzzing: a year past 2262 overflowed system_clock (nanoseconds) in from_time_t.
    CHECK_FALSE(parse_feed_time("4909-12-23T10:00:00Z"));
    CHECK(parse_feed_time("2200-12-31T23:59:59Z"));
    CHECK_FALSE(parse_feed_time("2026-11-23T10:00:00.Z"));
}
