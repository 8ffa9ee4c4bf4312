// Secret params (issue 15, item 2): a site value the pack marks secret reaches its program
// through <env>, and is masked in everything fixtray records or shows: the run record, the audit
// log, fixctl's terminal output, the plan. Tested from the outside, through the real fixctl.
#include <doctest/doctest.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>

#include "base/digest.h"
#include "base/secret_mask.h"
#include "support/test_helpers.h"

using namespace fixtray;
using namespace fixtray::test;
namespace fs = std::filesystem;

namespace {

constexpr const char* kSecret = "Sh4re-P@ss-2026";

bool contains(const std::string& haystack, const std::string& needle) {
    return haystack.find(needle) != std::string::npos;
}

// Every file under `dir` (the employee's home: the audit log, run records), but the site
// config that holds the value on purpose.
std::string every_file_under(const fs::path& dir, const fs::path& except) {
    std::string all;
    for (const auto& e : fs::recursive_directory_iterator(dir))
        if (e.is_regular_file() && e.path() != except) all += read_file(e.path());
    return all;
}

const char* kPack =
    "<fixpack xmlns=\"urn:fixtray:fixpack:1\" id=\"org.example.share\" version=\"1\">\n"
    "  <param name=\"share_password\" secret=\"true\"/>\n"
    "  <fix id=\"mount-share\" platforms=\"linux\">\n"
    "    <title>Connect the team share</title>\n"
    "    <steps>\n"
    "      <run label=\"Log in to the share\"><arg>sh</arg><arg>-c</arg>\n"
    "        <arg>printf %s \"$SHARE_PASSWORD\" | sha256sum; echo \"using $SHARE_PASSWORD\";"
    " echo \"denied for $SHARE_PASSWORD\" >&amp;2</arg>\n"
    "        <env name=\"SHARE_PASSWORD\">${share_password}</env></run>\n"
    "      <run><arg>echo</arg><arg>--password=${share_password}</arg></run>\n"
    "    </steps>\n"
    "    <verify><run><arg>false</arg></run></verify>\n"
    "  </fix>\n"
    "</fixpack>\n";

}  // namespace

TEST_CASE(
    "secret params: the value reaches the program through env and is masked in the record, "
    "the audit log, the terminal and the plan") {
    TempDir dir;
    const fs::path home = dir.path() / "home";
    write_file(dir.path() / "packs/share.xml", kPack);
    const std::string site = dir / "site.json";
    write_file(site, std::string("{\"site\": {\"share_password\": \"") + kSecret + "\"}}");
    const auto env = isolated_env(home);
    const std::vector<std::string> base = {"--no-builtin", "--config", site, "--packs",
                                           dir / "packs"};
    auto fixctl = [&](std::vector<std::string> args) {
        std::vector<std::string> all = base;
        all.insert(all.end(), args.begin(), args.end());
        return run_fixctl(all, env);
    };

    const auto json_run = fixctl({"run", "mount-share", "--yes", "--json"});
    INFO(json_run.out << json_run.err);
    CHECK(json_run.exit_code == 1);  // verify fails on purpose: the run is a failed one
    CHECK_FALSE(contains(json_run.out + json_run.err, kSecret));
    const auto record = nlohmann::json::parse(json_run.out);
    const std::string out = record["steps"][0]["stdout"];
    // The program had the value (its hash), and its output shows *** where it printed it.
    CHECK(contains(out, sha256_hex(kSecret)));
    CHECK(contains(out, "using ***"));
    CHECK(record["steps"][0]["stderr"] == "denied for ***\n");
    CHECK(record["steps"][1]["argv"][1] == "--password=***");
    CHECK(record["steps"][1]["stdout"] == "--password=***\n");

    const auto text_run = fixctl({"run", "mount-share", "--yes"});
    INFO(text_run.out << text_run.err);
    CHECK(contains(text_run.out + text_run.err, "Log in to the share"));
    CHECK_FALSE(contains(text_run.out + text_run.err, kSecret));

    const auto plan = fixctl({"run", "mount-share", "--dry-run", "--json"});
    INFO(plan.out << plan.err);
    CHECK(contains(plan.out, "--password=***"));
    CHECK_FALSE(contains(plan.out + plan.err, kSecret));

    // The audit log and every run record the two runs left.
    const std::string stored = every_file_under(home, site);
    CHECK(contains(stored, "mount-share"));
    CHECK_FALSE(contains(stored, kSecret));
}

TEST_CASE(
    "secret params: lint warns when a secret is passed as an argument, and <env> is checked") {
    TempDir dir;
    write_file(dir.path() / "share.xml", kPack);
    const auto lint = run_fixctl({"pack", "lint", dir / "share.xml"});
    INFO(lint.out << lint.err);
    CHECK(contains(lint.out, "[secret-in-argv]"));
    CHECK(contains(lint.out, "share.xml:9:7: warning"));  // the <run> with the argument

    const std::string bad =
        "<fixpack xmlns=\"urn:fixtray:fixpack:1\" id=\"org.example.bad\" version=\"1\">\n"
        "  <param name=\"token_list\" list=\"true\" secret=\"true\"/>\n"
        "  <param name=\"pw\" secret=\"true\" default=\"hunter22\"/>\n"
        "  <fix id=\"t\" platforms=\"linux\"><title>T</title><steps>\n"
        "    <run><arg>true</arg><env name=\"LD_PRELOAD\">/tmp/x.so</env></run>\n"
        "    <run><arg>true</arg><env name=\"PATH\">/tmp</env></run>\n"
        "    <run><arg>true</arg><env name=\"1X\">v</env></run>\n"
        "    <run><arg>true</arg><env name=\"A\">v</env><arg>late</arg></run>\n"
        "    <run><arg>true</arg><env name=\"B\">${nope}</env></run>\n"
        "  </steps></fix></fixpack>\n";
    write_file(dir.path() / "bad.xml", bad);
    const auto v = run_fixctl({"validate", dir / "bad.xml"});
    INFO(v.out << v.err);
    CHECK(v.exit_code == 1);
    CHECK(contains(v.out, "bad.xml:2:"));
    CHECK(contains(v.out, "secret is for a single value, not a list"));
    CHECK(contains(v.out, "bad.xml:3:"));
    CHECK(contains(v.out, "a secret param has no default in the pack"));
    CHECK(contains(v.out, "bad.xml:5:"));
    CHECK(contains(v.out, "<env> may not set LD_PRELOAD"));
    CHECK(contains(v.out, "<env> may not set PATH"));
    CHECK(contains(v.out, "bad environment variable name \"1X\""));
    CHECK(contains(v.out, "bad.xml:8:"));
    CHECK(contains(v.out, "the <arg>s must come before the <env>s"));
    CHECK(contains(v.out, "bad.xml:9:"));
    CHECK(contains(v.out, "nope"));
}

TEST_CASE("secret mask: a value split across two reads of a stream is masked too") {
    const SecretMask mask({"Sh4re-P@ss-2026", "abc", ""});
    CHECK(mask.values().size() == 1);  // too short and empty values are not masks
    StreamingSecretMask stream(mask);
    std::string shown;
    for (const char* chunk : {"login: Sh4re", "-P@ss", "-2026\nnext Sh4", "re line\n"})
        shown += stream.feed(chunk);
    shown += stream.finish();
    CHECK(shown == "login: ***\nnext Sh4re line\n");
    std::string text = "a Sh4re-P@ss-2026 b Sh4re-P@ss-2026";
    CHECK(mask.apply(text) == 2);
    CHECK(text == "a *** b ***");
}
