// The machine's catalog (app/machine_catalog.h): one precedence of sources, each pack's origin,
// revocations, policy, the feed's expiry, and the admin helper's stricter trust rules; from
// inside (MachineCatalog on a test machine) and from outside (the real fixctl and fixtray-admin
// binaries on a machine root of their own).
#include <doctest/doctest.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include "app/fix_list.h"
#include "app/machine_catalog.h"
#include "base/digest.h"
#include "support/test_helpers.h"
#include "support/test_machine.h"

using namespace fixtray;
using namespace fixtray::test;
namespace fs = std::filesystem;
using std::chrono::hours;
using std::chrono::system_clock;

namespace {

// Title and origin of the fix offered under this id, "" when none is.
struct Offered {
    std::string title;
    const PackOrigin* origin = nullptr;
};
Offered offered(const MachineCatalog& c, const std::string& fix_id) {
    const auto e = c.catalog().find(fix_id, Platform::linux);
    if (!e) return {};
    return {e->fix->title.get("en"), c.origin(*e->pack)};
}

bool contains(const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
}

bool any_contains(const std::vector<std::string>& lines, const std::string& part) {
    for (const auto& l : lines)
        if (contains(l, part)) return true;
    return false;
}

}  // namespace

TEST_CASE("machine catalog: built-in, then machine, then feed, then --packs, by fix id") {
    // Scenario: fix "t" is in all four sources; each later source wins, and taking a source
    // away gives the fix back to the one before it. A fix only the built-in packs have keeps
    // its built-in origin throughout.
    TestMachine m;
    m.builtin("b.xml", simple_pack("org.example.builtin", "t", "from built-in") + "");
    m.builtin("only.xml", simple_pack("org.example.only", "only-builtin", "only built-in"));
    m.machine_pack("m.xml", simple_pack("org.example.machine", "t", "from machine"));
    m.install_feed({{"f.xml", simple_pack("org.example.feed", "t", "from feed")}}, 7,
                   system_clock::now() + hours(24));
    TempDir extra;
    write_file(extra / "p.xml", simple_pack("org.example.packs", "t", "from packs"));

    CatalogOptions options;
    options.pack_dirs = {extra.str()};
    {
        const MachineCatalog c(m.paths, options);
        CHECK(c.pack_problems().empty());
        const auto t = offered(c, "t");
        CHECK(t.title == "from packs");
        REQUIRE(t.origin);
        CHECK(t.origin->source == PackSource::packs_dir);
        CHECK(t.origin->dir == extra.str());
        const auto only = offered(c, "only-builtin");
        REQUIRE(only.origin);
        CHECK(only.origin->source == PackSource::builtin);
        CHECK(std::string(to_string(only.origin->source)) == "built-in");
    }
    options.pack_dirs.clear();
    {
        const MachineCatalog c(m.paths, options);
        const auto t = offered(c, "t");
        CHECK(t.title == "from feed");
        REQUIRE(t.origin);
        CHECK(t.origin->source == PackSource::feed);
        CHECK(t.origin->repository == "com.example.helpdesk");
        CHECK(t.origin->serial == 7);
    }
    options.feed = false;
    {
        const MachineCatalog c(m.paths, options);
        const auto t = offered(c, "t");
        CHECK(t.title == "from machine");
        REQUIRE(t.origin);
        CHECK(t.origin->source == PackSource::machine);
        CHECK(t.origin->dir == m.paths.packs_dir);
    }
    fs::remove_all(m.paths.packs_dir);
    {
        const MachineCatalog c(m.paths, options);
        CHECK(c.pack_problems().empty());  // no /etc/fixtray/packs is no problem
        CHECK(offered(c, "t").title == "from built-in");
    }
    options.builtin = false;
    CHECK(MachineCatalog(m.paths, options).catalog().packs().empty());
}

TEST_CASE("machine catalog: problems are values, an invalid pack is left out, the rest load") {
    // Scenario: a broken pack in the machine's directory and a --packs dir that does not exist.
    TestMachine m;
    m.machine_pack("good.xml", simple_pack("org.example.good", "good", "Good"));
    m.machine_pack("bad.xml", "<fixpack");
    CatalogOptions options;
    options.pack_dirs = {(m.root / "missing")};
    const MachineCatalog c(m.paths, options);
    CHECK(offered(c, "good").title == "Good");
    bool bad = false, missing = false;
    for (const auto& p : c.pack_problems()) {
        bad = bad || contains(p.str(), "bad.xml:");
        missing = missing || contains(p.str(), "missing");
    }
    CHECK(bad);
    CHECK(missing);
}

TEST_CASE("machine catalog: packs the feed revoked are withdrawn from every source") {
    // Scenario: the feed revokes a built-in pack and a machine pack; they are gone, also with
    // the feed's own packs turned off (fixctl --no-feed).
    TestMachine m;
    m.builtin("b.xml", simple_pack("org.example.builtin", "b", "built-in"));
    m.builtin("keep.xml", simple_pack("org.example.keep", "keep", "kept"));
    m.machine_pack("m.xml", simple_pack("org.example.machine", "m", "machine"));
    m.install_feed({{"f.xml", simple_pack("org.example.feed", "f", "feed")}}, 3,
                   system_clock::now() + hours(24), {"org.example.builtin", "org.example.machine"});
    for (bool feed : {true, false}) {
        CatalogOptions options;
        options.feed = feed;
        const MachineCatalog c(m.paths, options);
        INFO("feed " << feed);
        CHECK(offered(c, "b").title.empty());
        CHECK(offered(c, "m").title.empty());
        CHECK(offered(c, "keep").title == "kept");
        CHECK(offered(c, "f").title == (feed ? "feed" : ""));
    }
}

TEST_CASE("machine catalog: the machine's policy disables fixes and packs, and --config adds") {
    // Scenario: /etc/fixtray/fixtray.json disables fix "one" and pack org.example.machine (so
    // "t" falls back to the built-in one); a user's --config disables one more fix.
    TestMachine m;
    m.builtin("b.xml", simple_pack("org.example.builtin", "t", "built-in t"));
    m.builtin("one.xml", simple_pack("org.example.one", "one", "one"));
    m.builtin("two.xml", simple_pack("org.example.two", "two", "two"));
    m.machine_pack("m.xml", simple_pack("org.example.machine", "t", "machine t"));
    m.config(
        {{"policy", {{"disabled_fixes", {"one"}}, {"disabled_packs", {"org.example.machine"}}}}});
    TempDir user;
    write_file(user / "mine.json",
               nlohmann::json{{"policy", {{"disabled_fixes", {"two"}}}}}.dump());

    CatalogOptions options;
    const MachineCatalog plain(m.paths, options);
    CHECK(plain.config().ok());
    CHECK(offered(plain, "one").title.empty());
    CHECK(offered(plain, "t").title == "built-in t");
    CHECK(offered(plain, "two").title == "two");

    options.user_config_file = user / "mine.json";
    const MachineCatalog with_user(m.paths, options);
    CHECK(offered(with_user, "two").title.empty());
}

TEST_CASE("machine catalog: a config error is a value, not a print, and nothing of it applies") {
    // Scenario: the machine config has a syntax error: one problem (not one per section), with
    // its position; the catalog still loads.
    TestMachine m;
    m.builtin("one.xml", simple_pack("org.example.one", "one", "one"));
    write_file(m.paths.config_file, "{\"policy\": [}");
    const MachineCatalog c(m.paths, CatalogOptions{});
    CHECK_FALSE(c.config().ok());
    REQUIRE(c.config().problems.size() == 1);
    CHECK(contains(c.config().problems[0].str(), "fixtray.json:1:"));
    CHECK(offered(c, "one").title == "one");
}

TEST_CASE("machine catalog: an expired feed warns in fixctl and counts for nothing in the helper") {
    // Scenario: the installed index expired an hour ago. With fixctl's options its packs load
    // and a warning names the expiry; with the helper's they are left out, without a warning.
    // A fresh index gives no warning.
    REQUIRE_MESSAGE(geteuid() == 0, "the helper's rules accept only root-owned files");
    TestMachine m;
    m.install_feed({{"f.xml", simple_pack("org.example.feed", "f", "feed")}}, 2,
                   system_clock::now() - hours(1));
    const MachineCatalog fixctl(m.paths, CatalogOptions{});
    CHECK(fixctl.feed_expired());
    CHECK(offered(fixctl, "f").title == "feed");
    CHECK(contains(fixctl.feed_expiry_warning(), "the help desk's feed expired at"));

    const MachineCatalog helper(m.paths, CatalogOptions::admin_helper());
    CHECK(helper.feed_expired());
    CHECK(offered(helper, "f").title.empty());
    CHECK(helper.feed_expiry_warning().empty());

    m.install_feed({{"f.xml", simple_pack("org.example.feed", "f", "feed")}}, 3,
                   system_clock::now() + hours(1));
    const MachineCatalog fresh(m.paths, CatalogOptions{});
    CHECK_FALSE(fresh.feed_expired());
    CHECK(fresh.feed_expiry_warning().empty());
    CHECK(offered(MachineCatalog(m.paths, CatalogOptions::admin_helper()), "f").title == "feed");
}

TEST_CASE(
    "machine catalog: the helper's rules leave out what root does not own, and the caller's") {
    // Scenario: a machine pack owned by nobody, one writable by others, a feed whose `current`
    // link points into nobody's directory, a --packs dir and a user config: with the helper's
    // options none of them count (each untrusted one is listed); with fixctl's they do, but for
    // the feed, which no reader uses from a store a user could write.
    REQUIRE_MESSAGE(geteuid() == 0, "ownership rules need root to chown");
    TestMachine m;
    m.builtin("b.xml", simple_pack("org.example.builtin", "b", "built-in"));
    m.machine_pack("ok.xml", simple_pack("org.example.ok", "ok", "ok"));
    m.machine_pack("nobody.xml", simple_pack("org.example.nobody", "nobody", "nobody's"));
    REQUIRE(::chown((fs::path(m.paths.packs_dir) / "nobody.xml").c_str(), 65534, 65534) == 0);
    m.machine_pack("open.xml", simple_pack("org.example.open", "open", "writable"));
    fs::permissions(fs::path(m.paths.packs_dir) / "open.xml", fs::perms::others_write,
                    fs::perm_options::add);
    m.install_feed({{"f.xml", simple_pack("org.example.feed", "f", "feed")}}, 1,
                   system_clock::now() + hours(24));
    const fs::path gen = fs::path(m.paths.feed_state_dir) / "generations/g1";
    for (const auto& e : fs::recursive_directory_iterator(gen))
        REQUIRE(::lchown(e.path().c_str(), 65534, 65534) == 0);
    REQUIRE(::chown(gen.c_str(), 65534, 65534) == 0);
    TempDir extra;
    write_file(extra / "p.xml", simple_pack("org.example.packs", "p", "packs"));
    TempDir user;
    write_file(user / "mine.json", nlohmann::json{{"policy", {{"disabled_fixes", {"b"}}}}}.dump());

    CatalogOptions helper_options = CatalogOptions::admin_helper();
    helper_options.pack_dirs = {extra.str()};
    helper_options.user_config_file = user / "mine.json";
    const MachineCatalog helper(m.paths, helper_options);
    CHECK(offered(helper, "b").title == "built-in");  // the user config was not read
    CHECK(offered(helper, "ok").title == "ok");
    CHECK(offered(helper, "nobody").title.empty());
    CHECK(offered(helper, "open").title.empty());
    CHECK(offered(helper, "f").title.empty());
    CHECK(offered(helper, "p").title.empty());
    CHECK(any_contains(helper.untrusted(), "nobody.xml"));
    CHECK(any_contains(helper.untrusted(), "open.xml"));
    CHECK(any_contains(helper.untrusted(), "is not owned by root"));

    CatalogOptions fixctl_options;
    fixctl_options.pack_dirs = {extra.str()};
    fixctl_options.user_config_file = user / "mine.json";
    const MachineCatalog fixctl(m.paths, fixctl_options);
    for (const char* id : {"ok", "nobody", "open", "p"}) CHECK(!offered(fixctl, id).title.empty());
    CHECK(offered(fixctl, "b").title.empty());
    // A feed store a user could write is used by nobody (issue 13): its packs could be anyone's.
    CHECK(offered(fixctl, "f").title.empty());
    CHECK(contains(fixctl.feed_trust_warning(), gen.string() + " is not owned by root"));
}

TEST_CASE("machine catalog: the helper reads no machine config that root does not own") {
    // Scenario: /etc/fixtray/fixtray.json belongs to nobody: the helper's catalog reports one
    // error and reads nothing of it (its policy would otherwise disable "b").
    REQUIRE_MESSAGE(geteuid() == 0, "ownership rules need root to chown");
    TestMachine m;
    m.builtin("b.xml", simple_pack("org.example.builtin", "b", "built-in"));
    m.config({{"policy", {{"disabled_fixes", {"b"}}}}});
    REQUIRE(::chown(m.paths.config_file.c_str(), 65534, 65534) == 0);
    const MachineCatalog helper(m.paths, CatalogOptions::admin_helper());
    CHECK_FALSE(helper.config().ok());
    REQUIRE(helper.config().problems.size() == 1);
    CHECK(contains(helper.config().problems[0].str(), "is not owned by root"));
    CHECK(offered(helper, "b").title == "built-in");
}

TEST_CASE("fixctl offers the packs in /etc/fixtray/packs, and reads that machine's config") {
    // Scenario: the real fixctl on a machine root (FIXTRAY_MACHINE_ROOT) whose
    // etc/fixtray/packs holds the administrator's pack: list, show and feed status offer it with
    // its origin; the machine config's policy there disables a built-in fix. (Before the catalog
    // was shared, only the admin helper loaded /etc/fixtray/packs.)
    TestMachine m;
    TempDir home;
    m.machine_pack("site.xml", simple_pack("com.example.site", "site-fix", "Our site fix"));
    m.config({{"policy", {{"disabled_fixes", {"clear-caches"}}}}});
    const auto env = m.env(home.path());

    auto r = run_fixctl({"list", "--json"}, env);
    INFO(r.out << r.err);
    REQUIRE(r.exit_code == 0);
    bool site = false, clear_caches = false;
    for (const auto& f : nlohmann::json::parse(r.out)) {
        if (f["id"] == "site-fix") site = f["origin"] == "machine";
        clear_caches = clear_caches || f["id"] == "clear-caches";
    }
    CHECK(site);
    CHECK_FALSE(clear_caches);

    r = run_fixctl({"show", "site-fix"}, env);
    CHECK(r.exit_code == 0);
    CHECK(contains(r.out, "Our site fix"));
    CHECK(contains(r.out, "From: this machine's packs (" + m.paths.packs_dir + ")"));

    r = run_fixctl({"feed", "status", "--json"}, env);
    REQUIRE(r.exit_code == 0);
    bool listed = false;
    const auto status = nlohmann::json::parse(r.out);
    for (const auto& p : status["loaded_packs"])
        listed = listed || (p["id"] == "com.example.site" && p["origin"] == "machine");
    CHECK(listed);

    // The same fixctl on an empty machine root offers neither.
    const auto empty = run_fixctl({"list"}, isolated_env(home.path()));
    CHECK_FALSE(contains(empty.out, "site-fix"));
    CHECK(contains(empty.out, "clear-caches"));
}

TEST_CASE("fixctl: the feed's packs are offered with their origin and an expired feed warns") {
    // Scenario: an installed feed generation on fixctl's machine root overrides a machine pack;
    // once expired, fixctl still offers it and says so on stderr.
    TestMachine m;
    TempDir home;
    m.machine_pack("m.xml", simple_pack("com.example.site", "vpn", "machine vpn"));
    m.install_feed({{"f.xml", simple_pack("com.example.vpn", "vpn", "feed vpn")}}, 5,
                   system_clock::now() + hours(24));
    auto r = run_fixctl({"show", "vpn"}, m.env(home.path()));
    CHECK(contains(r.out, "feed vpn"));
    CHECK(
        contains(r.out, "From: the help desk's feed (repository com.example.helpdesk, serial 5)"));
    CHECK_FALSE(contains(r.err, "expired"));

    m.install_feed({{"f.xml", simple_pack("com.example.vpn", "vpn", "feed vpn")}}, 6,
                   system_clock::now() - hours(1));
    r = run_fixctl({"list"}, m.env(home.path()));
    CHECK(r.exit_code == 0);
    CHECK(contains(r.out, "feed vpn"));
    CHECK(contains(r.err, "fixctl: warning: the help desk's feed expired at"));
}

TEST_CASE("admin helper: FIXTRAY_MACHINE_ROOT is not read, only the real /etc/fixtray counts") {
    // Scenario: a caller points FIXTRAY_MACHINE_ROOT at a root-owned machine root whose
    // etc/fixtray/packs has a pack with an admin step: the helper refuses it (no trusted pack).
    // The control: the same directory mounted on /etc/fixtray (a private mount namespace) is
    // accepted and the step runs, so the refusal is the variable being ignored.
    REQUIRE_MESSAGE(geteuid() == 0, "the admin helper runs as root");
    TestMachine m;
    m.machine_pack("adm.xml", simple_pack("com.example.adm", "adm", "Admin fix", 1, true));
    const std::vector<std::string> request = admin_request("com.example.adm", 1, "adm", 1);

    const auto ignored = run_command(request, {{kMachineRootVariable, m.root.str()}});
    INFO(ignored.err);
    CHECK(ignored.exit_code == 3);
    CHECK(contains(ignored.err, "no trusted pack com.example.adm version 1"));

    const auto control = m.with_machine_config(request);
    INFO(control.err);
    CHECK(control.exit_code == 0);
    CHECK(contains(control.out, "\"status\""));
}

TEST_CASE("machine catalog without steps: lists as much, and runs only the pack as it was listed") {
    // Scenario (the tray's catalog): keep_steps off leaves out every step; the listing (titles,
    // admin, what policy removed) is the same as with steps. A fix to run gets its pack read
    // again, with all its steps; a file replaced since the listing, even by one of the same size
    // and modification time (what the watcher compares), is refused, never run in its place.
    TestMachine m;
    const std::string pack =
        "<fixpack xmlns=\"urn:fixtray:fixpack:1\" id=\"org.example.two\" version=\"3\">"
        "<fix id=\"plain\" platforms=\"linux\"><title>Plain</title>"
        "<check><run><arg>false</arg></run></check>"
        "<steps><run><arg>echo</arg><arg>one</arg></run><run><arg>true</arg></run></steps>"
        "<verify><run><arg>true</arg></run></verify></fix>"
        "<fix id=\"root\" platforms=\"linux\"><title>Root</title>"
        "<steps><run admin=\"true\"><arg>true</arg></run></steps></fix>"
        "<fix id=\"off\" platforms=\"linux\"><title>Off</title>"
        "<steps><run><arg>true</arg></run></steps></fix></fixpack>";
    m.machine_pack("two.xml", pack);
    m.config({{"policy", {{"disabled_fixes", {"off"}}}}});
    const std::string file = m.paths.packs_dir + "/two.xml";

    CatalogOptions lean_options;
    lean_options.keep_steps = false;
    const MachineCatalog full(m.paths, CatalogOptions{});
    const MachineCatalog lean(m.paths, lean_options);
    REQUIRE(lean.pack_problems().empty());
    const auto listed = lean.catalog().fixes(Platform::linux);
    const auto full_listed = full.catalog().fixes(Platform::linux);
    REQUIRE(listed.size() == full_listed.size());
    for (std::size_t i = 0; i < listed.size(); ++i) {
        CAPTURE(full_listed[i].fix->id);
        CHECK(listed[i].fix->id == full_listed[i].fix->id);
        CHECK(listed[i].fix->title.get("en") == full_listed[i].fix->title.get("en"));
        CHECK(listed[i].fix->needs_admin() == full_listed[i].fix->needs_admin());
        CHECK(listed[i].fix->steps_dropped);
        CHECK(listed[i].fix->check.empty());
        CHECK(listed[i].fix->steps.empty());
        CHECK(listed[i].fix->verify.empty());
        CHECK_FALSE(full_listed[i].fix->steps_dropped);
    }
    CHECK_FALSE(lean.catalog().find("off", Platform::linux));
    const auto root = lean.catalog().find("root", Platform::linux);
    REQUIRE(root);
    CHECK(root->fix->needs_admin());

    const auto plain = lean.catalog().find("plain", Platform::linux);
    REQUIRE(plain);
    CHECK(plain->pack->sha256 == sha256_hex(read_file(file)));
    {
        const Result<std::shared_ptr<const FixPack>> again = lean.full_pack(*plain->pack);
        REQUIRE_MESSAGE(again, again.message());
        const FixPack& p = **again;
        CHECK(p.sha256 == plain->pack->sha256);
        std::vector<std::string> ids;
        for (const Fix& f : p.fixes) ids.push_back(f.id);
        CHECK(ids == std::vector<std::string>{"plain", "root"});  // "off" stays removed
        CHECK_FALSE(p.fixes[0].steps_dropped);
        CHECK(p.fixes[0].check.size() == 1);
        REQUIRE(p.fixes[0].steps.size() == 2);
        CHECK(p.fixes[0].steps[0].argv == std::vector<std::string>{"echo", "one"});
        CHECK(p.fixes[0].verify.size() == 1);
    }

    // The same size, the same modification time, other bytes ("one" becomes "two").
    struct stat before {};
    REQUIRE(::stat(file.c_str(), &before) == 0);
    std::string changed = pack;
    changed.replace(changed.find("<arg>one</arg>"), 14, "<arg>two</arg>");
    REQUIRE(changed.size() == pack.size());
    write_file(file, changed);
    const struct timespec times[2] = {before.st_atim, before.st_mtim};
    REQUIRE(::utimensat(AT_FDCWD, file.c_str(), times, 0) == 0);
    CHECK_FALSE(lean.sources_changed());  // what a timer compares cannot tell...
    const Result<std::shared_ptr<const FixPack>> replaced = lean.full_pack(*plain->pack);
    REQUIRE_FALSE(replaced);  // ...the bytes can
    CHECK(contains(replaced.message(), file));
    CHECK(contains(replaced.message(), "changed after the list of fixes was loaded"));
    // A catalog with its steps runs what it loaded.
    const auto kept = full.catalog().find("plain", Platform::linux);
    REQUIRE(kept);
    const Result<std::shared_ptr<const FixPack>> from_memory = full.full_pack(*kept->pack);
    REQUIRE(from_memory);
    CHECK((*from_memory)->fixes[0].steps[0].argv == std::vector<std::string>{"echo", "one"});

    fs::remove(file);
    const Result<std::shared_ptr<const FixPack>> gone = lean.full_pack(*plain->pack);
    REQUIRE_FALSE(gone);
    CHECK(contains(gone.message(), "changed after the list of fixes was loaded"));
}

TEST_CASE(
    "machine catalog: copies share one load, and dropping the listing texts keeps what runs") {
    // Scenario (the tray's watcher and its snapshots): a copy of a MachineCatalog costs no second
    // copy of the packs, and a copy's pointers outlive the original's reload. Once the tray has
    // made its list, its catalog frees the descriptions and keywords, and nothing else: titles
    // (a request names its fix), params (a secret stays masked), diagnostics, and the pack read
    // again to run the fix, with every text and step.
    TestMachine m;
    const std::string pack =
        "<fixpack xmlns=\"urn:fixtray:fixpack:1\" id=\"org.example.texts\" version=\"1\">"
        "<param name=\"token\" secret=\"true\"/>"
        "<fix id=\"plain\" platforms=\"linux\">"
        "<title>Plain</title><title xml:lang=\"de\">Schlicht</title>"
        "<description>What it does.</description>"
        "<description xml:lang=\"de\">Was es tut.</description>"
        "<keywords>alpha, beta</keywords>"
        "<steps><run><arg>true</arg></run></steps>"
        "<diagnostics><fact name=\"disk.free\"/></diagnostics></fix></fixpack>";
    m.machine_pack("texts.xml", pack);
    CatalogOptions options;
    options.keep_steps = false;

    MachineCatalog watcher(m.paths, options);
    std::string problems;
    for (const PackProblem& p : watcher.pack_problems()) problems += p.message + "\n";
    REQUIRE_MESSAGE(problems.empty(), problems);
    const MachineCatalog before_drop = watcher;  // a snapshot taken before the list was made
    CHECK(&before_drop.catalog() == &watcher.catalog());  // shared, not copied
    CHECK(&before_drop.feed_state() == &watcher.feed_state());

    watcher.drop_listing_texts();
    CHECK(watcher.listing_texts_dropped());
    const auto lean = watcher.catalog().find("plain", Platform::linux);
    REQUIRE(lean);
    CHECK(lean->fix->listing_texts_dropped);
    CHECK(lean->fix->description.empty());
    CHECK(lean->fix->keywords.empty());
    CHECK(lean->fix->title.get("en") == "Plain");
    CHECK(lean->fix->title.get("de") == "Schlicht");
    REQUIRE(lean->pack->params.size() == 1);
    CHECK(lean->pack->params[0].secret);
    CHECK(lean->fix->diagnostics.size() == 1);

    // The copy taken before shares nothing that changed: it keeps its texts.
    CHECK_FALSE(before_drop.listing_texts_dropped());
    CHECK(&before_drop.catalog() != &watcher.catalog());
    const auto kept = before_drop.catalog().find("plain", Platform::linux);
    REQUIRE(kept);
    CHECK(kept->fix->description.get("de") == "Was es tut.");
    CHECK(kept->fix->keywords == std::vector<std::string>{"alpha", "beta"});

    // What runs is read again, whole.
    const Result<std::shared_ptr<const FixPack>> run = watcher.full_pack(*lean->pack);
    REQUIRE_MESSAGE(run, run.message());
    REQUIRE((*run)->fixes.size() == 1);
    CHECK((*run)->fixes[0].description.get("en") == "What it does.");
    CHECK((*run)->fixes[0].steps.size() == 1);

    // Without a copy, in place: the same catalog, its entries stay valid.
    MachineCatalog alone(m.paths, options);
    const Catalog* address = &alone.catalog();
    const auto entry = alone.catalog().find("plain", Platform::linux);
    REQUIRE(entry);
    alone.drop_listing_texts();
    CHECK(&alone.catalog() == address);
    CHECK(entry->fix->description.empty());
    CHECK(entry->fix->title.get("en") == "Plain");

    // A copy outlives the original's reload, and the reload has every text again.
    const MachineCatalog snapshot = alone;
    m.machine_pack("texts.xml", std::string(pack).replace(pack.find(">Plain<"), 7, ">Plainer<"));
    alone.reload();
    CHECK_FALSE(alone.listing_texts_dropped());
    const auto reloaded = alone.catalog().find("plain", Platform::linux);
    REQUIRE(reloaded);
    CHECK(reloaded->fix->title.get("en") == "Plainer");
    CHECK(reloaded->fix->description.get("en") == "What it does.");
    CHECK(entry->fix->title.get("en") == "Plain");  // the snapshot's, still valid
    CHECK(&snapshot.catalog() == address);
}

TEST_CASE(
    "take_fix_list_items: the list fix_list_items makes, with no second copy in the catalog") {
    // Scenario (the tray's watcher): the list takes the descriptions and keywords from the
    // catalog instead of copying them. It must be the list fix_list_items makes, in the user's
    // language, with an overridden fix's texts from the pack that is offered (the machine's),
    // never from the built-in one it replaces; with a copy of the catalog alive (a snapshot),
    // that copy keeps its texts.
    TestMachine m;
    m.builtin("b.xml",
              "<fixpack xmlns=\"urn:fixtray:fixpack:1\" id=\"org.example.b\" version=\"1\">"
              "<fix id=\"shared\" platforms=\"linux\"><title>Built-in</title>"
              "<description>The built-in text.</description><keywords>old</keywords>"
              "<steps><run><arg>true</arg></run></steps></fix>"
              "<fix id=\"absent\" platforms=\"linux\"><title>Needs a program</title>"
              "<description>Not here.</description>"
              "<when><program-exists name=\"no-such-program-here\"/></when>"
              "<steps><run><arg>true</arg></run></steps></fix></fixpack>");
    m.machine_pack("m.xml",
                   "<fixpack xmlns=\"urn:fixtray:fixpack:1\" id=\"org.example.m\" version=\"1\">"
                   "<fix id=\"shared\" platforms=\"linux\" category=\"network\">"
                   "<title>Machine</title><title xml:lang=\"de\">Maschine</title>"
                   "<description>The machine's text.</description>"
                   "<description xml:lang=\"de\">Der Text der Maschine.</description>"
                   "<keywords>eins, zwei</keywords>"
                   "<steps><run><arg>true</arg></run></steps></fix>"
                   "<fix id=\"other\" platforms=\"linux\"><title>Other</title>"
                   "<description>Only English.</description>"
                   "<steps><run><arg>true</arg></run></steps></fix></fixpack>");
    CatalogOptions options;
    options.keep_steps = false;
    const UserEnvironment env = current_user_environment();
    const MachineCatalog full(m.paths, options);
    REQUIRE(full.pack_problems().empty());
    REQUIRE(full.catalog().find("absent", Platform::linux));  // loaded, and not offered here
    const auto expected =
        fix_list_items(offered_fixes(full.catalog(), full.config().site, env, false), "de_DE");
    REQUIRE(expected.size() == 2);
    const auto same = [&](const std::vector<FixListItem>& got) {
        REQUIRE(got.size() == expected.size());
        for (std::size_t i = 0; i < got.size(); ++i) {
            CAPTURE(expected[i].fix_id);
            CHECK(got[i].fix_id == expected[i].fix_id);
            CHECK(got[i].title == expected[i].title);
            CHECK(got[i].description == expected[i].description);
            CHECK(got[i].keywords == expected[i].keywords);
            CHECK(got[i].category_title == expected[i].category_title);
        }
    };

    MachineCatalog alone(m.paths, options);
    const auto taken = take_fix_list_items(alone, env, "de_DE");
    same(taken);
    CHECK(taken[1].description == "Der Text der Maschine.");  // "other", then "shared"
    CHECK(taken[1].keywords == std::vector<std::string>{"eins", "zwei"});
    CHECK(taken[0].description == "Only English.");
    CHECK(alone.listing_texts_dropped());
    for (const FixPack& p : alone.catalog().packs())
        for (const Fix& f : p.fixes) {
            CHECK(f.description.empty());
            CHECK(f.keywords.empty());
        }

    MachineCatalog watcher(m.paths, options);
    const MachineCatalog snapshot = watcher;
    same(take_fix_list_items(watcher, env, "de_DE"));
    const auto kept = snapshot.catalog().find("shared", Platform::linux);
    REQUIRE(kept);
    CHECK(kept->fix->description.get("de") == "Der Text der Maschine.");
    CHECK(kept->fix->keywords == std::vector<std::string>{"eins", "zwei"});
}
