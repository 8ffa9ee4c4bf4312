// IT's announcements as front ends show them (app/announcements.h): current by the clock,
// soonest expiry first, in the employee's language, only from a feed the catalog trusts, and
// those about one fix.
#include <doctest/doctest.h>

#include <sys/stat.h>
#include <unistd.h>

#include "app/announcements.h"
#include "support/test_helpers.h"
#include "support/test_machine.h"

using namespace fixtray;
using namespace fixtray::test;
namespace fs = std::filesystem;
using std::chrono::hours;
using std::chrono::minutes;
using std::chrono::system_clock;

namespace {

const auto kNow = std::chrono::floor<std::chrono::seconds>(system_clock::now());

FeedAnnouncement notice(const std::string& id, system_clock::time_point expires,
                        std::vector<std::string> fixes = {}) {
    FeedAnnouncement a;
    a.id = id;
    a.expires = expires;
    a.fixes = std::move(fixes);
    a.title.by_lang = {{"", "Title " + id}};
    a.text.by_lang = {{"", "Text " + id}};
    return a;
}

std::vector<std::string> ids(const std::vector<AnnouncementView>& views) {
    std::vector<std::string> out;
    for (const auto& v : views) out.push_back(v.id);
    return out;
}

// A machine whose installed feed (expiring in a day) carries these announcements and offers the
// fix "remap-printers".
void install(const TestMachine& m, const std::vector<FeedAnnouncement>& announcements,
             system_clock::time_point index_expires = kNow + hours(24)) {
    m.install_feed({{"p.xml", simple_pack("com.example.printing", "remap-printers", "Remap")}}, 1,
                   index_expires, {}, "com.example.helpdesk", announcements);
}

}  // namespace

TEST_CASE("announcements: the current ones by the clock, the soonest to expire first") {
    // Scenario: three announcements expiring in 1 h, 3 h and 2 h. Now all three show, ordered
    // by expiry; 90 minutes later the first has gone; in 4 hours none is left (the index itself
    // still runs). Equal expiries are ordered by id.
    TestMachine m;
    install(m, {notice("c", kNow + hours(1)), notice("a", kNow + hours(3)),
                notice("b", kNow + hours(2)), notice("b2", kNow + hours(2))});
    const MachineCatalog c(m.paths, CatalogOptions{});
    CHECK(ids(current_announcements(c, kNow, "en")) ==
          std::vector<std::string>{"c", "b", "b2", "a"});
    CHECK(ids(current_announcements(c, kNow + minutes(90), "en")) ==
          std::vector<std::string>{"b", "b2", "a"});
    CHECK(ids(current_announcements(c, kNow + hours(1), "en")) ==
          std::vector<std::string>{"b", "b2", "a"});  // gone at its expiry, not after
    CHECK(current_announcements(c, kNow + hours(4), "en").empty());
    // When a front end should look again.
    CHECK(next_announcement_change(c, kNow) == kNow + hours(1));
    CHECK(next_announcement_change(c, kNow + minutes(90)) == kNow + hours(2));
    CHECK_FALSE(next_announcement_change(c, kNow + hours(4)).has_value());
    const auto views = current_announcements(c, kNow, "en");
    CHECK(views[0].title == "Title c");
    CHECK(views[0].text == "Text c");
    CHECK(views[0].expires == kNow + hours(1));
}

TEST_CASE("announcements: German is picked for lang de, the fallback for other languages") {
    // Scenario: title and text in English and German; a second announcement with a German
    // title only. de, de_DE.UTF-8 and de-AT get German; fr and C get English. Each part is picked
    // on its own, with the tag it came from.
    TestMachine m;
    FeedAnnouncement a = notice("printing-b", kNow + hours(2), {"remap-printers"});
    a.title.by_lang = {{"", "Printing in building B is down"},
                       {"de", "Drucken in Gebäude B gestört"}};
    a.text.by_lang = {{"de", "Wir sind dran."}, {"", "We are on it."}};
    FeedAnnouncement b = notice("mail", kNow + hours(3));
    b.title.by_lang = {{"", "Mail is slow"}, {"de", "Mail ist langsam"}};
    install(m, {a, b});
    const MachineCatalog c(m.paths, CatalogOptions{});
    for (const char* lang : {"de", "de_DE.UTF-8", "de-AT"}) {
        INFO(lang);
        const auto v = current_announcements(c, kNow, lang);
        REQUIRE(v.size() == 2);
        CHECK(v[0].title == "Drucken in Gebäude B gestört");
        CHECK(v[0].title_lang == "de");
        CHECK(v[0].text == "Wir sind dran.");
        CHECK(v[1].title == "Mail ist langsam");
        CHECK(v[1].text == "Text mail");
        CHECK(v[1].text_lang.empty());
    }
    for (const char* lang : {"fr", "C", ""}) {
        const auto v = current_announcements(c, kNow, lang);
        REQUIRE(v.size() == 2);
        CHECK(v[0].title == "Printing in building B is down");
        CHECK(v[0].text == "We are on it.");
    }
}

TEST_CASE("announcements: those about a fix, and a fix this machine does not have is ignored") {
    // Scenario: one announcement names remap-printers and a fix no pack has, one names only the
    // unknown fix, one names none. For remap-printers only the first; the unknown id is left out
    // of what the first is said to concern; the others still show in the list.
    TestMachine m;
    install(
        m, {notice("printing", kNow + hours(1), {"no-such-fix", "remap-printers"}),
            notice("ghost", kNow + hours(2), {"no-such-fix"}), notice("general", kNow + hours(3))});
    const MachineCatalog c(m.paths, CatalogOptions{});
    const auto about = announcements_for_fix(c, "remap-printers", kNow, "en");
    REQUIRE(ids(about) == std::vector<std::string>{"printing"});
    REQUIRE(about[0].fixes.size() == 1);
    CHECK(about[0].fixes[0].id == "remap-printers");
    CHECK(about[0].fixes[0].title == "Remap");
    CHECK(announcements_for_fix(c, "clear-caches", kNow, "en").empty());
    CHECK(announcements_for_fix(c, "remap-printers", kNow + hours(1), "en").empty());
    const auto all = current_announcements(c, kNow, "en");
    CHECK(ids(all) == std::vector<std::string>{"printing", "ghost", "general"});
    CHECK(all[1].fixes.empty());

    const std::string notice_text = known_issue_notice(about[0]);
    CHECK(notice_text.rfind("IT already knows about this: Title printing — Text printing (until ",
                            0) == 0);
    CHECK(notice_text.back() == ')');
}

TEST_CASE("announcements: none from a feed the catalog does not trust, use or that expired") {
    // Scenario: the same announcement, still current, with: --no-feed (options.feed off); an
    // index whose key was withdrawn from feed.keys; a store a user could write; an index that
    // expired (fixctl still runs its packs, but nothing in it is current any more).
    REQUIRE_MESSAGE(geteuid() == 0, "a trusted feed store is root's");
    TestMachine m;
    install(m, {notice("printing", kNow + hours(6))}, kNow + hours(6));
    CHECK(current_announcements(MachineCatalog(m.paths, CatalogOptions{}), kNow, "en").size() == 1);

    CatalogOptions no_feed;
    no_feed.feed = false;
    CHECK(current_announcements(MachineCatalog(m.paths, no_feed), kNow, "en").empty());

    // Expired: at the index's expiry nothing of it is current (an announcement never outlives
    // its index; the index's expiry is checked on its own as well).
    {
        const MachineCatalog c(m.paths, CatalogOptions{});
        CHECK(current_announcements(c, kNow + hours(6), "en").empty());
        CHECK(current_announcements(c, kNow + hours(6) - minutes(1), "en").size() == 1);
    }

    // The key withdrawn: the index no longer verifies.
    const fs::path key = fs::path(m.paths.keys_dir) / "test-feed.pub";
    const std::string key_text = read_file(key);
    fs::remove(key);
    {
        const MachineCatalog c(m.paths, CatalogOptions{});
        CHECK_FALSE(c.feed_trust_warning().empty());
        CHECK(current_announcements(c, kNow, "en").empty());
    }
    write_file(key, key_text);

    // A store a user could write is not used at all.
    const fs::path gen = fs::path(m.paths.feed_state_dir) / "generations/g1";
    fs::permissions(gen / "index.xml", fs::perms::others_write, fs::perm_options::add);
    {
        const MachineCatalog c(m.paths, CatalogOptions{});
        CHECK_FALSE(c.feed_trust_warning().empty());
        CHECK(current_announcements(c, kNow, "en").empty());
    }
    fs::permissions(gen / "index.xml", fs::perms::others_write, fs::perm_options::remove);
    CHECK(current_announcements(MachineCatalog(m.paths, CatalogOptions{}), kNow, "en").size() == 1);
}
