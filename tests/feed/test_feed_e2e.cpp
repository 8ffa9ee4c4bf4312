// The help desk's whole workflow through fixctl: build a feed, sign it with the stock minisign,
// publish it on a real nginx, sync a client, run the fix; then a bad update is refused and the
// fix keeps working.
#include <doctest/doctest.h>
#include <sys/stat.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "support/test_helpers.h"

using namespace fixtray::test;
namespace fs = std::filesystem;
using json = nlohmann::json;
using namespace std::chrono_literals;

namespace {

std::string vpn_pack(int version, const std::string& marker) {
    // The fix writes a marker file, so the test sees it really ran.
    return "<fixpack xmlns=\"urn:fixtray:fixpack:1\" id=\"com.example.vpn\" version=\"" +
           std::to_string(version) +
           "\"><fix id=\"reconnect-vpn\" platforms=\"linux\"><title>Reconnect to the office "
           "VPN</title><steps><run><arg>touch</arg><arg>${home}/" +
           marker + "</arg></run></steps></fix></fixpack>";
}

bool contains(const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
}

}  // namespace

TEST_CASE("feed e2e: built, signed with minisign, served by nginx, synced and run") {
    // Scenario: fixctl feed build -> minisign -S -> nginx -> fixctl feed sync --now -> fixctl run.
    // Then a tampered pack in the next serial is refused (exit 1) and the fix still runs.
    TempDir dir;
    ::chmod(dir.path().c_str(), 0755);
    const fs::path packs = dir.path() / "packs", feed = dir.path() / "feed",
                   keys = dir.path() / "keys", home = dir.path() / "home",
                   state = dir.path() / "state", nginx_dir = dir.path() / "nginx";
    fs::create_directories(keys);
    fs::create_directories(home);
    write_file(packs / "vpn.xml", vpn_pack(1, "ran-v1"));

    auto r = run_command({"minisign", "-G", "-W", "-p", (dir.path() / "k.pub").string(), "-s",
                          (dir.path() / "k.key").string()});
    REQUIRE_MESSAGE(r.exit_code == 0, r.err);
    fs::copy_file(dir.path() / "k.pub", keys / "helpdesk.pub");

    auto build_and_sign = [&] {
        auto b = run_fixctl({"feed", "build", packs.string(), "--out", feed.string(),
                             "--repository", "com.example.helpdesk"});
        INFO(b.out << b.err);
        REQUIRE(b.exit_code == 0);
        auto s = run_command({"minisign", "-S", "-s", (dir.path() / "k.key").string(), "-m",
                              (feed / "index.xml").string()});
        REQUIRE_MESSAGE(s.exit_code == 0, s.err);
        ::chmod((feed / "index.xml.minisig").c_str(), 0644);
        // nginx's ETag is mtime (seconds) + size: two builds within a second must differ.
        static int builds = 0;
        fs::last_write_time(feed / "index.xml", fs::file_time_type::clock::now() -
                                                    std::chrono::hours(1) +
                                                    std::chrono::seconds(2 * ++builds));
        auto v =
            run_fixctl({"feed", "verify", feed.string(), "--key", (dir.path() / "k.pub").string()});
        INFO(v.out << v.err);
        CHECK(v.exit_code == 0);
    };
    build_and_sign();
    ::chmod(feed.c_str(), 0755);
    ::chmod((feed / "packs").c_str(), 0755);

    r = run_command({services_dir() + "/nginx.sh", "start", nginx_dir.string(), feed.string()}, {},
                    60s);
    REQUIRE_MESSAGE(r.exit_code == 0, r.out << r.err);
    struct StopNginx {
        fs::path d;
        ~StopNginx() { run_command({services_dir() + "/nginx.sh", "stop", d.string()}, {}, 60s); }
    } stop{nginx_dir};
    const std::string url = parse_exports(r.out)["FIXTRAY_TEST_NGINX_URL"];
    REQUIRE(!url.empty());

    // The machine config: root-owned (the test runs as root), so keys and state_dir are read.
    const fs::path config = dir.path() / "fixtray.json";
    write_file(config, json{{"feed",
                             {{"url", url},
                              {"repository", "com.example.helpdesk"},
                              {"keys", keys.string()},
                              {"state_dir", state.string()}}}}
                           .dump());
    const auto env = isolated_env(home);
    auto fixctl = [&](std::vector<std::string> args) {
        args.insert(args.begin(), {"--no-builtin", "--config", config.string()});
        return run_fixctl(args, env);
    };

    r = fixctl({"feed", "sync", "--now"});
    INFO(r.out << r.err);
    REQUIRE(r.exit_code == 0);
    CHECK(contains(r.out, "updated to serial 1"));
    r = fixctl({"list"});
    CHECK(contains(r.out, "reconnect-vpn"));
    r = fixctl({"run", "reconnect-vpn"});
    INFO(r.out << r.err);
    CHECK(r.exit_code == 0);
    CHECK(fs::exists(home / "ran-v1"));

    r = fixctl({"feed", "status", "--json"});
    REQUIRE(r.exit_code == 0);
    const json status = json::parse(r.out);
    CHECK(status["serial"] == 1);
    CHECK(status["packs"][0]["id"] == "com.example.vpn");
    bool from_feed = false;
    for (const auto& p : status["loaded_packs"])
        from_feed = from_feed || (p["id"] == "com.example.vpn" && p["origin"] == "feed");
    CHECK(from_feed);

    // A file in the key directory that is not used is named with the reason, by sync (even the
    // timer's quiet pass) and status; the sync goes on with the trusted key.
    fs::copy_file(dir.path() / "k.key", keys / "helpdesk.key");
    fs::copy_file(dir.path() / "k.pub", keys / "writable.pub");
    fs::permissions(keys / "writable.pub", fs::perms::others_write, fs::perm_options::add);
    r = fixctl({"feed", "sync", "--now", "--quiet"});
    INFO(r.out << r.err);
    CHECK(r.exit_code == 0);
    CHECK(contains(r.err, (keys / "helpdesk.key").string() +
                              " is ignored: only *.pub files (from `minisign -G`) are trusted keys"));
    CHECK(contains(r.err, "key " + (keys / "writable.pub").string() + " is not used: "));
    r = fixctl({"feed", "status"});
    INFO(r.out << r.err);
    CHECK(contains(r.out, keys.string() + " (1 trusted)"));
    CHECK(contains(r.out, "not used: " + (keys / "helpdesk.key").string() + " is ignored"));
    fs::remove(keys / "helpdesk.key");
    fs::remove(keys / "writable.pub");

    // Unchanged: one conditional request, no body.
    r = fixctl({"feed", "sync", "--now", "--json"});
    REQUIRE(r.exit_code == 0);
    json sync = json::parse(r.out);
    CHECK(sync["outcome"] == "unchanged");
    CHECK(sync["requests"] == 1);
    CHECK(sync["bytes_downloaded"] == 0);

    // A timer pass (--quiet) before the polling interval is over does nothing and says nothing;
    // a person running it is told when it is due and how to sync now.
    r = fixctl({"feed", "sync", "--quiet"});
    CHECK(r.exit_code == 0);
    CHECK(r.out.empty());
    CHECK(r.err.empty());
    r = fixctl({"feed", "sync"});
    CHECK(r.exit_code == 0);
    CHECK(r.out.find("Feed not due yet: next sync due at ") != std::string::npos);
    CHECK(r.out.find("fixctl feed sync --now") != std::string::npos);

    // Serial 2 with a pack tampered with after signing: refused, v1 keeps working.
    write_file(packs / "vpn.xml", vpn_pack(2, "ran-v2"));
    build_and_sign();
    for (const auto& e : fs::directory_iterator(feed / "packs"))
        if (contains(read_file(e.path()), "ran-v2")) {
            std::string bytes = read_file(e.path());
            bytes.replace(bytes.find("ran-v2"), 6, "pwned!");
            write_file(e.path(), bytes);
            ::chmod(e.path().c_str(), 0644);
        }
    r = fixctl({"feed", "sync", "--now"});
    INFO(r.out << r.err);
    CHECK(r.exit_code == 1);
    CHECK(contains(r.err, "SHA-256 does not match"));
    r = fixctl({"run", "reconnect-vpn"});
    CHECK(r.exit_code == 0);
    CHECK(!fs::exists(home / "pwned!"));
    r = fixctl({"feed", "status"});
    CHECK(contains(r.out, "Last error:"));

    // Policy can turn the fix off locally.
    write_file(config, json{{"feed",
                             {{"url", url},
                              {"repository", "com.example.helpdesk"},
                              {"keys", keys.string()},
                              {"state_dir", state.string()}}},
                            {"policy", {{"disabled_fixes", {"reconnect-vpn"}}}}}
                           .dump());
    r = fixctl({"list"});
    CHECK(!contains(r.out, "reconnect-vpn"));
}

TEST_CASE("feed e2e: keys from a config file a user can write are refused") {
    // Scenario: a config owned by nobody names a keys directory: exit 2, the file and key named.
    TempDir dir;
    const fs::path config = dir.path() / "user.json";
    write_file(config, R"({"feed": {"url": "https://x.example/", "repository": "com.example.a",
                         "keys": "/tmp"}})");
    REQUIRE(::chown(config.c_str(), 65534, 65534) == 0);
    const auto r = run_fixctl({"--config", config.string(), "feed", "sync", "--now"},
                              isolated_env(dir.path()));
    CHECK(r.exit_code == 2);
    CHECK(contains(r.err, "feed.keys: is only read from a config file owned"));
}
