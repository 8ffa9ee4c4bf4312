// pack lint: validate's errors plus warnings for risky or incomplete packs, core and fixctl.
#include "packs/pack_lint.h"

#include <doctest/doctest.h>

#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>

#include "packs/catalog.h"
#include "support/test_helpers.h"

using namespace fixtray;
using namespace fixtray::test;

namespace {

const std::string kFixes = std::string(FIXTRAY_SOURCE_DIR) + "/fixes";

// A pack whose fix starts on line 2, column 3; `body` begins on line 3.
std::string pack(const std::string& body, const std::string& fix_attrs = "") {
    return "<fixpack xmlns=\"urn:fixtray:fixpack:1\" id=\"org.example.lint\" version=\"1\">\n"
           "  <fix id=\"f\" platforms=\"linux\"" +
           fix_attrs + ">\n" + body + "\n  </fix>\n</fixpack>\n";
}

// A fix that passes every lint: check, steps, verify, no translations.
const std::string kCleanBody =
    "    <title>Clean</title>\n"
    "    <check><exists path=\"/etc/hostname\"/></check>\n"
    "    <steps><run><arg>true</arg></run></steps>\n"
    "    <verify><exists path=\"/etc/hostname\"/></verify>";

std::vector<LintFinding> lint(const std::string& xml) {
    const PackLoadResult loaded = load_pack_from_string(xml, "p.xml");
    return lint_load_result(loaded);
}

std::vector<LintFinding> with_code(const std::vector<LintFinding>& all, const std::string& code) {
    std::vector<LintFinding> out;
    for (const auto& f : all)
        if (f.code == code) out.push_back(f);
    return out;
}

std::string dump(const std::vector<LintFinding>& all) {
    std::string out;
    for (const auto& f : all) out += f.str() + "\n";
    return out;
}

}  // namespace

TEST_CASE("pack lint: a clean pack gives no finding") {
    // Scenario: a fix with a check, plain-name run step and a verify.
    const auto all = lint(pack(kCleanBody));
    INFO(dump(all));
    CHECK(all.empty());
}

TEST_CASE("pack lint: a shell step warns once at its element with code shell-step") {
    // Scenario: the loader warns about shells too; lint reports it once, with its code.
    const auto all =
        lint(pack("    <title>S</title>\n"
                  "    <check><exists path=\"/etc/hostname\"/></check>\n"
                  "    <steps>\n"
                  "      <shell interpreter=\"sh\"><script>true</script></shell>\n"
                  "    </steps>"));
    INFO(dump(all));
    REQUIRE(all.size() == 1);
    CHECK(all[0].code == "shell-step");
    CHECK(all[0].severity == LintFinding::Severity::warning);
    CHECK(all[0].where.line == 6);
    CHECK(all[0].where.column == 7);
    CHECK(all[0].str().starts_with("p.xml:6:7: warning: shell step runs \"sh\""));
    CHECK(all[0].str().ends_with(" [shell-step]"));
}

TEST_CASE("pack lint: delete-files outside the user's directories warns delete-outside-user") {
    // Scenario: literal system roots, ${packdir} and a ${home}/.. escape warn; ${cache} does not.
    const auto all =
        lint(pack("    <title>D</title>\n"
                  "    <confirm>Deletes things.</confirm>\n"
                  "    <check><exists path=\"/etc/hostname\"/></check>\n"
                  "    <steps>\n"
                  "      <delete-files root=\"/var/tmp/app\" glob=\"*.log\"/>\n"
                  "      <delete-files root=\"${packdir}/state\" glob=\"**\"/>\n"
                  "      <delete-files root=\"${home}/../other\" glob=\"**\"/>\n"
                  "      <delete-files root=\"${cache}/app\" glob=\"**\"/>\n"
                  "      <delete-files root=\"${config}/app\" glob=\"**\"/>\n"
                  "      <delete-files root=\"${home}/.thumbnails\" glob=\"**\"/>\n"
                  "    </steps>"));
    INFO(dump(all));
    const auto found = with_code(all, "delete-outside-user");
    REQUIRE(found.size() == 3);
    CHECK(found[0].where.line == 7);
    CHECK(found[0].where.column == 7);
    CHECK(found[0].message.find("/var/tmp/app") != std::string::npos);
    CHECK(found[1].where.line == 8);
    CHECK(found[2].where.line == 9);
    CHECK(all.size() == 3);
}

TEST_CASE("pack lint: deleting everything in home or config warns delete-home") {
    // Scenario: ${home} with "**" and ${config}/ with "**/*"; a filtered glob under ${config} is
    // fine.
    const auto all =
        lint(pack("    <title>D</title>\n"
                  "    <confirm>Deletes things.</confirm>\n"
                  "    <check><exists path=\"/etc/hostname\"/></check>\n"
                  "    <steps>\n"
                  "      <delete-files root=\"${home}\" glob=\"**\"/>\n"
                  "      <delete-files root=\"${config}/\" glob=\"**/*\"/>\n"
                  "      <delete-files root=\"${config}\" glob=\"**/*.bak\"/>\n"
                  "    </steps>"));
    INFO(dump(all));
    const auto found = with_code(all, "delete-home");
    REQUIRE(found.size() == 2);
    CHECK(found[0].where.line == 7);
    CHECK(found[0].message.find("every file") != std::string::npos);
    CHECK(found[1].where.line == 8);
    CHECK(all.size() == 2);
}

TEST_CASE("pack lint: admin steps without a verify warn admin-no-verify at the fix") {
    // Scenario: the only admin step's effect is never checked.
    const auto all =
        lint(pack("    <title>A</title>\n"
                  "    <confirm>Needs your password.</confirm>\n"
                  "    <check><exists path=\"/etc/hostname\"/></check>\n"
                  "    <steps><run admin=\"true\"><arg>true</arg></run></steps>"));
    INFO(dump(all));
    REQUIRE(all.size() == 1);
    CHECK(all[0].code == "admin-no-verify");
    CHECK(all[0].where.line == 2);
    CHECK(all[0].where.column == 3);
}

TEST_CASE("pack lint: missing translations name the missing languages") {
    // Scenario: title in de and fr, description only in de, a second fix not translated.
    const std::string xml =
        "<fixpack xmlns=\"urn:fixtray:fixpack:1\" id=\"org.example.lint\" version=\"1\">\n"
        "  <fix id=\"a\" platforms=\"linux\">\n"
        "    <title>A</title><title xml:lang=\"de\">A</title><title xml:lang=\"FR\">A</title>\n"
        "    <description>A</description><description xml:lang=\"de\">A</description>\n"
        "    <check><exists path=\"/etc/hostname\"/></check>\n"
        "    <steps><run><arg>true</arg></run></steps>\n"
        "  </fix>\n"
        "  <fix id=\"b\" platforms=\"linux\">\n"
        "    <title>B</title>\n"
        "    <check><exists path=\"/etc/hostname\"/></check>\n"
        "    <steps><run><arg>true</arg></run></steps>\n"
        "  </fix>\n"
        "</fixpack>\n";
    const auto all = lint(xml);
    INFO(dump(all));
    const auto found = with_code(all, "missing-translation");
    REQUIRE(found.size() == 2);
    CHECK(found[0].where.line == 2);
    CHECK(found[0].where.column == 3);
    CHECK(found[0].message.find("<description> has no translation for fr") != std::string::npos);
    CHECK(found[1].where.line == 8);
    CHECK(found[1].message.find("<title> has no translation for de, fr") != std::string::npos);
    CHECK(all.size() == 2);
}

TEST_CASE("pack lint: a disruptive fix without a confirm warns no-confirm") {
    // Scenario: ending a process and deleting outside caches need a confirm, cache clearing not.
    const std::string end_process =
        "    <title>E</title>\n"
        "    <check><exists path=\"/etc/hostname\"/></check>\n"
        "    <steps><end-process name=\"firefox\"/></steps>";
    auto all = lint(pack(end_process));
    INFO(dump(all));
    REQUIRE(all.size() == 1);
    CHECK(all[0].code == "no-confirm");
    CHECK(all[0].where.line == 2);
    CHECK(all[0].message.find("firefox") != std::string::npos);

    all =
        lint(pack("    <title>E</title>\n"
                  "    <check><exists path=\"/etc/hostname\"/></check>\n"
                  "    <steps><delete-files root=\"${home}/Downloads\" glob=\"*.part\"/></steps>"));
    CHECK(with_code(all, "no-confirm").size() == 1);

    all =
        lint(pack("    <title>E</title>\n"
                  "    <check><exists path=\"/etc/hostname\"/></check>\n"
                  "    <steps><delete-files root=\"${cache}/app\" glob=\"**\"/></steps>"));
    CHECK(all.empty());

    all =
        lint(pack("    <title>E</title>\n"
                  "    <confirm>Firefox will close.</confirm>\n"
                  "    <check><exists path=\"/etc/hostname\"/></check>\n"
                  "    <steps><end-process name=\"firefox\"/></steps>"));
    CHECK(all.empty());
}

TEST_CASE("pack lint: a relative program path warns relative-program") {
    // Scenario: ./fix.sh and bin/tool warn, plain names, absolute paths and ${packdir} do not.
    const auto all = lint(
        pack("    <title>R</title>\n"
             "    <check><exists path=\"/etc/hostname\"/></check>\n"
             "    <steps>\n"
             "      <run><arg>./fix.sh</arg></run>\n"
             "      <run><arg>true</arg></run>\n"
             "      <run><arg>/usr/bin/true</arg></run>\n"
             "      <run><arg>${packdir}/tool</arg></run>\n"
             "    </steps>\n"
             "    <verify><exists path=\"/etc/hostname\"/></verify>\n"
             "    <diagnostics><command name=\"x\"><arg>bin/tool</arg></command></diagnostics>"));
    INFO(dump(all));
    const auto found = with_code(all, "relative-program");
    REQUIRE(found.size() == 2);
    CHECK(found[0].where.line == 6);
    CHECK(found[0].where.column == 7);
    CHECK(found[0].message.find("./fix.sh") != std::string::npos);
    CHECK(found[1].where.line == 12);
    CHECK(found[1].message.find("bin/tool") != std::string::npos);
    CHECK(all.size() == 2);
}

TEST_CASE("pack lint: a fix without a check is a note, not a warning") {
    // Scenario: the steps always run; worth knowing, often intended.
    const auto all =
        lint(pack("    <title>N</title>\n"
                  "    <steps><run><arg>true</arg></run></steps>"));
    INFO(dump(all));
    REQUIRE(all.size() == 1);
    CHECK(all[0].code == "no-check");
    CHECK(all[0].severity == LintFinding::Severity::note);
    CHECK(all[0].str() ==
          "p.xml:2:3: note: fix \"f\" has no <check>: its steps run every time, "
          "even when nothing is wrong [no-check]");
}

TEST_CASE("pack lint: an invalid pack gives validate's errors and no lint findings") {
    // Scenario: a bad timeout; the errors read as validate prints them, code "invalid".
    const auto all =
        lint(pack("    <title>X</title>\n"
                  "    <steps><run timeout=\"soon\"><arg>true</arg></run></steps>"));
    INFO(dump(all));
    REQUIRE_FALSE(all.empty());
    for (const auto& f : all) {
        CHECK(f.severity == LintFinding::Severity::error);
        CHECK(f.code == "invalid");
        CHECK(f.str().find("[invalid]") == std::string::npos);
    }
    CHECK(all[0].str().starts_with("p.xml:4:"));
}

TEST_CASE("pack lint: the built-in packs of every platform have no errors") {
    // Scenario: CI guards the shipped packs; warnings are reviewed, errors are not allowed.
    const auto files = pack_files_under(kFixes);
    REQUIRE(files.ok());
    CHECK(files->size() == 9);
    for (const auto& file : *files) {
        const auto all = lint_pack_file(file);
        INFO(dump(all));
        for (const auto& f : all) CHECK(f.severity != LintFinding::Severity::error);
    }
}

TEST_CASE("pack lint: the built-in packs warn only where it was reviewed and intended") {
    // Scenario: a new warning in a shipped pack fails here until someone decides about it.
    // Reviewed: Windows printers need PowerShell cmdlets (shell-step); the Linux cache fix
    // deletes browser GPU caches under ${config} and skips running browsers (no-confirm).
    std::map<std::string, int> seen;
    const auto files = pack_files_under(kFixes);
    REQUIRE(files.ok());
    for (const auto& file : *files)
        for (const auto& f : lint_pack_file(file))
            if (f.severity == LintFinding::Severity::warning)
                ++seen[std::filesystem::path(file).parent_path().filename().string() + "/" +
                       std::filesystem::path(file).filename().string() + " " + f.code];
    const std::map<std::string, int> reviewed = {
        {"linux/clear-caches.xml no-confirm", 1},
        {"windows/remap-printers.xml shell-step", 9},
    };
    CHECK(seen == reviewed);
}

TEST_CASE("pack lint: fixctl exits 0 clean, 4 with warnings, 1 with errors, 2 on bad usage") {
    // Scenario: an author lints one pack at a time, then a folder with a broken one.
    TempDir dir;
    write_file(dir.path() / "clean.xml", pack(kCleanBody));
    write_file(dir.path() / "note.xml",
               pack("    <title>N</title>\n    <steps><run><arg>true</arg></run></steps>"));
    write_file(dir.path() / "warn.xml", pack("    <title>W</title>\n"
                                             "    <check><exists path=\"/etc/hostname\"/></check>\n"
                                             "    <steps><run><arg>./x</arg></run></steps>"));
    write_file(dir.path() / "bad.xml",
               pack("    <title>B</title>\n    <steps><run timeout=\"soon\"><arg>true</arg></run>"
                    "</steps>"));
    const std::string clean = (dir.path() / "clean.xml").string();
    const std::string warn = (dir.path() / "warn.xml").string();

    auto r = run_fixctl({"pack", "lint", clean});
    INFO(r.out << r.err);
    CHECK(r.exit_code == 0);
    CHECK(r.out.empty());
    CHECK(r.err.find("1 file linted: 0 errors, 0 warnings, 0 notes") != std::string::npos);

    r = run_fixctl({"pack", "lint", (dir.path() / "note.xml").string()});
    CHECK(r.exit_code == 0);
    CHECK(r.out.find(": note: ") != std::string::npos);

    r = run_fixctl({"pack", "lint", "-q", clean, warn});
    CHECK(r.exit_code == 4);
    CHECK(r.err.empty());
    CHECK(r.out == warn +
                       ":5:12: warning: <run> program \"./x\" is a relative path: it depends "
                       "on the directory fixtray runs in; use a plain name found on PATH, an "
                       "absolute path or ${packdir}/... [relative-program]\n");

    r = run_fixctl({"pack", "lint", dir.str()});
    CHECK(r.exit_code == 1);
    CHECK(r.out.find("bad.xml:4:") != std::string::npos);
    CHECK(r.out.find(": error: ") != std::string::npos);

    CHECK(run_fixctl({"pack", "lint"}).exit_code == 2);
    CHECK(run_fixctl({"pack"}).exit_code == 2);
    CHECK(run_fixctl({"pack", "lint", (dir.path() / "none").string()}).exit_code == 1);
    CHECK(run_fixctl({"pack", "lint", "--help"}).out.find("4 warnings") != std::string::npos);
}

TEST_CASE("pack lint: fixctl --json prints every finding with its position and code") {
    // Scenario: an editor integration reads the findings as JSON.
    TempDir dir;
    write_file(dir.path() / "warn.xml", pack("    <title>W</title>\n"
                                             "    <check><exists path=\"/etc/hostname\"/></check>\n"
                                             "    <steps><run><arg>./x</arg></run></steps>"));
    write_file(dir.path() / "bad.xml",
               pack("    <title>B</title>\n    <steps><run timeout=\"soon\"><arg>true</arg></run>"
                    "</steps>"));
    auto r = run_fixctl({"pack", "lint", "--json", (dir.path() / "warn.xml").string()});
    INFO(r.out << r.err);
    CHECK(r.exit_code == 4);
    auto j = nlohmann::json::parse(r.out);
    REQUIRE(j.size() == 1);
    CHECK(j[0]["file"] == (dir.path() / "warn.xml").string());
    CHECK(j[0]["line"] == 5);
    CHECK(j[0]["column"] == 12);
    CHECK(j[0]["severity"] == "warning");
    CHECK(j[0]["code"] == "relative-program");
    CHECK(j[0]["message"].get<std::string>().find("./x") != std::string::npos);

    r = run_fixctl({"pack", "lint", "--json", "-q", dir.str()});
    CHECK(r.exit_code == 1);
    j = nlohmann::json::parse(r.out);
    bool error = false;
    for (const auto& f : j) error = error || (f["severity"] == "error" && f["code"] == "invalid");
    CHECK(error);
}
