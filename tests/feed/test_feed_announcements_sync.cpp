// Announcements travel in the signed index (feed_sync.h, feed_store.h): a real nginx serves a
// feed signed with the stock minisign; what a machine keeps and shows is only what verified,
// and an announcement changed after signing is refused like any change of the index.
#include <doctest/doctest.h>

#include <filesystem>

#include "base/cancel_token.h"
#include "base/clock.h"
#include "feed/feed_index.h"
#include "feed/feed_store.h"
#include "feed/feed_sync.h"
#include "net/http_client.h"
#include "support/feed_desk.h"
#include "support/test_helpers.h"

using namespace fixtray;
using namespace fixtray::test;
namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace {

FeedSyncResult sync_now(const FeedConfig& config) {
    CurlHttpClient http;
    RealClock clock;
    CancelToken cancel;
    FeedSync sync(config, http, clock);
    return sync.sync(true, cancel);
}

FeedAnnouncement notice(const std::string& id, const std::string& title,
                        std::chrono::system_clock::duration valid_for = 2h) {
    FeedAnnouncement a;
    a.id = id;
    a.expires =
        std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now() + valid_for);
    a.fixes = {"reconnect-vpn"};
    a.title.by_lang = {{"", title}};
    a.text.by_lang = {{"", "We are on it."}};
    return a;
}

std::vector<std::string> installed_titles(const FeedConfig& config) {
    std::string error;
    const FeedState s = read_installed_feed(config, &error);
    std::vector<std::string> titles;
    for (const auto& a : s.announcements) titles.push_back(a.title.get(""));
    return titles;
}

bool contains(const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
}

}  // namespace

TEST_CASE("feed sync: announcements arrive with the signed index, and go with the next one") {
    // Scenario: serial 1 carries an announcement; the machine installs it with the index and
    // reads it back from the verified generation. Serial 2 only changes the announcements (no
    // pack changes): it is a new generation like any other index. Serial 3 has none left.
    HelpDesk desk;
    desk.packs["com.example.vpn"] = pack_xml("com.example.vpn", 1, "reconnect-vpn", "Reconnect");
    desk.announcements = {notice("vpn-slow", "The VPN is slow")};
    desk.publish_feed();
    Nginx nginx(desk.publish);
    const FeedConfig config = desk.config(nginx.url());

    auto r = sync_now(config);
    INFO(r.message);
    REQUIRE(r.outcome == FeedSyncOutcome::updated);
    CHECK(installed_titles(config) == std::vector<std::string>{"The VPN is slow"});
    CHECK(contains(read_file(desk.state / "current/index.xml"), "The VPN is slow"));
    // Never in state.json: what a reader shows comes from the signed bytes alone.
    CHECK(!contains(read_file(desk.state / "state.json"), "The VPN is slow"));

    desk.announcements = {notice("vpn-slow", "The VPN is fast again"), notice("mail", "Mail")};
    desk.publish_feed();
    r = sync_now(config);
    REQUIRE(r.outcome == FeedSyncOutcome::updated);
    CHECK(r.added.empty());
    CHECK(r.changed.empty());
    CHECK(installed_titles(config) == std::vector<std::string>{"Mail", "The VPN is fast again"});

    desk.announcements.clear();
    desk.publish_feed();
    REQUIRE(sync_now(config).outcome == FeedSyncOutcome::updated);
    CHECK(installed_titles(config).empty());
}

TEST_CASE("feed sync: an announcement changed after signing is refused, the old one stays") {
    // Scenario: serial 2 is signed, then someone on the web server edits the announcement's
    // text in index.xml (or adds one). The signature no longer matches: the sync is refused
    // and the machine keeps serial 1 and its announcement. An announcement that breaks a rule
    // in an index signed by the help desk's key is refused too, as any invalid index.
    HelpDesk desk;
    desk.packs["com.example.vpn"] = pack_xml("com.example.vpn", 1, "reconnect-vpn", "Reconnect");
    desk.announcements = {notice("vpn-slow", "The VPN is slow")};
    desk.publish_feed();
    Nginx nginx(desk.publish);
    const FeedConfig config = desk.config(nginx.url());
    REQUIRE(sync_now(config).outcome == FeedSyncOutcome::updated);

    desk.announcements = {notice("vpn-slow", "The VPN is fixed")};
    desk.publish_feed();
    std::string bytes = read_file(desk.publish / "index.xml");
    bytes.replace(bytes.find("We are on it."), 13, "Call 555-0100");
    desk.write_raw_index(bytes);
    auto r = sync_now(config);
    INFO(r.message);
    CHECK(r.outcome == FeedSyncOutcome::refused);
    CHECK(contains(r.message, "signature"));
    CHECK(r.state.serial == 1);
    CHECK(installed_titles(config) == std::vector<std::string>{"The VPN is slow"});

    // Bytes added after signing: one announcement more.
    desk.publish_feed();
    bytes = read_file(desk.publish / "index.xml");
    bytes.insert(bytes.find("</feed>"), write_announcement(notice("phish", "Click here")));
    desk.write_raw_index(bytes);
    r = sync_now(config);
    CHECK(r.outcome == FeedSyncOutcome::refused);
    CHECK(installed_titles(config) == std::vector<std::string>{"The VPN is slow"});

    // Signed by the right key but against the rules: an announcement outliving the index.
    desk.announcements = {notice("forever", "Forever", 24h * 365)};
    desk.publish_feed();
    r = sync_now(config);
    INFO(r.message);
    CHECK(r.outcome == FeedSyncOutcome::refused);
    CHECK(contains(r.message, "an announcement cannot outlive its index"));
    CHECK(installed_titles(config) == std::vector<std::string>{"The VPN is slow"});
}

TEST_CASE("feed store: an installed index that no longer verifies shows no announcements") {
    // Scenario: after a sync, the help desk's key is withdrawn from feed.keys (or the installed
    // index is edited on the machine): read_installed_feed keeps the revocations but no
    // announcement, and says why.
    HelpDesk desk;
    desk.packs["com.example.vpn"] = pack_xml("com.example.vpn", 1, "reconnect-vpn", "Reconnect");
    desk.announcements = {notice("vpn-slow", "The VPN is slow")};
    desk.publish_feed();
    Nginx nginx(desk.publish);
    const FeedConfig config = desk.config(nginx.url());
    REQUIRE(sync_now(config).outcome == FeedSyncOutcome::updated);
    REQUIRE(installed_titles(config).size() == 1);

    const fs::path index = desk.state / "current/index.xml";
    const std::string good = read_file(index);
    std::string edited = good;
    edited.replace(edited.find("The VPN is slow"), 15, "The VPN is SLOW");
    write_file(index, edited);
    std::string error;
    FeedState s = read_installed_feed(config, &error);
    CHECK_FALSE(s.index_verified);
    CHECK(contains(s.trust_problem, "does not verify"));
    CHECK(s.announcements.empty());
    write_file(index, good);
    ::chmod(index.c_str(), 0644);

    fs::remove(desk.keys / "helpdesk.pub");
    s = read_installed_feed(config, &error);
    CHECK_FALSE(s.index_verified);
    CHECK(s.announcements.empty());
    fs::copy_file(desk.dir.path() / "helpdesk.pub", desk.keys / "helpdesk.pub");
    CHECK(installed_titles(config) == std::vector<std::string>{"The VPN is slow"});
}
