// fixctl's command-line contract: commands, exit codes, messages, hostile input.
#include <doctest/doctest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <thread>

#include "engine/audit_log.h"
#include "packs/pattern.h"
#include "support/test_helpers.h"

using namespace fixtray;
using namespace fixtray::test;

namespace {
const std::string kFixes = std::string(FIXTRAY_SOURCE_DIR) + "/fixes";
}

TEST_CASE("fixctl --help and every command's --help answer and exit 0") {
    // Scenario: a newcomer asks for help.
    for (const auto& args : std::vector<std::vector<std::string>>{{"--help"},
                                                                  {"list", "--help"},
                                                                  {"show", "--help"},
                                                                  {"run", "--help"},
                                                                  {"validate", "--help"}}) {
        const auto r = run_fixctl(args);
        CHECK(r.exit_code == 0);
        CHECK(r.out.find("Usage") != std::string::npos);
    }
    CHECK(run_fixctl({"--help"}).out.find("Exit codes") != std::string::npos);
}

TEST_CASE("fixctl: bad usage exits 2") {
    // Scenario: no command, an unknown command, an unknown option, a missing fix id.
    CHECK(run_fixctl({}).exit_code == 2);
    CHECK(run_fixctl({"frobnicate"}).exit_code == 2);
    CHECK(run_fixctl({"list", "--bogus"}).exit_code == 2);
    CHECK(run_fixctl({"run"}).exit_code == 2);
    TempDir home;
    const auto r = run_fixctl({"run", "no-such-fix"}, isolated_env(home.path()));
    CHECK(r.exit_code == 2);
    CHECK(r.err.find("no-such-fix") != std::string::npos);
}

TEST_CASE("fixctl validate: the built-in packs of every platform are valid") {
    // Scenario: CI guards the shipped packs, Windows and macOS ones included.
    const auto r = run_fixctl({"validate", kFixes});
    INFO(r.out << r.err);
    CHECK(r.exit_code == 0);
    CHECK(r.err.find("9 files checked, 0 invalid") != std::string::npos);
}

TEST_CASE("fixctl validate: problems as PATH:LINE:COL: error: message, exit 1") {
    // Scenario: one valid and one broken pack; the broken one is reported with its position.
    TempDir dir;
    write_file(dir.path() / "good.xml", pack_with_fix("<steps><run><arg>true</arg></run></steps>"));
    write_file(dir.path() / "bad.xml",
               "<fixpack xmlns=\"urn:fixtray:fixpack:1\" id=\"org.example.bad\" version=\"1\">\n"
               "  <fix id=\"b\" platforms=\"linux\">\n"
               "    <title>B</title>\n"
               "    <steps><run timeout=\"soon\"><arg>true</arg></run></steps>\n"
               "  </fix>\n"
               "</fixpack>\n");
    const auto r = run_fixctl({"validate", dir.str()});
    CHECK(r.exit_code == 1);
    // (?m): ^ and $ at each line; \Q...\E: the path as literal text.
    const Pattern line("(?m)^\\Q" + (dir.path() / "bad.xml").string() +
                       "\\E:4:\\d+: error: .*timeout.*$");
    REQUIRE(line.ok());
    INFO(r.out);
    CHECK(line.search(r.out));
    CHECK(r.out.find("good.xml") == std::string::npos);
}

TEST_CASE("fixctl validate: hostile files never crash or hang") {
    // Scenario: binary noise, an empty file, two roots, a DOCTYPE entity bomb, deep nesting.
    TempDir dir;
    std::string noise;
    for (int i = 0; i < 4096; ++i) noise.push_back(static_cast<char>((i * 7919) % 256));
    write_file(dir.path() / "noise.xml", noise);
    write_file(dir.path() / "empty.xml", "");
    write_file(dir.path() / "two-roots.xml",
               pack_with_fix("<steps><run><arg>true</arg></run></steps>") + "\n<fixpack/>");
    write_file(dir.path() / "bomb.xml",
               "<?xml version=\"1.0\"?>\n<!DOCTYPE lolz [<!ENTITY lol \"lol\">"
               "<!ENTITY lol2 \"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;\">]>\n"
               "<fixpack>&lol2;</fixpack>");
    std::string deep;
    for (int i = 0; i < 200000; ++i) deep += "<a>";
    write_file(dir.path() / "deep.xml", deep);
    const auto r = run_fixctl({"validate", dir.str()}, {}, std::chrono::seconds(60));
    INFO(r.out << r.err);
    CHECK(r.started);
    CHECK_FALSE(r.timed_out);
    CHECK(r.exit_code == 1);
    for (const char* f : {"noise.xml:", "empty.xml:", "two-roots.xml:", "bomb.xml:", "deep.xml:"})
        CHECK(r.out.find(f) != std::string::npos);
    CHECK(r.err.find("5 files checked, 5 invalid") != std::string::npos);
}

TEST_CASE("fixctl list: the three built-in fixes, as text and JSON") {
    // Scenario: a fresh build finds fixes/ without flags.
    TempDir home;
    const auto r = run_fixctl({"list", "--json"}, isolated_env(home.path()));
    REQUIRE(r.exit_code == 0);
    const auto j = nlohmann::json::parse(r.out);
    std::vector<std::string> ids;
    for (const auto& f : j) ids.push_back(f["id"]);
    CHECK(ids == std::vector<std::string>{"clear-caches", "remap-printers", "reset-network"});
    const auto text = run_fixctl({"list"}, isolated_env(home.path()));
    CHECK(text.out.find("reset-network") != std::string::npos);
}

TEST_CASE("fixctl --packs: a help desk's pack is offered and overrides a built-in id") {
    // Scenario: an extra directory with a pack that redefines clear-caches.
    TempDir dir, home;
    write_file(dir.path() / "mine.xml",
               "<fixpack xmlns=\"urn:fixtray:fixpack:1\" id=\"com.example.mine\" version=\"1\">"
               "<fix id=\"clear-caches\" platforms=\"linux\"><title>Our own cache cleaner</title>"
               "<steps><run><arg>true</arg></run></steps></fix></fixpack>");
    const auto r =
        run_fixctl({"--packs", dir.str(), "show", "clear-caches"}, isolated_env(home.path()));
    CHECK(r.exit_code == 0);
    CHECK(r.out.find("Our own cache cleaner") != std::string::npos);
}

TEST_CASE("fixctl run: a bad config file is invalid input (exit 2) with its position") {
    // Scenario: --config points at broken JSON.
    TempDir dir;
    write_file(dir.path() / "site.json", "{\"site\": [}");
    const auto r = run_fixctl(
        {"--config", (dir.path() / "site.json").string(), "run", "clear-caches", "--dry-run"},
        isolated_env(dir.path()));
    CHECK(r.exit_code == 2);
    CHECK(r.err.find("site.json:1:") != std::string::npos);
}

TEST_CASE("fixctl run: a fix that asks first is refused without a terminal or --yes") {
    // Scenario: stdin is not a terminal, so nobody can answer: refused (3), nothing runs.
    TempDir dir, home;
    write_file(dir.path() / "ask.xml",
               pack_with_fix("<confirm>This closes your browser.</confirm><steps><run><arg>touch"
                             "</arg><arg>" +
                             dir.str() + "/ran</arg></run></steps>"));
    const auto r =
        run_fixctl({"--no-builtin", "--packs", dir.str(), "run", "t"}, isolated_env(home.path()));
    CHECK(r.exit_code == 3);
    CHECK(r.out.find("--yes") != std::string::npos);
    CHECK_FALSE(std::filesystem::exists(dir.path() / "ran"));
    const auto yes = run_fixctl({"--no-builtin", "--packs", dir.str(), "run", "t", "--yes"},
                                isolated_env(home.path()));
    CHECK(yes.exit_code == 0);
    CHECK(std::filesystem::exists(dir.path() / "ran"));
}

TEST_CASE("fixctl run --json: the run record, and the audit log entry with the same run id") {
    // Scenario: a fix that is not fixed exits 1 and leaves a complete record.
    TempDir dir, home;
    write_file(dir.path() / "p.xml",
               pack_with_fix("<steps><run><arg>sh</arg><arg>-c</arg><arg>echo out; echo err >&2"
                             "</arg></run></steps><verify><run><arg>false</arg></run></verify>"));
    const auto r = run_fixctl({"--no-builtin", "--packs", dir.str(), "run", "t", "--json"},
                              isolated_env(home.path()));
    CHECK(r.exit_code == 1);
    const auto j = nlohmann::json::parse(r.out);
    CHECK(j["outcome"] == "not-fixed");
    CHECK(j["steps"][0]["stdout"] == "out\n");
    CHECK(j["steps"][0]["stderr"] == "err\n");
    CHECK(j["steps"][0]["argv"][0] == "sh");
    const std::string audit = read_file(home.path() / ".local/state/fixtray/audit.jsonl");
    CHECK(audit.find(j["run_id"].get<std::string>()) != std::string::npos);
    CHECK(std::filesystem::exists(home.path() / ".local/state/fixtray/runs" /
                                  (j["run_id"].get<std::string>() + ".json")));
}

TEST_CASE("fixctl run: SIGINT cancels the running step and its children (exit 130)") {
    // Scenario: Ctrl-C during a long step.
    TempDir dir, home;
    write_file(dir.path() / "p.xml",
               pack_with_fix("<steps><run timeout=\"60s\"><arg>sh</arg><arg>-c</arg><arg>sleep 300 "
                             "&amp; echo $! > " +
                             dir.str() + "/child; wait</arg></run></steps>"));
    std::thread interrupter([&] {
        for (int i = 0; i < 100 && !std::filesystem::exists(dir.path() / "child"); ++i)
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
        run_command({"pkill", "-INT", "-f", "--", "--packs " + dir.str()});
    });
    const auto r = run_fixctl({"--no-builtin", "--packs", dir.str(), "run", "t"},
                              isolated_env(home.path()), std::chrono::seconds(30));
    interrupter.join();
    CHECK(r.exit_code == 130);
    const std::string pid = read_file(dir.path() / "child");
    REQUIRE_FALSE(pid.empty());
    CHECK_FALSE(process_alive(pid.substr(0, pid.find('\n'))));
}

TEST_CASE("fixctl run: an audit log cut short mid-line gets the next run on a line of its own") {
    // Scenario: a crash (or a full disk, before appends were cut back) left half a line at the
    // end of audit.jsonl. The next run's line used to be glued onto it, and neither parsed. Now
    // the run is on its own line, the earlier runs still read, and the broken line is reported.
    TempDir dir, home;
    write_file(dir.path() / "p.xml", pack_with_fix("<steps><run><arg>true</arg></run></steps>"
                                                   "<verify><run><arg>true</arg></run></verify>"));
    const auto args = std::vector<std::string>{"--no-builtin", "--packs", dir.str(), "run", "t"};
    REQUIRE(run_fixctl(args, isolated_env(home.path())).exit_code == 0);
    const auto state = home.path() / ".local/state/fixtray";
    const std::string log = (state / "audit.jsonl").string();
    { std::ofstream(log, std::ios::binary | std::ios::app) << "{\"run_id\":\"0123-cut\",\"ti"; }
    REQUIRE(run_fixctl(args, isolated_env(home.path())).exit_code == 0);

    std::vector<std::string> broken;
    const auto runs = AuditLog(state.string()).recent(10, &broken);
    REQUIRE(runs.size() == 2);
    CHECK(runs[0].outcome == "fixed");
    CHECK(runs[1].outcome == "fixed");
    REQUIRE(broken.size() == 1);
    CHECK(broken[0].rfind(log + ":2: not a complete run line", 0) == 0);
}

namespace {
bool contains(const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
}
}  // namespace

TEST_CASE("fixctl run: a directory as the program says so, not \"program not found\"") {
    // Scenario: a pack's first <arg> names a directory, then a file without the execute bit.
    TempDir dir, home;
    std::filesystem::create_directories(dir.path() / "tool");
    write_file(dir.path() / "script", "#!/bin/sh\nexit 0\n");
    write_file(dir.path() / "p.xml", pack_with_fix("<steps><run continue-on-error=\"true\"><arg>" +
                                                   dir.str() + "/tool</arg></run><run><arg>" +
                                                   dir.str() + "/script</arg></run></steps>"));
    const auto r =
        run_fixctl({"--no-builtin", "--packs", dir.str(), "run", "t"}, isolated_env(home.path()));
    INFO(r.out << r.err);
    CHECK(r.exit_code == 1);
    CHECK(contains(r.out + r.err, "cannot run " + dir.str() + "/tool: it is a directory"));
    CHECK(contains(r.out + r.err, "cannot run " + dir.str() +
                                      "/script: it is not executable (no execute permission)"));
    CHECK_FALSE(contains(r.out + r.err, "program not found"));
}

TEST_CASE("fixctl run: the audit log keeps the signal that ended a step") {
    // Scenario: a step's process is ended by SIGKILL (it kills itself). Before, audit.jsonl kept
    // exit code -1 and nothing else. ($$$$ is how a pack writes the shell's $$.)
    TempDir dir, home;
    write_file(dir.path() / "p.xml",
               pack_with_fix("<steps><run><arg>sh</arg><arg>-c</arg><arg>kill -KILL $$$$</arg>"
                             "</run></steps>"));
    const auto r =
        run_fixctl({"--no-builtin", "--packs", dir.str(), "run", "t"}, isolated_env(home.path()));
    CHECK(r.exit_code == 1);
    const std::string audit = read_file(home.path() / ".local/state/fixtray/audit.jsonl");
    const auto line = nlohmann::json::parse(audit.substr(0, audit.find('\n')));
    CHECK(line["steps"][0]["exit_code"] == -1);
    CHECK(line["steps"][0]["signal"] == 9);
    const auto record = nlohmann::json::parse(read_file(
        home.path() / ".local/state/fixtray/runs" / (line["run_id"].get<std::string>() + ".json")));
    CHECK(record["steps"][0]["signal"] == 9);
}

TEST_CASE("fixctl run: delete-files under a tree deeper than it searches says so and fails") {
    // Scenario: a cache 130 folders deep, with a file at the bottom. The walk stops at 128
    // levels; before, it said "Too many levels of symbolic links" (there is no link) and the
    // step was ok although the file was still there.
    TempDir dir, home, cache;
    std::filesystem::path deep = cache.path();
    for (int i = 0; i < 130; ++i) deep /= "d";
    std::filesystem::create_directories(deep);
    write_file(deep / "old.tmp", "x");
    write_file(dir.path() / "p.xml", pack_with_fix("<steps><delete-files root=\"" + cache.str() +
                                                   "\" glob=\"**\"/></steps>"));
    const auto r =
        run_fixctl({"--no-builtin", "--packs", dir.str(), "run", "t"}, isolated_env(home.path()));
    INFO(r.out << r.err);
    CHECK(r.exit_code == 1);
    CHECK(contains(r.out + r.err, "1 folder more than 128 levels deep not searched"));
    CHECK_FALSE(contains(r.out + r.err, "symbolic links"));
    CHECK(std::filesystem::exists(deep / "old.tmp"));
}

TEST_CASE("fixctl run: a pack with hundreds of warnings loads and says nothing is skipped") {
    // Scenario: 210 shell steps give 210 warnings. The 200th problem used to become the error
    // "too many problems", printed as "(pack skipped)", and the pack loaded and ran anyway.
    // Now: no error, no "skipped", it runs. With an error past the first 200 problems the
    // pack is left out, and fixctl says how many errors were not listed.
    TempDir dir, home;
    std::string steps;
    for (int i = 0; i < 210; ++i)
        steps += "<shell interpreter=\"sh\"><script>true</script></shell>";
    write_file(dir.path() / "p.xml", pack_with_fix("<steps>" + steps +
                                                   "</steps><verify><run><arg>true</arg></run>"
                                                   "</verify>"));
    const auto r =
        run_fixctl({"--no-builtin", "--packs", dir.str(), "run", "t"}, isolated_env(home.path()));
    INFO(r.out << r.err);
    CHECK(r.exit_code == 0);
    CHECK_FALSE(contains(r.err, "skipped"));
    CHECK_FALSE(contains(r.err, "error"));

    write_file(dir.path() / "p.xml", pack_with_fix("<steps>" + steps + "<nonsense/></steps>"));
    const auto bad =
        run_fixctl({"--no-builtin", "--packs", dir.str(), "run", "t"}, isolated_env(home.path()));
    INFO(bad.out << bad.err);
    CHECK(bad.exit_code != 0);
    CHECK(contains(bad.err, "1 more error not listed (too many problems) (pack skipped)"));
}
