// Issue 13 from the attacker's side: the machine's own feed state and the lifetime of trust.
// Real processes throughout: the stock minisign signs, a private nginx serves, the real fixctl
// syncs and lists (on a machine root of its own, FIXTRAY_MACHINE_ROOT), and the real
// fixtray-admin decides in a private mount namespace where the test machine's etc/fixtray is
// /etc/fixtray.
#include <doctest/doctest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <limits>
#include <nlohmann/json.hpp>
#include <thread>

#include "base/digest.h"
#include "support/feed_desk.h"
#include "support/test_ca.h"
#include "support/test_helpers.h"
#include "support/test_machine.h"

using namespace fixtray;
using namespace fixtray::test;
namespace fs = std::filesystem;
using json = nlohmann::json;
using namespace std::chrono_literals;

namespace {

bool contains(const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
}

// A pack whose one fix has an admin step that leaves `marker` behind when it runs.
std::string admin_pack(const std::string& id, int version, const fs::path& marker) {
    return "<fixpack xmlns=\"urn:fixtray:fixpack:1\" id=\"" + id + "\" version=\"" +
           std::to_string(version) +
           "\"><fix id=\"reset-spooler\" platforms=\"linux\"><title>Reset the print "
           "spooler</title><steps><run admin=\"true\"><arg>touch</arg><arg>" +
           marker.string() + "</arg></run></steps></fix></fixpack>";
}

// A machine that follows `desk`'s feed: its config (root-owned: the test runs as root) names the
// feed, the machine's own key folder (with the help desk's key) and its state folder, so the
// real fixctl and the real fixtray-admin read the same store.
struct FeedMachine {
    TestMachine m;
    TempDir home;
    std::string url;

    FeedMachine(const HelpDesk& desk, const std::string& feed_url) : url(feed_url) {
        fs::create_directories(m.paths.keys_dir);
        fs::copy_file(desk.dir.path() / "helpdesk.pub",
                      fs::path(m.paths.keys_dir) / "helpdesk.pub");
        configure(desk.repository);
    }
    void configure(const std::string& repository, json extra_feed = json::object(),
                   json policy = json::object()) const {
        json feed = {{"url", url},
                     {"repository", repository},
                     {"keys", m.paths.keys_dir},
                     {"state_dir", m.paths.feed_state_dir}};
        feed.update(extra_feed);
        json config = {{"feed", feed}};
        if (!policy.empty()) config["policy"] = policy;
        m.config(config);
        ::chmod(m.paths.config_file.c_str(), 0644);
    }
    ProcessResult fixctl(const std::vector<std::string>& args) const {
        return run_fixctl(args, m.env(home.path()));
    }
    // fixtray-admin asked to run the admin step of pack `id`, as pkexec would start it.
    ProcessResult helper(const std::string& id, int version, const std::string& sha256 = {}) const {
        return m.with_machine_config(admin_request(id, version, "reset-spooler", 1, "", sha256));
    }
    fs::path state() const { return m.paths.feed_state_dir; }
};

}  // namespace

TEST_CASE(
    "feed trust: switching to a feed that cannot be reached keeps the old feed's expiry and "
    "revocations") {
    // Scenario (issue 13, item 1): a feed revokes a built-in pack and offers an admin fix; its
    // index expires; the machine is then pointed at a new repository whose server is down. The
    // failed sync must not shed the old index's expiry (the helper would run the expired feed's
    // admin step as root again) nor its revocation (the built-in fix would be offered again).
    REQUIRE_MESSAGE(geteuid() == 0, "the feed store and the admin helper are root's");
    HelpDesk desk;
    TempDir out;
    ::chmod(out.path().c_str(), 0755);
    const fs::path marker = out / "ran-as-root";
    desk.packs["com.example.printers"] = admin_pack("com.example.printers", 1, marker);
    desk.revoked = {"org.fixtray.linux.clear-caches"};
    const FeedIndex published = desk.publish_feed("helpdesk", 3s);
    Nginx nginx(desk.publish);
    FeedMachine machine(desk, nginx.url());

    auto r = machine.fixctl({"feed", "sync", "--now"});
    INFO(r.out << r.err);
    REQUIRE(r.exit_code == 0);
    r = machine.fixctl({"list", "--all"});
    CHECK(contains(r.out, "reset-spooler"));
    CHECK_FALSE(contains(r.out, "clear-caches  "));
    std::this_thread::sleep_until(published.expires + 200ms);

    machine.url = "http://127.0.0.1:9/";
    machine.configure("com.example.newdesk");
    r = machine.fixctl({"feed", "sync", "--now"});
    INFO(r.out << r.err);
    CHECK(r.exit_code == 4);

    const json state = json::parse(read_file(machine.state() / "state.json"));
    CHECK(state["repository"] == desk.repository);
    CHECK(state["serial"] == 1);
    CHECK(state["expires"] != "");
    r = machine.fixctl({"show", "clear-caches"});
    INFO(r.out << r.err);
    CHECK(r.exit_code != 0);
    CHECK(contains(r.err, "revoked by the help desk's feed"));

    r = machine.helper("com.example.printers", 1);
    INFO(r.out << r.err);
    CHECK(r.exit_code == 3);
    CHECK(contains(r.err, "the help desk's feed expired at"));
    CHECK_FALSE(fs::exists(marker));
}

TEST_CASE("feed trust: an expiry that is not known counts as expired") {
    // Scenario: state.json claims no expiry for an installed generation whose index does; and an
    // installed generation whose index cannot be read has no known expiry at all.
    FeedState s;
    s.generation = "g1";
    CHECK(feed_expired(s, std::chrono::system_clock::now()));
    s.expires = std::chrono::system_clock::now() + 1h;
    CHECK_FALSE(feed_expired(s, std::chrono::system_clock::now()));
    CHECK_FALSE(feed_expired(FeedState{}, std::chrono::system_clock::now()));  // nothing installed
}

TEST_CASE("feed trust: a sync under umask 000 leaves nothing a user can write") {
    // Scenario (item 2): `(umask 000; fixctl feed sync --now)` used to make the new generation
    // and its packs folder 0777, so any user could drop a pack there for everyone.
    REQUIRE_MESSAGE(geteuid() == 0, "the feed store is root's");
    HelpDesk desk;
    desk.packs["com.example.vpn"] = pack_xml("com.example.vpn", 1, "reconnect-vpn", "Reconnect");
    desk.publish_feed();
    Nginx nginx(desk.publish);
    FeedMachine machine(desk, nginx.url());
    fs::remove_all(fs::path(machine.m.paths.feed_state_dir).parent_path());  // var/lib/fixtray

    std::vector<std::string> argv{
        "sh", "-c", "umask 000 && exec \"$@\"", "sh", FIXCTL_PATH, "feed", "sync", "--now"};
    const auto r = run_command(argv, machine.m.env(machine.home.path()));
    INFO(r.out << r.err);
    REQUIRE(r.exit_code == 0);
    int checked = 0;
    for (const auto& e :
         fs::recursive_directory_iterator(fs::path(machine.m.paths.feed_state_dir).parent_path())) {
        struct stat st {};
        REQUIRE(::lstat(e.path().c_str(), &st) == 0);
        if (S_ISLNK(st.st_mode)) continue;
        INFO(e.path().string() << " mode " << std::oct << (st.st_mode & 07777));
        CHECK((st.st_mode & (S_IWGRP | S_IWOTH)) == 0);
        ++checked;
    }
    CHECK(checked >= 6);  // fixtray, feed, generations, G, G/packs, the pack, index, ...
}

TEST_CASE("feed trust: a store a user could change is used by nobody, and sync refuses it") {
    // Scenario (item 3): a generation owned by a user, a `current` pointing outside generations/,
    // and `generations` swapped for a link to another folder. Readers offer none of the store's
    // packs and say why (the built-in fixes still work); sync writes and deletes nothing there.
    REQUIRE_MESSAGE(geteuid() == 0, "ownership rules need root to chown");
    HelpDesk desk;
    desk.packs["com.example.vpn"] = pack_xml("com.example.vpn", 1, "reconnect-vpn", "Reconnect");
    desk.publish_feed();
    Nginx nginx(desk.publish);
    FeedMachine machine(desk, nginx.url());
    auto r = machine.fixctl({"feed", "sync", "--now"});
    INFO(r.out << r.err);
    REQUIRE(r.exit_code == 0);
    REQUIRE(contains(machine.fixctl({"list"}).out, "reconnect-vpn"));
    const fs::path gen = fs::canonical(machine.state() / "current");

    SUBCASE("a generation owned by a user") {
        REQUIRE(::chown(gen.c_str(), 65534, 65534) == 0);
        r = machine.fixctl({"list"});
        INFO(r.out << r.err);
        CHECK_FALSE(contains(r.out, "reconnect-vpn"));
        CHECK(contains(r.out, "clear-caches"));  // the built-in fixes still work
        CHECK(contains(r.err, gen.string() + " is not owned by root"));
        r = machine.fixctl({"feed", "sync", "--now"});
        CHECK(r.exit_code == 1);
        CHECK(contains(r.err, "is not owned by root"));
        CHECK(r.err.find("remove it and sync again") != std::string::npos);
    }
    SUBCASE("current points to a user's folder") {
        TempDir user;
        ::chmod(user.path().c_str(), 0755);
        fs::create_directories(user / "packs");
        write_file(user.path() / "packs" / "evil.xml",
                   pack_xml("com.example.evil", 1, "evil-fix", "Planted"));
        fs::remove(machine.state() / "current");
        fs::create_directory_symlink(user.path(), machine.state() / "current");
        r = machine.fixctl({"list"});
        INFO(r.out << r.err);
        CHECK_FALSE(contains(r.out, "evil-fix"));
        CHECK(contains(r.err, "not to a generation under generations/"));
    }
    SUBCASE("generations is a link to another folder") {
        TempDir victim;
        write_file(victim / "precious.txt", "keep me");
        fs::rename(machine.state() / "generations", machine.state() / "old-generations");
        fs::create_directory_symlink(victim.path(), machine.state() / "generations");
        desk.packs["com.example.vpn"] =
            pack_xml("com.example.vpn", 2, "reconnect-vpn", "Reconnect 2");
        desk.publish_feed();
        r = machine.fixctl({"feed", "sync", "--now"});
        INFO(r.out << r.err);
        CHECK(r.exit_code == 1);
        CHECK(contains(r.err, "/generations is a symbolic link"));
        CHECK(read_file(victim / "precious.txt") == "keep me");
        std::size_t entries = 0;
        for ([[maybe_unused]] const auto& e : fs::directory_iterator(victim.path())) ++entries;
        CHECK(entries == 1);
    }
}

TEST_CASE("feed trust: old generations are removed without following a link planted there") {
    // Scenario: a link in generations/ to another folder; the next successful sync removes the
    // link, never what it points to.
    REQUIRE_MESSAGE(geteuid() == 0, "the feed store is root's");
    HelpDesk desk;
    desk.packs["com.example.vpn"] = pack_xml("com.example.vpn", 1, "reconnect-vpn", "Reconnect");
    desk.publish_feed();
    Nginx nginx(desk.publish);
    FeedMachine machine(desk, nginx.url());
    REQUIRE(machine.fixctl({"feed", "sync", "--now"}).exit_code == 0);
    TempDir victim;
    fs::create_directories(victim / "sub");
    write_file(victim.path() / "sub" / "precious.txt", "keep me");
    fs::create_directory_symlink(victim.path(), machine.state() / "generations" / "planted");
    desk.packs["com.example.vpn"] = pack_xml("com.example.vpn", 2, "reconnect-vpn", "Reconnect 2");
    desk.publish_feed();
    const auto r = machine.fixctl({"feed", "sync", "--now"});
    INFO(r.out << r.err);
    REQUIRE(r.exit_code == 0);
    CHECK_FALSE(fs::exists(fs::symlink_status(machine.state() / "generations" / "planted")));
    CHECK(read_file(victim.path() / "sub" / "precious.txt") == "keep me");
}

TEST_CASE("feed trust: a config file a user owns sets no feed or policy setting") {
    // Scenario (item 4): a user's --config names another server, repository, proxy, timeouts
    // and a policy: each key is refused with the reason, nothing is fetched, nothing disabled.
    REQUIRE_MESSAGE(geteuid() == 0, "ownership rules need root to chown");
    TestMachine m;
    TempDir home;
    TempDir dir;
    ::chmod(dir.path().c_str(), 0755);
    const fs::path config = dir / "mine.json";
    write_file(config, json{{"feed",
                             {{"url", "http://127.0.0.1:9/"},
                              {"repository", "com.example.mine"},
                              {"proxy", "http://127.0.0.1:9"},
                              {"timeout_seconds", 5}}},
                            {"policy", {{"disabled_fixes", {"clear-caches"}}}}}
                           .dump());
    REQUIRE(::chown(config.c_str(), 65534, 65534) == 0);

    auto r = run_fixctl({"--config", config.string(), "feed", "sync", "--now"}, m.env(home.path()));
    INFO(r.out << r.err);
    CHECK(r.exit_code == 2);
    for (const char* key : {"feed.url", "feed.repository", "feed.proxy", "feed.timeout_seconds"})
        CHECK(contains(r.err, std::string(key) + ": is only read from a config file owned and "
                                                 "writable only by root"));
    r = run_fixctl({"--config", config.string(), "list"}, m.env(home.path()));
    INFO(r.out << r.err);
    CHECK(contains(r.err, "policy.disabled_fixes: is only read from a config file owned"));

    // The control: the same file owned by root is read.
    REQUIRE(::chown(config.c_str(), 0, 0) == 0);
    r = run_fixctl({"--config", config.string(), "list"}, m.env(home.path()));
    CHECK_FALSE(contains(r.err, "is only read from"));
    CHECK_FALSE(contains(r.out, "clear-caches"));
}

TEST_CASE(
    "feed trust: a withdrawn key stops the packs it signed, and a re-signed index brings "
    "them back") {
    // Scenario (item 5): the admin replaces the help desk's key in feed.keys. The installed
    // index no longer verifies: fixctl stops offering its packs and says why, the helper gives
    // them no admin rights, and a sync against the unchanged server is not "unchanged". When the
    // help desk signs the same index with the new key, the next sync installs that signature.
    REQUIRE_MESSAGE(geteuid() == 0, "the feed store and the admin helper are root's");
    HelpDesk desk;
    TempDir out;
    ::chmod(out.path().c_str(), 0755);
    const fs::path marker = out / "ran-as-root";
    desk.packs["com.example.printers"] = admin_pack("com.example.printers", 1, marker);
    desk.publish_feed();
    Nginx nginx(desk.publish);
    FeedMachine machine(desk, nginx.url());
    auto r = machine.fixctl({"feed", "sync", "--now"});
    INFO(r.out << r.err);
    REQUIRE(r.exit_code == 0);
    REQUIRE(contains(machine.fixctl({"list"}).out, "reset-spooler"));

    desk.keygen("new");
    fs::remove(fs::path(machine.m.paths.keys_dir) / "helpdesk.pub");
    fs::copy_file(desk.dir.path() / "new.pub", fs::path(machine.m.paths.keys_dir) / "new.pub");

    r = machine.fixctl({"list"});
    INFO(r.out << r.err);
    CHECK_FALSE(contains(r.out, "reset-spooler"));
    CHECK(contains(r.err, "does not verify with the keys trusted now"));
    r = machine.helper("com.example.printers", 1);
    INFO(r.out << r.err);
    CHECK(r.exit_code == 3);
    CHECK(contains(r.err, "does not verify with the keys trusted now"));
    CHECK_FALSE(fs::exists(marker));

    r = machine.fixctl({"feed", "sync", "--now", "--json"});
    INFO(r.out << r.err);
    CHECK(r.exit_code == 1);
    CHECK(json::parse(r.out)["outcome"] == "refused");

    desk.sign("new");  // the same index bytes, signed with the new key
    r = machine.fixctl({"feed", "sync", "--now"});
    INFO(r.out << r.err);
    CHECK(r.exit_code == 0);
    CHECK(contains(r.out, "its new signature installed"));
    CHECK(contains(machine.fixctl({"list"}).out, "reset-spooler"));
    r = machine.helper("com.example.printers", 1);
    INFO(r.out << r.err);
    CHECK(r.exit_code == 0);
    CHECK(fs::exists(marker));
}

TEST_CASE(
    "feed trust: an expiry far ahead is refused, and reset-floor recovers from a stolen key") {
    // Scenario (item 6): a thief with the key signs an index valid for 150 years: refused
    // (feed.max_expiry_days, 400 by default). The thief's index with the highest serial within
    // that limit is accepted; after the admin replaces the key, the help desk's fresh serial 1
    // is a "rollback" until root runs `fixctl feed reset-floor`, which a user cannot.
    REQUIRE_MESSAGE(geteuid() == 0, "the feed store is root's");
    HelpDesk desk;
    desk.packs["com.example.vpn"] = pack_xml("com.example.vpn", 1, "reconnect-vpn", "Reconnect");
    desk.publish_feed("helpdesk", 24h * 365 * 150);
    {
        // The help desk's own tool says so before any machine refuses it.
        TempDir author;
        write_file(author.path() / "packs" / "vpn.xml", desk.packs["com.example.vpn"]);
        const auto built = run_fixctl({"feed", "build", (author.path() / "packs").string(), "--out",
                                       (author.path() / "feed").string(), "--repository",
                                       desk.repository, "--expires", "500"});
        INFO(built.out << built.err);
        CHECK(built.exit_code == 0);
        CHECK(contains(built.err,
                       "machines refuse an index valid for more than "
                       "feed.max_expiry_days"));
    }
    Nginx nginx(desk.publish);
    FeedMachine machine(desk, nginx.url());
    auto r = machine.fixctl({"feed", "sync", "--now"});
    INFO(r.out << r.err);
    CHECK(r.exit_code == 1);
    CHECK(contains(r.err, "more than feed.max_expiry_days (400) ahead"));

    desk.serial = std::numeric_limits<std::uint64_t>::max() - 1;
    desk.packs["com.example.vpn"] = pack_xml("com.example.vpn", 9, "reconnect-vpn", "Stolen");
    desk.publish_feed("helpdesk", 24h * 300);
    r = machine.fixctl({"feed", "sync", "--now"});
    INFO(r.out << r.err);
    REQUIRE(r.exit_code == 0);

    desk.keygen("new");
    fs::remove(fs::path(machine.m.paths.keys_dir) / "helpdesk.pub");
    fs::copy_file(desk.dir.path() / "new.pub", fs::path(machine.m.paths.keys_dir) / "new.pub");
    desk.serial = 0;
    desk.packs["com.example.vpn"] = pack_xml("com.example.vpn", 10, "reconnect-vpn", "Honest");
    desk.publish_feed("new");
    r = machine.fixctl({"feed", "sync", "--now"});
    INFO(r.out << r.err);
    CHECK(r.exit_code == 1);
    CHECK(contains(r.err, "a rollback to an old feed"));

    std::vector<std::string> as_user{"setpriv",        "--reuid=65534", "--regid=65534",
                                     "--clear-groups", FIXCTL_PATH,     "feed",
                                     "reset-floor",    desk.repository};
    r = run_command(as_user, machine.m.env(machine.home.path()));
    INFO(r.out << r.err);
    CHECK(r.exit_code != 0);
    CHECK(fs::exists(machine.state() / "current"));

    r = machine.fixctl({"feed", "reset-floor", desk.repository});
    INFO(r.out << r.err);
    CHECK(r.exit_code == 0);
    CHECK(contains(r.err, "warning: resetting the rollback floor of com.example.helpdesk"));
    CHECK(contains(r.out, "(serial 18446744073709551615) and packs were removed"));
    r = machine.fixctl({"feed", "sync", "--now"});
    INFO(r.out << r.err);
    CHECK(r.exit_code == 0);
    CHECK(contains(r.out, "updated to serial 1"));
    r = machine.fixctl({"show", "reconnect-vpn"});
    CHECK(contains(r.out, "Honest"));
}

TEST_CASE(
    "feed trust: a feed pack with a built-in fix's id is warned about, named as an override, and "
    "kept out by policy") {
    // Scenario (item 7): the help desk's pack takes the id of the built-in clear-caches fix.
    // `pack lint` and `feed build` warn, naming the built-in file; on the machine `fixctl show`
    // says what the feed's fix replaces; with policy.feed_overrides_builtin false the built-in
    // fix stays, the feed's other fixes keep working, and a warning says why.
    REQUIRE_MESSAGE(geteuid() == 0, "the feed store is root's");
    HelpDesk desk;
    desk.packs["com.example.caches"] =
        pack_xml("com.example.caches", 1, "clear-caches", "Clear caches the help desk's way");
    desk.packs["com.example.vpn"] = pack_xml("com.example.vpn", 1, "reconnect-vpn", "Reconnect");

    TempDir author;
    fs::create_directories(author.path() / "packs");
    for (const auto& [id, xml] : desk.packs)
        write_file(author.path() / "packs" / (id + ".xml"), xml);
    auto r = run_fixctl({"pack", "lint", (author.path() / "packs").string()});
    INFO(r.out << r.err);
    CHECK(r.exit_code == 4);
    CHECK(contains(r.out, "com.example.caches.xml:1:"));
    CHECK(contains(r.out,
                   "fix \"clear-caches\" has the id of a built-in fix (pack "
                   "org.fixtray.linux.clear-caches"));
    CHECK(contains(r.out, "[overrides-builtin]"));
    CHECK_FALSE(contains(r.out, "reconnect-vpn\" has the id"));
    r = run_fixctl({"pack", "lint",
                    std::string(FIXTRAY_SOURCE_DIR) + "/fixes"});  // the built-in packs themselves
    CHECK_FALSE(contains(r.out, "[overrides-builtin]"));
    r = run_fixctl({"feed", "build", (author.path() / "packs").string(), "--out",
                    (author.path() / "feed").string(), "--repository", "com.example.helpdesk"});
    INFO(r.out << r.err);
    CHECK(r.exit_code == 0);
    CHECK(contains(r.err, "[overrides-builtin]"));

    desk.publish_feed();
    Nginx nginx(desk.publish);
    FeedMachine machine(desk, nginx.url());
    r = machine.fixctl({"feed", "sync", "--now"});
    INFO(r.out << r.err);
    REQUIRE(r.exit_code == 0);
    r = machine.fixctl({"show", "clear-caches"});
    INFO(r.out << r.err);
    CHECK(contains(r.out, "Clear caches the help desk's way"));
    CHECK(contains(r.out, "From: the help desk's feed"));
    CHECK(contains(r.out,
                   "Overrides: the built-in fix clear-caches (pack "
                   "org.fixtray.linux.clear-caches version "));
    r = machine.fixctl({"show", "clear-caches", "--json"});
    const json shown = json::parse(r.out);
    REQUIRE(shown["overrides"].size() == 1);
    CHECK(shown["overrides"][0]["origin"] == "built-in");
    CHECK(shown["overrides"][0]["pack_id"] == "org.fixtray.linux.clear-caches");
    CHECK(json::parse(machine.fixctl({"show", "reconnect-vpn", "--json"}).out)["overrides"] ==
          json::array());

    machine.configure(desk.repository, json::object(), {{"feed_overrides_builtin", false}});
    r = machine.fixctl({"show", "clear-caches"});
    INFO(r.out << r.err);
    CHECK(r.exit_code == 0);
    CHECK(contains(r.out, "Pack: org.fixtray.linux.clear-caches"));
    CHECK_FALSE(contains(r.out, "Overrides:"));
    CHECK(contains(r.out,
                   "Not replaced: the help desk's feed has a fix clear-caches (pack "
                   "com.example.caches version 1), left out because it has the id of a "
                   "built-in fix"));
    CHECK(contains(r.out, "policy.feed_overrides_builtin is false"));
    r = machine.fixctl({"feed", "status"});
    CHECK(contains(r.out, "kept out  fix clear-caches of com.example.caches v1"));
    CHECK(contains(machine.fixctl({"list"}).out, "reconnect-vpn"));
}

TEST_CASE(
    "feed trust: a pack changed under the same version is refused by feed build and by sync, "
    "and each run names its pack's SHA-256") {
    // Scenario (item 8): the author edits a pack and forgets to raise its version. `feed build`
    // refuses and says to raise it; a feed published by other means is refused by the machine,
    // which keeps what it has. Run records and the audit log carry the SHA-256 of the pack that
    // ran, and the admin helper runs a step only from a pack with the SHA-256 it is given.
    REQUIRE_MESSAGE(geteuid() == 0, "the feed store is root's");
    TempDir author;
    fs::create_directories(author.path() / "packs");
    const fs::path pack = author.path() / "packs" / "vpn.xml";
    write_file(pack, pack_xml("com.example.vpn", 3, "reconnect-vpn", "Reconnect"));
    const std::vector<std::string> build = {"feed",
                                            "build",
                                            (author.path() / "packs").string(),
                                            "--out",
                                            (author.path() / "feed").string(),
                                            "--repository",
                                            "com.example.helpdesk"};
    auto r = run_fixctl(build);
    INFO(r.out << r.err);
    REQUIRE(r.exit_code == 0);
    const std::string index_before = read_file(author.path() / "feed" / "index.xml");
    write_file(pack, pack_xml("com.example.vpn", 3, "reconnect-vpn", "Reconnect, edited"));
    r = run_fixctl(build);
    INFO(r.out << r.err);
    CHECK(r.exit_code == 1);
    CHECK(contains(r.err, "pack \"com.example.vpn\" changed but its version 3 did not"));
    CHECK(contains(r.err, "raise version=\"\" to 4 or higher"));
    CHECK(read_file(author.path() / "feed" / "index.xml") == index_before);

    HelpDesk desk;
    TempDir out;
    ::chmod(out.path().c_str(), 0755);
    const fs::path marker = out / "ran-as-root";
    desk.packs["com.example.printers"] = admin_pack("com.example.printers", 1, marker);
    desk.packs["com.example.vpn"] = pack_xml("com.example.vpn", 3, "reconnect-vpn", "Reconnect");
    desk.publish_feed();
    Nginx nginx(desk.publish);
    FeedMachine machine(desk, nginx.url());
    r = machine.fixctl({"feed", "sync", "--now"});
    INFO(r.out << r.err);
    REQUIRE(r.exit_code == 0);

    const std::string installed_sha = sha256_hex(desk.packs["com.example.vpn"]);
    desk.packs["com.example.vpn"] = pack_xml("com.example.vpn", 3, "reconnect-vpn", "Changed");
    desk.publish_feed();
    r = machine.fixctl({"feed", "sync", "--now"});
    INFO(r.out << r.err);
    CHECK(r.exit_code == 1);
    CHECK(contains(r.err, "pack com.example.vpn version 3 differs from the one installed"));
    CHECK(contains(r.err, "a changed pack must raise its version"));
    CHECK(contains(machine.fixctl({"show", "reconnect-vpn"}).out, "Reconnect (reconnect-vpn)"));

    r = machine.fixctl({"run", "reconnect-vpn", "--yes", "--json"});
    INFO(r.out << r.err);
    REQUIRE(r.exit_code == 0);
    CHECK(json::parse(r.out)["pack_sha256"] == installed_sha);
    const std::string audit = read_file(machine.home.path() / ".local/state/fixtray/audit.jsonl");
    CHECK(contains(audit, "\"pack_sha256\":\"" + installed_sha + "\""));

    const std::string printers_sha = sha256_hex(desk.packs["com.example.printers"]);
    r = machine.helper("com.example.printers", 1, std::string(64, 'a'));
    INFO(r.out << r.err);
    CHECK(r.exit_code == 3);
    CHECK(contains(r.err, "is not the content the fix was started from"));
    CHECK_FALSE(fs::exists(marker));
    r = machine.helper("com.example.printers", 1, printers_sha);
    INFO(r.out << r.err);
    CHECK(r.exit_code == 0);
    CHECK(fs::exists(marker));
}

TEST_CASE(
    "feed trust: a feed served over https by an internal CA syncs with feed.ca_file, and a "
    "certificate that does not verify is named and changes nothing") {
    // Scenario (item 9): the help desk serves its feed from nginx with a certificate of its own
    // CA. Without feed.ca_file the machine refuses the server (and says why); with it, the feed
    // syncs. A CA file a user could change is not used.
    REQUIRE_MESSAGE(geteuid() == 0, "the feed store is root's");
    TestCa ca;
    const auto cert = ca.issue("feed", "IP:127.0.0.1,DNS:localhost");
    HelpDesk desk;
    desk.packs["com.example.vpn"] = pack_xml("com.example.vpn", 1, "reconnect-vpn", "Reconnect");
    desk.publish_feed();
    Nginx nginx(desk.publish, cert.cert, cert.key);
    REQUIRE(nginx.url().rfind("https://", 0) == 0);
    FeedMachine machine(desk, nginx.url());

    auto r = machine.fixctl({"feed", "sync", "--now"});
    INFO(r.out << r.err);
    CHECK(r.exit_code == 4);
    CHECK(contains(r.err, "not signed by a trusted authority (for an internal CA, set ca_file)"));
    CHECK_FALSE(contains(machine.fixctl({"list"}).out, "reconnect-vpn"));

    machine.configure(desk.repository, {{"ca_file", ca.cert().string()}});
    r = machine.fixctl({"feed", "sync", "--now"});
    INFO(r.out << r.err);
    CHECK(r.exit_code == 0);
    CHECK(contains(machine.fixctl({"list"}).out, "reconnect-vpn"));

    REQUIRE(::chown(ca.cert().c_str(), 65534, 65534) == 0);
    r = machine.fixctl({"feed", "sync", "--now"});
    INFO(r.out << r.err);
    CHECK(r.exit_code == 2);
    CHECK(contains(r.err, "feed.ca_file"));
}
