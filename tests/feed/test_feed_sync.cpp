// Feed sync against a real nginx on loopback, with indexes signed by the stock minisign tool:
// conditional GET, atomic install, and the attack set modelled on The Update Framework's threats
// (each refused with a message while the last known good packs keep working).
#include <doctest/doctest.h>
#include <sys/stat.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "base/cancel_token.h"
#include "base/clock.h"
#include "feed/feed_index.h"
#include "feed/feed_sync.h"
#include "feed/minisign.h"
#include "net/http_client.h"
#include "packs/catalog.h"
#include "support/builtin_test_support.h"
#include "support/feed_desk.h"
#include "support/test_helpers.h"

using namespace fixtray;
using namespace fixtray::test;
namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace {

// A clock shifted into the future: a fake, for "the index has expired since" (time cannot be
// moved for real).
class FakeShiftedClock final : public Clock {
public:
    explicit FakeShiftedClock(std::chrono::hours shift) : shift_(shift) {}
    std::chrono::system_clock::time_point now() const override {
        return std::chrono::system_clock::now() + shift_;
    }
    std::chrono::steady_clock::time_point steady_now() const override {
        return std::chrono::steady_clock::now();
    }
    bool sleep_for(std::chrono::milliseconds d, const CancelToken& cancel) override {
        return real_.sleep_for(d, cancel);
    }

private:
    std::chrono::hours shift_;
    RealClock real_;
};

FeedSyncResult sync_now(const FeedConfig& config, Clock* clock = nullptr, bool force = true) {
    CurlHttpClient http;
    RealClock real;
    CancelToken cancel;
    FeedSync sync(config, http, clock ? *clock : real);
    return sync.sync(force, cancel);
}

// The fix ids the synced packs offer, as the catalog loads them.
std::vector<std::string> synced_fix_ids(const HelpDesk& desk) {
    Catalog catalog;
    const auto problems = catalog.add_directory(feed_packs_dir(desk.state.string()));
    for (const auto& p : problems) CHECK_MESSAGE(false, p.str());
    std::vector<std::string> ids;
    for (const auto& e : catalog.all_fixes()) ids.push_back(e.fix->id);
    return ids;
}

bool contains(const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
}

}  // namespace

TEST_CASE(
    "feed sync: a pack signed with stock minisign arrives from nginx, then 304 costs one request") {
    // Scenario: first sync installs the pack; an unchanged feed is one conditional GET with no
    // body; a new serial with a changed pack downloads only the index, its signature and it.
    HelpDesk desk;
    desk.packs["com.example.vpn"] = pack_xml("com.example.vpn", 1, "reconnect-vpn", "Reconnect");
    desk.packs["com.example.mail"] = pack_xml("com.example.mail", 1, "fix-mail", "Mail");
    desk.publish_feed();
    Nginx nginx(desk.publish);

    auto r = sync_now(desk.config(nginx.url()));
    INFO(r.message);
    REQUIRE(r.outcome == FeedSyncOutcome::updated);
    CHECK(r.added.size() == 2);
    CHECK(r.state.serial == 1);
    CHECK(synced_fix_ids(desk) == std::vector<std::string>{"fix-mail", "reconnect-vpn"});

    r = sync_now(desk.config(nginx.url()));
    CHECK(r.outcome == FeedSyncOutcome::unchanged);
    CHECK(r.requests == 1);
    CHECK(r.bytes_downloaded == 0);
    CHECK(contains(nginx.access_log(), "\"GET /index.xml HTTP/1.1\" 304"));

    desk.packs["com.example.vpn"] = pack_xml("com.example.vpn", 2, "reconnect-vpn", "Reconnect 2");
    desk.publish_feed();
    r = sync_now(desk.config(nginx.url()));
    REQUIRE(r.outcome == FeedSyncOutcome::updated);
    CHECK(r.changed == std::vector<std::string>{"com.example.vpn"});
    CHECK(r.requests == 3);  // index, signature, the changed pack
    const auto index_size = fs::file_size(desk.publish / "index.xml");
    const auto sig_size = fs::file_size(desk.publish / "index.xml.minisig");
    CHECK(r.bytes_downloaded == index_size + sig_size + desk.packs["com.example.vpn"].size());
}

TEST_CASE("feed sync: attacks are refused and the last known good packs keep working") {
    // Scenario: a good feed is synced (serial 1, then 2); then each attack from the TUF threat
    // list is served by nginx. Each is refused with a message naming the problem; the installed
    // serial and packs do not change.
    HelpDesk desk;
    desk.keygen("attacker");
    desk.packs["com.example.vpn"] = pack_xml("com.example.vpn", 1, "reconnect-vpn", "Reconnect");
    desk.publish_feed();
    const auto serial1 = desk.snapshot();
    desk.packs["com.example.mail"] = pack_xml("com.example.mail", 1, "fix-mail", "Mail");
    desk.publish_feed();
    Nginx nginx(desk.publish);
    const FeedConfig config = desk.config(nginx.url());
    REQUIRE(sync_now(config).outcome == FeedSyncOutcome::updated);
    const std::vector<std::string> good = {"fix-mail", "reconnect-vpn"};
    REQUIRE(synced_fix_ids(desk) == good);

    auto expect_refused = [&](const std::string& what, const std::string& message_part) {
        INFO(what);
        const auto r = sync_now(config);
        INFO(r.message);
        CHECK(r.outcome == FeedSyncOutcome::refused);
        CHECK(contains(r.message, message_part));
        CHECK(contains(r.message, "Keeping the 2 pack(s) of serial 2"));
        CHECK(r.state.serial == 2);
        CHECK(synced_fix_ids(desk) == good);
        std::string error;
        CHECK(read_feed_state(desk.state.string(), &error).last_error == r.message);
    };

    SUBCASE("tampered pack") {
        desk.packs["com.example.new"] = pack_xml("com.example.new", 1, "new-fix", "New");
        const auto index = desk.publish_feed();
        for (const auto& p : index.packs)
            if (p.id == "com.example.new") {
                std::string bytes = read_file(desk.publish / "packs" / p.file);
                bytes.replace(bytes.find("true"), 4, "echo");  // same size, other bytes
                write_file(desk.publish / "packs" / p.file, bytes);
            }
        expect_refused("tampered pack", "SHA-256 does not match the signed index");
    }
    SUBCASE("tampered index") {
        desk.publish_feed();
        std::string bytes = read_file(desk.publish / "index.xml");
        bytes.replace(bytes.find("com.example.vpn"), 15, "com.example.vpx");
        desk.write_raw_index(bytes);
        expect_refused("tampered index", "signature");
    }
    SUBCASE("wrong key") {
        desk.publish_feed("attacker");
        expect_refused("wrong key", "not trusted");
    }
    SUBCASE("unsigned") {
        desk.publish_feed();
        fs::remove(desk.publish / "index.xml.minisig");
        expect_refused("unsigned", "unsigned");
    }
    SUBCASE("legacy signature form") {
        desk.publish_feed("helpdesk", 24h * 30, true);
        expect_refused("legacy", "legacy");
    }
    SUBCASE("rollback to an older serial") {
        desk.replay(serial1);
        expect_refused("rollback", "older than serial 2");
    }
    SUBCASE("the same serial with other content") {
        desk.serial = 1;  // the next publish reuses serial 2
        desk.packs["com.example.new"] = pack_xml("com.example.new", 1, "new-fix", "New");
        desk.publish_feed();
        expect_refused("serial reuse", "with different content");
    }
    SUBCASE("expired index") {
        desk.publish_feed("helpdesk", -1h);
        expect_refused("expired", "expired");
    }
    SUBCASE("freeze: the server keeps serving an index that has expired since") {
        FakeShiftedClock later(24h * 40);  // the serial-2 index expires after 30 days
        const auto r = sync_now(config, &later);
        INFO(r.message);
        CHECK(r.outcome == FeedSyncOutcome::refused);
        CHECK(contains(r.message, "frozen"));
        CHECK(synced_fix_ids(desk) == good);
    }
    SUBCASE("mix and match: a pack from another index under this index's name") {
        desk.packs["com.example.mail"] = pack_xml("com.example.mail", 2, "fix-mail", "Mail 2");
        const auto index = desk.publish_feed();
        // The attacker serves the older, once-signed mail pack in place of the new one.
        for (const auto& p : index.packs)
            if (p.id == "com.example.mail")
                write_file(
                    desk.publish / "packs" / p.file,
                    pack_xml("com.example.mail", 1, "fix-mail", "Mail") +
                        std::string(
                            p.size - pack_xml("com.example.mail", 1, "fix-mail", "Mail").size(),
                            ' '));
        expect_refused("mix and match", "SHA-256 does not match");
    }
    SUBCASE("a pack larger than the index says") {
        desk.packs["com.example.new"] = pack_xml("com.example.new", 1, "new-fix", "New");
        const auto index = desk.publish_feed();
        for (const auto& p : index.packs)
            if (p.id == "com.example.new")
                write_file(desk.publish / "packs" / p.file,
                           desk.packs["com.example.new"] + std::string(1 << 20, ' '));
        expect_refused("oversize pack", "larger than the");
    }
    SUBCASE("path traversal in a file name, in a correctly signed index") {
        desk.publish_feed();
        std::string bytes = read_file(desk.publish / "index.xml");
        const auto at = bytes.find("file=\"") + 6;
        bytes.insert(at, "../../");
        desk.write_raw_index(bytes);
        desk.sign();
        expect_refused("traversal", "not valid");
    }
    SUBCASE("an index for another repository") {
        desk.repository = "com.example.other";
        desk.publish_feed();
        expect_refused("repository", "repository com.example.other");
    }
}

TEST_CASE("feed sync: an endless index body is cut at the cap and refused") {
    // Scenario: a server (a socket in this process) answers index.xml with 8 MiB and no length.
    HelpDesk desk;
    LocalHttpServer server([](const std::string&) {
        HttpReply reply;
        reply.body = std::string(8u << 20, 'x');
        reply.send_length = false;
        return reply;
    });
    FeedConfig config = desk.config(server.url("/"));
    const auto r = sync_now(config);
    INFO(r.message);
    CHECK(r.outcome == FeedSyncOutcome::refused);
    CHECK(contains(r.message, "larger than feed.max_index_bytes"));
    CHECK(r.bytes_downloaded <= config.max_index_bytes + 64 * 1024);
}

TEST_CASE("feed sync: removed and revoked packs disappear, a dead server changes nothing") {
    // Scenario: serial 2 drops one pack and revokes another: both are gone after the sync.
    // Then the server stops: unreachable, the packs stay.
    HelpDesk desk;
    desk.packs["com.example.vpn"] = pack_xml("com.example.vpn", 1, "reconnect-vpn", "Reconnect");
    desk.packs["com.example.mail"] = pack_xml("com.example.mail", 1, "fix-mail", "Mail");
    desk.packs["com.example.old"] = pack_xml("com.example.old", 1, "old-fix", "Old");
    desk.publish_feed();
    FeedConfig config;
    {
        Nginx nginx(desk.publish);
        config = desk.config(nginx.url());
        REQUIRE(sync_now(config).outcome == FeedSyncOutcome::updated);
        desk.packs.erase("com.example.mail");
        desk.packs.erase("com.example.old");
        desk.revoked = {"com.example.old"};
        desk.publish_feed();
        const auto r = sync_now(config);
        REQUIRE(r.outcome == FeedSyncOutcome::updated);
        CHECK(r.removed == std::vector<std::string>{"com.example.mail", "com.example.old"});
        CHECK(r.state.revoked == std::vector<std::string>{"com.example.old"});
        CHECK(synced_fix_ids(desk) == std::vector<std::string>{"reconnect-vpn"});
        // Only the installed generation is kept.
        int generations = 0;
        for ([[maybe_unused]] const auto& e : fs::directory_iterator(desk.state / "generations"))
            ++generations;
        CHECK(generations == 1);
    }
    const auto r = sync_now(config);
    CHECK(r.outcome == FeedSyncOutcome::unreachable);
    CHECK(synced_fix_ids(desk) == std::vector<std::string>{"reconnect-vpn"});
}

TEST_CASE("feed sync: configuration is checked before anything is fetched") {
    // Scenario: no url, plain http to a remote host, no trusted key, a key file that is not
    // root's: not-configured with a message, no request made.
    HelpDesk desk;
    FeedConfig c = desk.config("");
    auto r = sync_now(c);
    CHECK(r.outcome == FeedSyncOutcome::not_configured);
    c = desk.config("http://feed.example.com/fixtray/");
    r = sync_now(c);
    CHECK(r.outcome == FeedSyncOutcome::not_configured);
    CHECK(contains(r.message, "https"));
    c = desk.config("https://127.0.0.1:9/");
    c.keys_dir = (desk.dir.path() / "nokeys").string();
    fs::create_directories(c.keys_dir);
    r = sync_now(c);
    CHECK(r.outcome == FeedSyncOutcome::not_configured);
    CHECK(contains(r.message, "no trusted feed key"));
    CHECK(r.requests == 0);
}

TEST_CASE("feed sync: the configured proxy carries the requests") {
    // Scenario: feed.proxy names a proxy (a socket in this process); the feed's own address is
    // closed. The index request reaches the proxy with the absolute URL, as HTTP proxies get it.
    HelpDesk desk;
    LocalHttpServer proxy([](const std::string&) { return HttpReply{503, "proxy says no", {}}; });
    FeedConfig config = desk.config("http://127.0.0.1:9/fixtray/");
    config.proxy = proxy.url("/");
    const auto r = sync_now(config);
    CHECK(r.outcome == FeedSyncOutcome::unreachable);
    CHECK(contains(r.message, "HTTP 503"));
    const auto requests = proxy.requests();
    REQUIRE(requests.size() == 1);
    CHECK(requests[0].rfind("GET http://127.0.0.1:9/fixtray/index.xml HTTP/1.1", 0) == 0);
}

TEST_CASE("feed sync: a state directory that cannot be created says to run as root") {
    // Scenario: the state directory's parent is a file: not configured, with the reason.
    HelpDesk desk;
    write_file(desk.dir.path() / "file", "x");
    FeedConfig config = desk.config("https://127.0.0.1:9/");
    config.state_dir = (desk.dir.path() / "file" / "state").string();
    const auto r = sync_now(config);
    CHECK(r.outcome == FeedSyncOutcome::not_configured);
    CHECK(contains(r.message, "sudo fixctl feed sync"));
    CHECK(r.requests == 0);
}

TEST_CASE(
    "feed sync: a `current` that is not fixtray's link is refused, and nothing is installed") {
    // Scenario: `current` is a real directory (not the link fixtray keeps there): the store is
    // not what sync left, so nothing is fetched or written; the next sync works once it is gone.
    HelpDesk desk;
    desk.packs["com.example.vpn"] = pack_xml("com.example.vpn", 1, "reconnect-vpn", "Reconnect");
    desk.publish_feed();
    Nginx nginx(desk.publish);
    fs::create_directories(desk.state / "current" / "in-the-way");

    auto r = sync_now(desk.config(nginx.url()));
    INFO(r.message);
    CHECK(r.outcome == FeedSyncOutcome::refused);
    CHECK(contains(r.message, "the feed store " + desk.state.string() +
                                  " is not used: " + desk.state.string() +
                                  "/current is not a symbolic link into generations/"));
    CHECK(r.requests == 0);
    CHECK(fs::is_directory(fs::symlink_status(desk.state / "current")));
    CHECK_FALSE(fs::exists(desk.state / "generations"));
    CHECK_FALSE(fs::exists(desk.state / "state.json"));

    fs::remove_all(desk.state / "current");
    r = sync_now(desk.config(nginx.url()));
    INFO(r.message);
    CHECK(r.outcome == FeedSyncOutcome::updated);
    CHECK(synced_fix_ids(desk) == std::vector<std::string>{"reconnect-vpn"});
}

TEST_CASE("feed sync: the rollback floor survives a lost install and a switch to another feed") {
    // Scenario: serial 2 is accepted. 1) `current` is deleted (an admin "clearing" packs): the
    // signed serial 1 is still refused. 2) The machine follows another repository for a while,
    // then this one again: serial 1 is still refused.
    HelpDesk desk;
    desk.packs["com.example.vpn"] = pack_xml("com.example.vpn", 1, "reconnect-vpn", "Reconnect");
    desk.publish_feed();
    const auto serial1 = desk.snapshot();
    desk.packs["com.example.mail"] = pack_xml("com.example.mail", 1, "fix-mail", "Mail");
    desk.publish_feed();
    Nginx nginx(desk.publish);
    FeedConfig config = desk.config(nginx.url());
    REQUIRE(sync_now(config).outcome == FeedSyncOutcome::updated);

    fs::remove(desk.state / "current");
    desk.replay(serial1);
    auto r = sync_now(config);
    INFO(r.message);
    CHECK(r.outcome == FeedSyncOutcome::refused);
    CHECK(contains(r.message, "older than serial 2"));

    FeedConfig other = config;
    other.repository = "com.example.other";
    r = sync_now(other);  // the served index is this repository's: refused, floors stay
    CHECK(r.outcome == FeedSyncOutcome::refused);
    r = sync_now(config);
    CHECK(r.outcome == FeedSyncOutcome::refused);
    CHECK(contains(r.message, "older than serial 2"));
}

TEST_CASE("feed sync: a clock that was ahead does not stop the timer's syncs") {
    // Scenario: a sync runs while the clock is 3 years ahead (next_due lands in 2029); with the
    // clock right again, a timer pass (not forced) syncs instead of waiting for 2029.
    HelpDesk desk;
    desk.packs["com.example.vpn"] = pack_xml("com.example.vpn", 1, "reconnect-vpn", "Reconnect");
    desk.publish_feed();
    Nginx nginx(desk.publish);
    const FeedConfig config = desk.config(nginx.url());
    FakeShiftedClock ahead(24h * 365 * 3);
    auto r = sync_now(config, &ahead);
    CHECK(r.outcome == FeedSyncOutcome::refused);  // everything looks expired from 2029
    r = sync_now(config, nullptr, false);
    INFO(r.message);
    CHECK(r.outcome == FeedSyncOutcome::updated);
    r = sync_now(config, nullptr, false);  // and now the interval holds again
    CHECK(r.outcome == FeedSyncOutcome::not_due);
}
