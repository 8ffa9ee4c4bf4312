// fixctl and stdout-match from the outside: pack files with hostile or wrong patterns, the real
// fixctl binary, its exit code, its messages and the run record it leaves.
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include "support/test_helpers.h"

using namespace fixtray;
using namespace fixtray::test;

namespace {

bool contains(const std::string& s, const std::string& part) {
    return s.find(part) != std::string::npos;
}

// A pack whose only step, on line 4, has the given stdout-match; returns the 1-based column of
// the attribute (where validate must point).
int write_pack_with_match(const std::filesystem::path& file, const std::string& match) {
    const std::string step_line =
        "    <steps><run stdout-match=\"" + match + "\"><arg>true</arg></run></steps>\n";
    write_file(file,
               "<fixpack xmlns=\"urn:fixtray:fixpack:1\" id=\"org.example.re\" version=\"1\">\n"
               "  <fix id=\"r\" platforms=\"linux\">\n"
               "    <title>R</title>\n" +
                   step_line +
                   "  </fix>\n"
                   "</fixpack>\n");
    return static_cast<int>(step_line.find("stdout-match")) + 1;
}

}  // namespace

TEST_CASE("fixctl run: nested repeats over a megabyte of output end as not fixed, quickly") {
    // A step prints 1 MiB of 'a' and its stdout-match is ^(a|b)*c$: std::regex crashed fixctl
    // (one stack frame per character); now the step fails and the run record is complete.
    TempDir dir, home;
    write_file(dir.path() / "p.xml",
               pack_with_fix("<steps><run stdout-match=\"^(a|b)*c$\"><arg>sh</arg><arg>-c</arg>"
                             "<arg>head -c 1048576 /dev/zero | tr '\\000' a</arg></run></steps>"));
    const auto t0 = std::chrono::steady_clock::now();
    const auto r = run_fixctl({"--no-builtin", "--packs", dir.str(), "run", "t", "--json"},
                              isolated_env(home.path()), std::chrono::seconds(60));
    INFO(r.err);
    CHECK(std::chrono::steady_clock::now() - t0 < std::chrono::seconds(30));
    REQUIRE(r.exit_code == 1);
    const auto j = nlohmann::json::parse(r.out);
    CHECK(j["outcome"] == "not-fixed");
    REQUIRE(j["steps"].size() == 1);
    CHECK(j["steps"][0]["status"] == "failed");
    CHECK(j["steps"][0]["exit_code"] == 0);
    CHECK(j["steps"][0]["message"] == "no line of the output contains \"^(a|b)*c$\"");
    CHECK(std::filesystem::exists(home.path() / ".local/state/fixtray/runs" /
                                  (j["run_id"].get<std::string>() + ".json")));
}

TEST_CASE("fixctl run: a matching stdout-match passes, with $$ as a literal dollar sign") {
    // "price \$$5$$" is the pattern  price \$5$ : an escaped dollar, then the end anchor.
    TempDir dir, home;
    write_file(dir.path() / "p.xml",
               pack_with_fix("<steps><run stdout-match=\"price \\$$5$$\"><arg>printf</arg>"
                             "<arg>%s</arg><arg>the price $5</arg></run>"
                             "<run stdout-match=\"^ok$$\"><arg>printf</arg><arg>ok</arg></run>"
                             "</steps>"));
    const auto r = run_fixctl({"--no-builtin", "--packs", dir.str(), "run", "t", "--json"},
                              isolated_env(home.path()));
    INFO(r.out << r.err);
    REQUIRE(r.exit_code == 0);
    const auto j = nlohmann::json::parse(r.out);
    CHECK(j["steps"][0]["status"] == "ok");
    CHECK(j["steps"][1]["status"] == "ok");
}

TEST_CASE("fixctl run: a ${variable} that makes stdout-match invalid fails the step, no crash") {
    // The pattern is only known once expanded: the step fails with RE2's message in the run
    // record, and its command does not run.
    TempDir dir, home;
    write_file(dir.path() / "p.xml",
               pack_with_fix("<steps><run stdout-match=\"^${word}$$\"><arg>touch</arg><arg>" +
                                 dir.str() + "/ran</arg></run></steps>",
                             "<param name=\"word\" default=\"(unclosed\"/>"));
    const auto validate = run_fixctl({"validate", dir.str()});
    CHECK(validate.exit_code == 0);
    const auto r = run_fixctl({"--no-builtin", "--packs", dir.str(), "run", "t", "--json"},
                              isolated_env(home.path()));
    INFO(r.out << r.err);
    REQUIRE(r.exit_code == 1);
    const auto j = nlohmann::json::parse(r.out);
    CHECK(j["outcome"] == "not-fixed");
    CHECK(j["steps"][0]["status"] == "failed");
    CHECK(j["steps"][0]["message"] ==
          "stdout-match \"^(unclosed$\" is not a valid regular expression once its variables are "
          "expanded: missing ): ^(unclosed$");
    CHECK_FALSE(std::filesystem::exists(dir.path() / "ran"));
}

TEST_CASE("fixctl validate: a bad stdout-match is RE2's message at the attribute's line:col") {
    // The author sees where the pattern is and what RE2 says about it.
    TempDir dir;
    const int col = write_pack_with_match(dir.path() / "bad.xml", "(enabled");
    const auto r = run_fixctl({"validate", dir.str()});
    INFO(r.out << r.err);
    CHECK(r.exit_code == 1);
    CHECK(contains(r.out, (dir.path() / "bad.xml").string() + ":4:" + std::to_string(col) +
                              ": error: invalid regular expression in stdout-match: missing ): "
                              "(enabled"));
}

TEST_CASE("fixctl validate: back-references and look-around are refused with RE2's reason") {
    // Patterns written for Perl or ECMAScript: refused at load, never handed to a matcher that
    // overflowed on them.
    TempDir dir;
    const int col = write_pack_with_match(dir.path() / "backref.xml", "(on|off) and again \\1");
    write_pack_with_match(dir.path() / "around.xml", "(?&lt;=printer )enabled");
    const auto r = run_fixctl({"validate", dir.str()});
    INFO(r.out << r.err);
    CHECK(r.exit_code == 1);
    CHECK(contains(r.out, (dir.path() / "backref.xml").string() + ":4:" + std::to_string(col) +
                              ": error: invalid regular expression in stdout-match: invalid "
                              "escape sequence: \\1; RE2 has no back-references"));
    CHECK(contains(r.out, "around.xml:4:"));
    CHECK(contains(r.out, "RE2 has no look-ahead or look-behind"));
    CHECK(contains(r.err, "2 files checked, 2 invalid"));
}

TEST_CASE("fixctl run: capture and stdout-match read the whole output, never the record's part") {
    // Scenario (each failed before): 1,000 captured lines ran the foreach 571 times, skipping
    // the middle; "^50000$$" did not find its line in `seq 1 100000`; "bytes omitted" matched
    // fixtray's own omission marker; a capture over the limit handed over part of the list.
    TempDir dir, home;
    const std::string tail(150, 'x');  // 1,000 lines of 155 bytes: more than the record keeps
    write_file(dir.path() / "p.xml",
               pack_with_fix("<steps>"
                             "<run capture=\"items\"><arg>seq</arg><arg>-f</arg><arg>%g-" +
                             tail +
                             "</arg><arg>1</arg><arg>1000</arg></run>"
                             "<run label=\"item ${i}\" foreach=\"i in items\"><arg>true</arg></run>"
                             "<run stdout-match=\"^50000$$\"><arg>seq</arg><arg>1</arg>"
                             "<arg>100000</arg></run>"
                             "<run stdout-match=\"bytes omitted\" continue-on-error=\"true\">"
                             "<arg>seq</arg><arg>1</arg><arg>1000000</arg></run>"
                             "<run capture=\"many\" continue-on-error=\"true\"><arg>seq</arg>"
                             "<arg>1</arg><arg>20000</arg></run>"
                             "<run label=\"many ${m}\" foreach=\"m in many\"><arg>true</arg></run>"
                             "</steps>"));
    const auto r = run_fixctl({"--no-builtin", "--packs", dir.str(), "run", "t", "--json"},
                              isolated_env(home.path()), std::chrono::seconds(300));
    INFO(r.err);
    const auto j = nlohmann::json::parse(r.out);
    std::vector<std::string> items;
    std::string match_line, marker, over_limit;
    int many_runs = 0;
    for (const auto& s : j["steps"]) {
        const std::string label = s["label"];
        if (label.rfind("item ", 0) == 0) items.push_back(label.substr(5));
        if (label.rfind("many ", 0) == 0) ++many_runs;
    }
    REQUIRE(items.size() == 1000);
    for (int i = 0; i < 1000; ++i)
        CHECK(items[static_cast<std::size_t>(i)] == std::to_string(i + 1) + "-" + tail);
    const auto& steps = j["steps"];
    REQUIRE(steps.size() == 1004);         // the foreach over the failed capture runs for no item
    CHECK(steps[1001]["status"] == "ok");  // ^50000$$
    CHECK(steps[1002]["status"] == "failed");  // bytes omitted: the marker is not output
    CHECK(steps[1002]["message"] == "no line of the output contains \"bytes omitted\"");
    CHECK(steps[1002]["stdout"].get<std::string>().find("bytes omitted") != std::string::npos);
    CHECK(steps[1003]["status"] == "failed");
    CHECK(steps[1003]["message"] ==
          "cannot capture \"many\": the output has more than 10000 lines, the capture limit");
    CHECK(many_runs == 0);
}
