// feed build with the help desk's announcements.xml beside the packs (feed_build.h): what goes
// into the index, what is left out or shortened with a warning, and errors with FILE:LINE:COL
// that stop the build.
#include <doctest/doctest.h>

#include <filesystem>

#include "feed/feed_build.h"
#include "feed/feed_index.h"
#include "support/test_helpers.h"

using namespace fixtray;
using namespace fixtray::test;
namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace {

const auto kNow = *parse_feed_time("2026-11-23T10:00:00Z");

std::string pack_text(const std::string& fix_id) {
    return "<fixpack xmlns=\"urn:fixtray:fixpack:1\" id=\"com.example.printing\" version=\"1\">"
           "<fix id=\"" +
           fix_id +
           "\" platforms=\"linux\"><title>Remap</title><steps><run><arg>true</arg></run></steps>"
           "</fix></fixpack>";
}

std::string announcement(const std::string& id, const std::string& expires,
                         const std::string& extra = "") {
    return "  <announcement id=\"" + id + "\" expires=\"" + expires + "\"" + extra +
           ">\n    <title>Notice " + id + "</title>\n    <text>About " + id +
           ".</text>\n  </announcement>\n";
}

std::string announcements_file(const std::string& body) {
    return "<announcements xmlns=\"https://fixtray.org/feed/1\">\n" + body + "</announcements>\n";
}

FeedBuildOptions options(const TempDir& dir) {
    FeedBuildOptions o;
    o.packs_dir = dir / "packs";
    o.feed_dir = dir / "feed";
    o.repository = "com.example.helpdesk";
    o.expires_days = 30;
    o.now = kNow;
    return o;
}

bool contains(const std::string& s, const std::string& part) {
    return s.find(part) != std::string::npos;
}

}  // namespace

TEST_CASE("feed build: announcements.xml beside the packs goes into the signed index") {
    // Scenario: three announcements, written out of order: one current, one that has already
    // expired (a warning, left out), one that would outlive the 30-day index (a warning, published
    // until the index expires). announcements.xml is not taken for a pack.
    TempDir dir;
    write_file(dir / "packs/printing.xml", pack_text("remap-printers"));
    const std::string file = dir / "packs/announcements.xml";
    write_file(file, announcements_file(announcement("vpn-maintenance", "2027-02-01T00:00:00Z") +
                                        announcement("printing-b", "2026-11-24T18:00:00Z",
                                                     " fixes=\"remap-printers no-such-fix\"") +
                                        announcement("old-news", "2026-11-01T00:00:00Z")));
    const FeedBuildResult r = build_feed(options(dir));
    for (const auto& e : r.errors) INFO(e);
    REQUIRE(r.ok);
    REQUIRE(r.warnings.size() == 2);
    CHECK(r.warnings[0] == file +
                               ":2:3: warning: announcement \"vpn-maintenance\" expires at "
                               "2027-02-01T00:00:00Z, after this index (2026-12-23T10:00:00Z): it "
                               "is published until the index expires; the next build carries it "
                               "on");
    CHECK(r.warnings[1] == file +
                               ":10:3: warning: announcement \"old-news\" expired at "
                               "2026-11-01T00:00:00Z: left out");
    CHECK(r.index.packs.size() == 1);  // the pack, and not announcements.xml

    const auto parsed = parse_feed_index(read_file(dir.path() / "feed/index.xml"), "index.xml");
    REQUIRE(parsed.index);
    const auto& a = parsed.index->announcements;
    REQUIRE(a.size() == 2);
    CHECK(a[0].id == "printing-b");  // sorted by id
    CHECK(format_feed_time(a[0].expires) == "2026-11-24T18:00:00Z");
    CHECK(a[0].fixes == std::vector<std::string>{"remap-printers", "no-such-fix"});
    CHECK(a[0].title.get("en") == "Notice printing-b");
    CHECK(a[1].id == "vpn-maintenance");
    CHECK(a[1].expires == parsed.index->expires);

    // The next build, a week later with a new 30-day index, carries it further.
    FeedBuildOptions later = options(dir);
    later.now = kNow + 24h * 7;
    const FeedBuildResult r2 = build_feed(later);
    REQUIRE(r2.ok);
    REQUIRE(r2.index.announcements.size() == 1);  // printing-b has expired by then
    CHECK(format_feed_time(r2.index.announcements[0].expires) == "2026-12-30T10:00:00Z");
}

TEST_CASE("feed build: a mistake in announcements.xml is FILE:LINE:COL and nothing is written") {
    // Scenario: a bad fix id and a bidirectional override in a title: both reported with their
    // positions, with a pack error of the same build; no index is written. Fixed, it builds.
    TempDir dir;
    write_file(dir / "packs/printing.xml", pack_text("remap-printers"));
    write_file(dir / "packs/broken.xml", "<fixpack");
    const std::string file = dir / "packs/announcements.xml";
    write_file(file,
               announcements_file(announcement("a", "2026-11-24T18:00:00Z", " fixes=\"Remap\"") +
                                  "  <announcement id=\"b\" expires=\"2026-11-24T18:00:00Z\">\n"
                                  "    <title>Printing \xe2\x80\xae"
                                  "nwod</title><text>t</text>\n"
                                  "  </announcement>\n"));
    const FeedBuildResult r = build_feed(options(dir));
    CHECK_FALSE(r.ok);
    CHECK_FALSE(r.bad_options);
    REQUIRE(r.errors.size() == 3);
    CHECK(contains(r.errors[0], dir / "packs/broken.xml:1:"));
    CHECK(r.errors[1] == file +
                             ":2:62: error: fixes: \"Remap\" is not a fix id ([a-z0-9][a-z0-9-]*, "
                             "as in `fixctl list`)");
    CHECK(contains(r.errors[2], file + ":7:5: error: <title> holds the bidirectional control "
                                       "character U+202E"));
    CHECK_FALSE(fs::exists(dir.path() / "feed/index.xml"));

    fs::remove(dir.path() / "packs/broken.xml");
    write_file(file, announcements_file(announcement("a", "2026-11-24T18:00:00Z")));
    CHECK(build_feed(options(dir)).ok);
}

TEST_CASE("feed build: no announcements.xml, no announcements, and removing it withdraws them") {
    // Scenario: a feed built with an announcement, then built again after the file was removed:
    // the new index has none (the previous index's are not carried over, unlike revocations).
    TempDir dir;
    write_file(dir / "packs/printing.xml", pack_text("remap-printers"));
    write_file(dir / "packs/announcements.xml",
               announcements_file(announcement("printing-b", "2026-11-24T18:00:00Z")));
    REQUIRE(build_feed(options(dir)).index.announcements.size() == 1);
    fs::remove(dir.path() / "packs/announcements.xml");
    const FeedBuildResult r = build_feed(options(dir));
    REQUIRE(r.ok);
    CHECK(r.index.serial == 2);
    CHECK(r.index.announcements.empty());
    CHECK(r.warnings.empty());
    CHECK(!contains(read_file(dir.path() / "feed/index.xml"), "announcement"));

    // An empty announcements.xml is fine too.
    write_file(dir / "packs/announcements.xml", announcements_file(""));
    CHECK(build_feed(options(dir)).ok);
}
