// IT's announcements through the real fixctl: a help desk writes announcements.xml beside its
// packs, `fixctl feed build` puts them in the index, the stock minisign signs it, nginx serves
// it and `fixctl feed sync` installs it; then `fixctl announcements`, `list`, `run`, `escalate`
// and `feed status` show them. And the help desk's mistakes, as FILE:LINE:COL.
#include <doctest/doctest.h>
#include <sys/stat.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "support/feed_desk.h"
#include "support/test_helpers.h"

using namespace fixtray;
using namespace fixtray::test;
namespace fs = std::filesystem;
using json = nlohmann::json;
using namespace std::chrono_literals;

namespace {

// A pack with two fixes; each touches a marker file in the employee's home.
std::string printing_pack() {
    std::string fixes;
    for (const char* id : {"fix-printing", "fix-mail"})
        fixes += std::string("<fix id=\"") + id + "\" platforms=\"linux\"><title>Title of " + id +
                 "</title><title xml:lang=\"de\">Titel von " + id +
                 "</title><steps><run><arg>touch</arg><arg>${home}/ran-" + id +
                 "</arg></run></steps></fix>";
    return "<fixpack xmlns=\"urn:fixtray:fixpack:1\" id=\"com.example.printing\" version=\"1\">" +
           fixes + "</fixpack>";
}

std::string utc_in(std::chrono::hours h) {
    const auto t = std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now() + h);
    const std::time_t tt = std::chrono::system_clock::to_time_t(t);
    std::tm tm{};
    gmtime_r(&tt, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return buf;
}

// Fixed once: every check compares with the same second.
const std::string kExpires = utc_in(48h);

const std::string kAnnouncements =
    "<announcements xmlns=\"https://fixtray.org/feed/1\">\n"
    "  <announcement id=\"printing-b\" expires=\"" +
    kExpires +
    "\" fixes=\"fix-printing no-such-fix\">\n"
    "    <title>Printing in building B is down</title>\n"
    "    <title xml:lang=\"de\">Drucken in Gebäude B gestört</title>\n"
    "    <text>We are on it.\n      Print in building A meanwhile.</text>\n"
    "    <text xml:lang=\"de\">Wir sind dran.</text>\n"
    "  </announcement>\n"
    "</announcements>\n";

bool contains(const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
}

// A help desk's pack folder, its signing key, the feed it builds, nginx serving it, and a machine
// (config, keys, state) that syncs it with the real fixctl.
struct Machine {
    TempDir dir;
    fs::path packs = dir.path() / "packs", feed = dir.path() / "feed", keys = dir.path() / "keys",
             home = dir.path() / "home", state = dir.path() / "state",
             config = dir.path() / "fixtray.json";
    std::map<std::string, std::string> env = isolated_env(home);

    Machine() {
        ::chmod(dir.path().c_str(), 0755);
        fs::create_directories(keys);
        fs::create_directories(home);
        fs::create_directories(feed / "packs");
        ::chmod(feed.c_str(), 0755);
        ::chmod((feed / "packs").c_str(), 0755);
        write_file(packs / "printing.xml", printing_pack());
        const auto r = run_command({"minisign", "-G", "-W", "-p", (dir.path() / "k.pub").string(),
                                    "-s", (dir.path() / "k.key").string()});
        REQUIRE_MESSAGE(r.exit_code == 0, r.err);
        fs::copy_file(dir.path() / "k.pub", keys / "helpdesk.pub");
    }

    ProcessResult build_and_sign() const {
        auto b = run_fixctl({"feed", "build", packs.string(), "--out", feed.string(),
                             "--repository", "com.example.helpdesk"});
        if (b.exit_code != 0) return b;
        const auto s = run_command({"minisign", "-S", "-s", (dir.path() / "k.key").string(), "-m",
                                    (feed / "index.xml").string()});
        REQUIRE_MESSAGE(s.exit_code == 0, s.err);
        ::chmod((feed / "index.xml.minisig").c_str(), 0644);
        give_new_etag(feed / "index.xml");
        return b;
    }

    void configure(const std::string& url) const {
        // Root-owned (the test runs as root): feed settings are read from it.
        write_file(config, json{{"feed",
                                 {{"url", url},
                                  {"repository", "com.example.helpdesk"},
                                  {"keys", keys.string()},
                                  {"state_dir", state.string()}}},
                                {"escalation", {{"policy", "ask"}}}}
                               .dump());
    }

    ProcessResult fixctl(std::vector<std::string> args,
                         const std::map<std::string, std::string>& extra = {}) const {
        args.insert(args.begin(), {"--no-builtin", "--config", config.string()});
        auto e = env;
        for (const auto& [k, v] : extra) e[k] = v;
        return run_fixctl(args, e);
    }
};

}  // namespace

TEST_CASE("fixctl announcements: a signed feed synced by fixctl shows them in every command") {
    // Scenario: the feed carries one announcement about fix-printing (and a fix id no pack has).
    // After `fixctl feed sync --now`: `announcements` lists it (text and JSON), `list` starts
    // with a line about it, `run fix-printing`, `show fix-printing` (text and JSON) and
    // `escalate --fix fix-printing` say "IT already knows about this" before going on (and still
    // go on), `run fix-mail` and `show fix-mail` do not, `feed status`
    // counts it, German comes for LANG=de, and --no-feed shows nothing.
    Machine m;
    write_file(m.packs / "announcements.xml", kAnnouncements);
    auto r = m.build_and_sign();
    INFO(r.out << r.err);
    REQUIRE(r.exit_code == 0);
    CHECK(contains(
        r.out, "announcement printing-b until " + kExpires + ": Printing in building B is down"));
    r = run_fixctl({"feed", "verify", m.feed.string(), "--key", (m.dir.path() / "k.pub").string()});
    CHECK(r.exit_code == 0);
    CHECK(contains(r.out, "  announcement printing-b until " + kExpires +
                              ": Printing in building B is down\n"));
    Nginx nginx(m.feed);
    m.configure(nginx.url());
    r = m.fixctl({"feed", "sync", "--now"});
    INFO(r.out << r.err);
    REQUIRE(r.exit_code == 0);

    r = m.fixctl({"announcements"});
    INFO(r.out << r.err);
    CHECK(r.exit_code == 0);
    CHECK(r.out.rfind("Printing in building B is down (until ", 0) == 0);
    CHECK(contains(r.out, "\n  We are on it.\n  Print in building A meanwhile.\n"));
    CHECK(contains(r.out, "  Concerns: Title of fix-printing (fix-printing)\n"));
    CHECK(!contains(r.out, "no-such-fix"));

    r = m.fixctl({"announcements", "--json"});
    REQUIRE(r.exit_code == 0);
    const json list = json::parse(r.out);
    REQUIRE(list.size() == 1);
    CHECK(list[0]["id"] == "printing-b");
    CHECK(list[0]["title"] == "Printing in building B is down");
    CHECK(list[0]["text"] == "We are on it.\nPrint in building A meanwhile.");
    CHECK(list[0]["expires"] == kExpires);
    CHECK(list[0]["fixes"] ==
          json::array({{{"id", "fix-printing"}, {"title", "Title of fix-printing"}}}));

    r = m.fixctl({"list"});
    CHECK(r.out.rfind("IT has 1 announcement: fixctl announcements\n\n", 0) == 0);
    CHECK(contains(r.out, "fix-printing"));
    r = m.fixctl({"list", "--json"});
    CHECK(json::parse(r.out).size() == 2);  // JSON only

    r = m.fixctl({"run", "fix-printing"});
    INFO(r.out << r.err);
    CHECK(r.exit_code == 0);
    const auto known = r.out.find(
        "IT already knows about this: Printing in building B is down — We are on it.\n"
        "Print in building A meanwhile. (until ");
    CHECK(known != std::string::npos);
    CHECK(known < r.out.find("Run id:"));
    CHECK(fs::exists(m.home / "ran-fix-printing"));
    r = m.fixctl({"run", "fix-printing", "--dry-run"});
    CHECK(contains(r.out, "IT already knows about this: Printing in building B is down"));
    r = m.fixctl({"run", "fix-mail"});
    CHECK(r.exit_code == 0);
    CHECK(!contains(r.out, "IT already knows"));
    r = m.fixctl({"run", "fix-printing", "--json"});  // stdout stays the run record
    CHECK(json::parse(r.out)["fix_id"] == "fix-printing");
    CHECK(contains(r.err, "IT already knows about this: Printing in building B is down"));

    // `show` says it too, before the steps; not for a fix it does not name.
    r = m.fixctl({"show", "fix-printing"});
    CHECK(r.exit_code == 0);
    const auto shown =
        r.out.find("IT already knows about this: Printing in building B is down — We are on it.\n");
    CHECK(shown != std::string::npos);
    CHECK(shown < r.out.find("Steps"));
    CHECK(!contains(m.fixctl({"show", "fix-mail"}).out, "IT already knows"));
    r = m.fixctl({"show", "fix-printing", "--json"});
    REQUIRE(r.exit_code == 0);
    const json shown_json = json::parse(r.out);
    REQUIRE(shown_json["announcements"].size() == 1);
    CHECK(shown_json["announcements"][0]["id"] == "printing-b");
    CHECK(shown_json["announcements"][0]["expires"] == kExpires);
    CHECK(json::parse(m.fixctl({"show", "fix-mail", "--json"}).out)["announcements"] ==
          json::array());

    r = m.fixctl({"escalate", "--fix", "fix-printing", "--yes"});
    INFO(r.out << r.err);
    CHECK(r.exit_code == 0);
    const auto said = r.out.find("IT already knows about this: Printing in building B is down");
    CHECK(said != std::string::npos);
    CHECK(said < r.out.find("Collecting diagnostics"));

    r = m.fixctl({"feed", "status"});
    CHECK(contains(r.out, "1 current (fixctl announcements)"));
    r = m.fixctl({"feed", "status", "--json"});
    const json status = json::parse(r.out);
    CHECK(status["current_announcements"] == 1);
    CHECK(status["announcements"][0]["id"] == "printing-b");
    CHECK(status["announcements"][0]["current"] == true);

    const std::map<std::string, std::string> german = {
        {"LANG", "de_DE.UTF-8"}, {"LANGUAGE", ""}, {"LC_ALL", ""}, {"LC_MESSAGES", ""}};
    r = m.fixctl({"announcements"}, german);
    CHECK(contains(r.out, "Drucken in Gebäude B gestört"));
    CHECK(contains(r.out, "Wir sind dran."));
    CHECK(contains(r.out, "Titel von fix-printing (fix-printing)"));

    r = m.fixctl({"--no-feed", "announcements"});
    CHECK(r.exit_code == 0);
    CHECK(r.out == "No announcements from IT.\n");

    // The help desk removes the file, builds and signs again: gone at the next sync.
    fs::remove(m.packs / "announcements.xml");
    REQUIRE(m.build_and_sign().exit_code == 0);
    REQUIRE(m.fixctl({"feed", "sync", "--now"}).exit_code == 0);
    CHECK(m.fixctl({"announcements"}).out == "No announcements from IT.\n");
    CHECK(!contains(m.fixctl({"list"}).out, "announcement"));
    CHECK(contains(m.fixctl({"feed", "status"}).out, "none current"));
}

TEST_CASE("fixctl feed build: announcements.xml mistakes are FILE:LINE:COL, nothing written") {
    // Scenario: an announcements.xml with a control character and an unknown element: `feed
    // build` prints both with their positions and exits 1 without writing; `validate` and `pack
    // lint` on the pack folder report the same (the file is not taken for a pack); an expired
    // announcement is a warning and left out.
    Machine m;
    const std::string file = (m.packs / "announcements.xml").string();
    write_file(file,
               "<announcements xmlns=\"https://fixtray.org/feed/1\">\n"
               "  <announcement id=\"a\" expires=\"" +
                   utc_in(5h) +
                   "\">\n"
                   "    <title>Down&#x7f;</title><text>t</text><colour/>\n"
                   "  </announcement>\n"
                   "</announcements>\n");
    auto r = m.build_and_sign();
    INFO(r.out << r.err);
    CHECK(r.exit_code == 1);
    CHECK(contains(r.err, file + ":3:5: error: <title> holds the control character U+007F\n"));
    CHECK(contains(r.err, file + ":3:44: error: unknown element <colour>"));
    CHECK(contains(r.err, "nothing written to " + m.feed.string()));
    CHECK_FALSE(fs::exists(m.feed / "index.xml"));

    r = run_fixctl({"--no-builtin", "validate", m.packs.string()});
    CHECK(r.exit_code == 1);
    CHECK(contains(r.out, file + ":3:5: error: <title> holds the control character U+007F"));
    CHECK(contains(r.err, "2 files checked, 1 invalid"));
    r = run_fixctl({"--no-builtin", "pack", "lint", "--json", m.packs.string()});
    CHECK(r.exit_code == 1);
    json about_file = json::array();
    for (const auto& f : json::parse(r.out))
        if (f["file"] == file) about_file.push_back(f);
    REQUIRE(about_file.size() == 2);
    CHECK(about_file[0]["line"] == 3);
    CHECK(about_file[0]["column"] == 5);
    CHECK(about_file[0]["severity"] == "error");
    CHECK(about_file[1]["column"] == 44);

    write_file(file,
               "<announcements xmlns=\"https://fixtray.org/feed/1\">\n"
               "  <announcement id=\"old\" expires=\"2020-01-01T00:00:00Z\">\n"
               "    <title>Old</title><text>t</text>\n"
               "  </announcement>\n"
               "</announcements>\n");
    r = m.build_and_sign();
    CHECK(r.exit_code == 0);
    CHECK(contains(r.err, file + ":2:3: warning: announcement \"old\" expired at "
                                 "2020-01-01T00:00:00Z: left out"));
    CHECK(!contains(read_file(m.feed / "index.xml"), "announcement"));
    r = run_fixctl({"--no-builtin", "validate", m.packs.string()});
    CHECK(r.exit_code == 0);
    r = run_fixctl({"--no-builtin", "validate", file});
    CHECK(r.exit_code == 0);
    CHECK(contains(r.err, "1 file checked, 0 invalid"));
}
