// Fix packs written from fixes/README.md alone, as a help desk writes them, with the usual
// mistakes made on purpose: each case is a pack file and a fixctl command, as the author runs it.
#include <doctest/doctest.h>

#include <unistd.h>

#include <chrono>
#include <filesystem>

#include <nlohmann/json.hpp>

#include "support/test_helpers.h"
#include "support/test_machine.h"

using namespace fixtray;
using namespace fixtray::test;
namespace fs = std::filesystem;

namespace {

bool contains(const std::string& haystack, const std::string& needle) {
    return haystack.find(needle) != std::string::npos;
}

// A site config file holding the given "site" object.
std::string write_site(const TempDir& dir, const std::string& site_json) {
    const std::string path = dir / "site.json";
    write_file(path, "{\"site\": " + site_json + "}");
    return path;
}

}  // namespace

TEST_CASE("author: a ${param} inside a <script> is refused by validate, with the safe form") {
    // Scenario: the author pastes a site value into a shell script, as one would in a shell.
    TempDir dir;
    write_file(dir.path() / "chat.xml",
               "<fixpack xmlns=\"urn:fixtray:fixpack:1\" id=\"org.example.chat\" version=\"1\">\n"
               "  <param name=\"app\" default=\"chat\"/>\n"
               "  <fix id=\"clear-chat-cache\" platforms=\"linux\">\n"
               "    <title>Clear the chat cache</title>\n"
               "    <steps><shell interpreter=\"sh\">\n"
               "      <script>echo \"clearing ${app}\"</script></shell></steps>\n"
               "  </fix>\n"
               "</fixpack>\n");
    const auto r = run_fixctl({"validate", dir.str()});
    INFO(r.out << r.err);
    CHECK(r.exit_code == 1);
    // Position of the script text, the variable, and the safe form.
    CHECK(contains(r.out, (dir.path() / "chat.xml").string() + ":6:"));
    CHECK(contains(r.out, "${app} in a <script>"));
    CHECK(contains(r.out, "<arg>${app}</arg>"));
    CHECK(contains(r.out, "\"$1\""));
    // lint says the same (a pack that does not load is not linted further).
    const auto lint = run_fixctl({"pack", "lint", dir.str()});
    CHECK(lint.exit_code != 0);
    CHECK(contains(lint.out + lint.err, "<arg>${app}</arg>"));
}

TEST_CASE("author: a hostile site value reaches a shell step as data, never as code") {
    // Scenario: the site's printer name holds a quote and a command. The safe form from the
    // README passes it as an <arg>; the script reads "$1". Nothing is injected, and the step sees
    // the exact value.
    TempDir dir;
    TempDir home;
    const std::string injected = dir / "INJECTED";
    const std::string seen = dir / "seen.txt";
    const std::string hostile = "Office\"; touch " + injected + "; echo \"";
    const std::string site = write_site(
        dir, "{\"printer\": " + nlohmann::json(hostile).dump() + ", \"out\": \"" + seen + "\"}");
    write_file(dir.path() / "packs" / "printer.xml",
               pack_with_fix("<steps><shell interpreter=\"sh\"><script>printf '%s' \"$1\" &gt; "
                             "\"$2\"; echo $${HOME:+home-set} $$$$ &gt;/dev/null</script>"
                             "<arg>${printer}</arg><arg>${out}</arg></shell></steps>"
                             "<verify><run><arg>true</arg></run></verify>",
                             "<param name=\"printer\"/><param name=\"out\"/>"));
    const auto r = run_fixctl(
        {"--config", site, "--packs", (dir.path() / "packs").string(), "run", "t", "--yes"},
        isolated_env(home.path()));
    INFO(r.out << r.err);
    CHECK(r.exit_code == 0);
    CHECK_FALSE(fs::exists(injected));
    CHECK(read_file(seen) == hostile);
}

TEST_CASE("author: params in <when> are expanded with their site values") {
    // Scenario: a chat-cache pack is offered only where the chat app's folder exists; the folder
    // is a site value. Before, ${app_dir} was never expanded and the fix refused everywhere.
    TempDir dir;
    TempDir home;
    const std::string app_dir = dir / "chat-app";
    fs::create_directories(app_dir);
    const std::string packs = dir / "packs";
    write_file(fs::path(packs) / "chat.xml",
               pack_with_fix("<when><path-exists path=\"${app_dir}\"/>"
                             "<program-exists name=\"${tool}\"/></when>"
                             "<steps><run><arg>true</arg></run></steps>"
                             "<verify><run><arg>true</arg></run></verify>",
                             "<param name=\"app_dir\"/><param name=\"tool\" default=\"sh\"/>"));
    const auto env = isolated_env(home.path());
    const std::string present = write_site(dir, "{\"app_dir\": \"" + app_dir + "\"}");
    const auto ran =
        run_fixctl({"--no-builtin", "--config", present, "--packs", packs, "run", "t"}, env);
    INFO(ran.out << ran.err);
    CHECK(ran.exit_code == 0);
    const auto listed =
        run_fixctl({"--no-builtin", "--config", present, "--packs", packs, "list"}, env);
    CHECK(contains(listed.out, "Test fix"));

    // The folder is gone: not offered, `--all` says why, and running it is refused (exit 3).
    const std::string absent = write_site(dir, "{\"app_dir\": \"" + app_dir + "-gone\"}");
    const auto hidden =
        run_fixctl({"--no-builtin", "--config", absent, "--packs", packs, "list"}, env);
    INFO(hidden.out << hidden.err);
    CHECK_FALSE(contains(hidden.out, "Test fix"));
    CHECK(contains(hidden.out, "1 more fix does not apply on this machine"));
    const auto all =
        run_fixctl({"--no-builtin", "--config", absent, "--packs", packs, "list", "--all"}, env);
    INFO(all.out << all.err);
    CHECK(contains(all.out, "Test fix"));
    CHECK(contains(all.out, "not offered here: this fix applies only where the path " + app_dir +
                                "-gone is present"));
    const auto refused =
        run_fixctl({"--no-builtin", "--config", absent, "--packs", packs, "run", "t"}, env);
    CHECK(refused.exit_code == 3);
    const auto json = run_fixctl(
        {"--no-builtin", "--config", absent, "--packs", packs, "list", "--all", "--json"}, env);
    const auto parsed = nlohmann::json::parse(json.out);
    REQUIRE(parsed.size() == 1);
    CHECK(parsed[0]["applies"] == false);
    CHECK(contains(parsed[0]["not_applicable"].get<std::string>(), "-gone"));
}

TEST_CASE("author: a list param without a site value blocks only the fixes that use it") {
    // Scenario: a printer pack declares a printers list; this site has none. The pack's other
    // fix, which never loops over printers, runs; the one that does refuses, naming the list.
    // A list declared default="" is empty where the site sets none: its foreach runs zero times.
    TempDir dir;
    TempDir home;
    const std::string packs = dir / "packs";
    const std::string marker = dir / "looped";
    write_file(
        fs::path(packs) / "printers.xml",
        "<fixpack xmlns=\"urn:fixtray:fixpack:1\" id=\"org.example.printers\" version=\"1\">"
        "<param name=\"printers\" list=\"true\" fields=\"name uri\"/>"
        "<param name=\"extra_queues\" list=\"true\" default=\"\"/>"
        "<fix id=\"restart-spooler\" platforms=\"linux\"><title>Restart</title>"
        "<steps><run><arg>true</arg></run></steps><verify><run><arg>true</arg></run></verify></fix>"
        "<fix id=\"readd-printers\" platforms=\"linux\"><title>Re-add</title>"
        "<steps><run foreach=\"p in printers\"><arg>true</arg><arg>${p.name}</arg></run></steps>"
        "</fix>"
        "<fix id=\"clear-extra\" platforms=\"linux\"><title>Extra</title>"
        "<steps><run foreach=\"q in extra_queues\"><arg>touch</arg><arg>" +
            marker +
            "</arg></run></steps><verify><run><arg>true</arg></run></verify></fix>"
            "</fixpack>");
    const auto env = isolated_env(home.path());
    const auto other =
        run_fixctl({"--no-builtin", "--packs", packs, "run", "restart-spooler"}, env);
    INFO(other.out << other.err);
    CHECK(other.exit_code == 0);
    const auto user = run_fixctl({"--no-builtin", "--packs", packs, "run", "readd-printers"}, env);
    INFO(user.out << user.err);
    CHECK(user.exit_code == 2);
    CHECK(contains(user.out + user.err, "does not set printers"));
    const auto empty = run_fixctl({"--no-builtin", "--packs", packs, "run", "clear-extra"}, env);
    INFO(empty.out << empty.err);
    CHECK(empty.exit_code == 0);
    CHECK_FALSE(fs::exists(marker));
    // A list default with items is refused at load time, with its position.
    write_file(dir.path() / "bad" / "p.xml",
               "<fixpack xmlns=\"urn:fixtray:fixpack:1\" id=\"org.example.bad\" version=\"1\">\n"
               "<param name=\"l\" list=\"true\" default=\"a b\"/>\n"
               "<fix id=\"t\" platforms=\"linux\"><title>T</title>"
               "<steps><run><arg>true</arg></run></steps></fix></fixpack>\n");
    const auto bad = run_fixctl({"validate", dir / "bad"});
    CHECK(bad.exit_code == 1);
    CHECK(contains(bad.out, "p.xml:2:"));
    CHECK(contains(bad.out, "default can only be empty"));
}

TEST_CASE(
    "author: a program and its arguments in one <arg> gets a lint warning and a run message") {
    // Scenario: the author writes the command line as one argument.
    TempDir dir;
    TempDir home;
    write_file(dir.path() / "audio.xml",
               pack_with_fix("<steps><run><arg>systemctl --user restart pipewire</arg></run>"
                             "</steps>"));
    const auto lint = run_fixctl({"pack", "lint", dir.str()});
    INFO(lint.out << lint.err);
    CHECK(lint.exit_code == 4);
    CHECK(contains(lint.out, "[program-with-args]"));
    CHECK(contains(lint.out, "<arg>systemctl</arg>"));
    const auto run =
        run_fixctl({"--no-builtin", "--packs", dir.str(), "run", "t"}, isolated_env(home.path()));
    INFO(run.out << run.err);
    CHECK(run.exit_code == 1);
    CHECK(contains(run.out + run.err, "program not found: systemctl --user restart pipewire"));
    CHECK(contains(run.out + run.err, "put \"systemctl\" and each argument in an <arg>"));
}

TEST_CASE("author: as root, admin steps of a --packs draft run only with --allow-admin-from-packs" *
          doctest::skip(::geteuid() != 0) *
          doctest::description("needs root: as a user the admin helper refuses --packs anyway")) {
    // Scenario: an admin tries a draft pack on their own machine as root.
    TempDir dir;
    TempDir home;
    const std::string marker = dir / "admin-ran";
    write_file(dir.path() / "packs" / "draft.xml",
               pack_with_fix("<steps><run admin=\"true\"><arg>touch</arg><arg>" + marker +
                             "</arg></run></steps><verify><run><arg>true</arg></run></verify>"));
    const auto env = isolated_env(home.path());
    const auto refused =
        run_fixctl({"--no-builtin", "--packs", dir / "packs", "run", "t", "--yes"}, env);
    INFO(refused.out << refused.err);
    CHECK(refused.exit_code == 3);
    CHECK(contains(refused.err, "--allow-admin-from-packs"));
    CHECK_FALSE(fs::exists(marker));
    const auto allowed = run_fixctl(
        {"--no-builtin", "--packs", dir / "packs", "run", "t", "--yes", "--allow-admin-from-packs"},
        env);
    INFO(allowed.out << allowed.err);
    CHECK(allowed.exit_code == 0);
    CHECK(contains(allowed.err, "notice: running the admin steps of"));
    CHECK(fs::exists(marker));
}

TEST_CASE(
    "author: a pack the feed revoked is named as revoked, with the feed index, not 'no fix'") {
    // Scenario: the author tries an old copy of a pack the help desk revoked.
    TestMachine machine;
    TempDir dir;
    TempDir home;
    machine.install_feed({}, 7, std::chrono::system_clock::now() + std::chrono::hours(24),
                         {"org.example.test"});
    write_file(dir.path() / "old.xml", pack_with_fix("<steps><run><arg>true</arg></run></steps>"));
    const auto r =
        run_fixctl({"--no-builtin", "--packs", dir.str(), "run", "t"}, machine.env(home.path()));
    INFO(r.out << r.err);
    CHECK(r.exit_code == 3);
    CHECK(contains(r.err, "org.example.test"));
    CHECK(
        contains(r.err, "revoked by the help desk's feed (com.example.helpdesk, index 7 signed "));
    CHECK_FALSE(contains(r.err, "no fix"));
}

TEST_CASE("author: --dry-run shows expanded skip notes and durations as written") {
    // Scenario: a disk-space pack deletes downloads older than 90 days, skipped while the
    // site's browser runs; the author checks the plan first.
    TempDir dir;
    TempDir home;
    write_file(dir.path() / "disk.xml",
               pack_with_fix("<steps><delete-files root=\"${home}/Downloads\" glob=\"*.part\" "
                             "older-than=\"90d\" skip-if-running=\"${browser}\"/>"
                             "<run if-program=\"${browser}\"><arg>true</arg></run></steps>",
                             "<param name=\"browser\" default=\"firefox-esr\"/>"));
    const auto r = run_fixctl({"--no-builtin", "--packs", dir.str(), "run", "t", "--dry-run"},
                              isolated_env(home.path()));
    INFO(r.out << r.err);
    CHECK(r.exit_code == 0);
    CHECK(contains(r.out, "older-than=90d"));
    CHECK_FALSE(contains(r.out, "7776000"));
    CHECK(contains(r.out, "skipped while firefox-esr runs"));
    CHECK(contains(r.out, "skipped if firefox-esr is not installed"));
    CHECK_FALSE(contains(r.out, "${browser}"));
}

TEST_CASE(
    "author: lint's advice for a root with \"..\" names the \"..\", not the variable it has") {
    // Scenario: the root already starts with ${cache}; the old advice said "start it with
    // ${cache}" again.
    TempDir dir;
    write_file(dir.path() / "p.xml",
               pack_with_fix("<steps><delete-files root=\"${cache}/../Documents\" glob=\"*\"/>"
                             "</steps>"));
    const auto r = run_fixctl({"pack", "lint", dir.str()});
    INFO(r.out);
    CHECK(contains(r.out, "climbs out of ${cache} with \"..\""));
    CHECK_FALSE(contains(r.out, "start it with ${cache}"));
}

TEST_CASE("author: an empty pack file is reported at 1:1") {
    TempDir dir;
    write_file(dir.path() / "empty.xml", "");
    const auto r = run_fixctl({"validate", dir.str()});
    CHECK(r.exit_code == 1);
    CHECK(contains(r.out, (dir.path() / "empty.xml").string() + ":1:1: error: the file is empty"));
}

TEST_CASE(
    "author: a cleanup pack empties old files from ${trash} (the XDG data directory's Trash)") {
    // Scenario: the disk-space pack from the README's variables table.
    TempDir dir;
    TempDir home;
    const fs::path trash = home.path() / ".local/share/Trash";
    write_file(trash / "files/old-report.pdf", "old", std::chrono::hours(24 * 40));
    write_file(trash / "files/new-report.pdf", "new");
    write_file(dir.path() / "disk.xml",
               pack_with_fix("<steps><delete-files root=\"${trash}/files\" glob=\"**\" "
                             "older-than=\"30d\"/></steps>"
                             "<verify><exists path=\"${data}/Trash/files/old-report.pdf\" "
                             "expect=\"absent\"/></verify>"));
    const auto r =
        run_fixctl({"--no-builtin", "--packs", dir.str(), "run", "t"}, isolated_env(home.path()));
    INFO(r.out << r.err);
    CHECK(r.exit_code == 0);
    CHECK_FALSE(fs::exists(trash / "files/old-report.pdf"));
    CHECK(fs::exists(trash / "files/new-report.pdf"));
}

namespace {

// Runs fixctl on a pseudo-terminal (util-linux `script`), typing `typed` at its prompts.
ProcessResult run_fixctl_on_terminal(const std::vector<std::string>& args, const std::string& typed,
                                     std::map<std::string, std::string> env) {
    std::string command = std::string("exec '") + FIXCTL_PATH + "'";
    for (const std::string& a : args) command += " '" + a + "'";  // test-made paths: no quotes
    TempDir dir;
    write_file(dir.path() / "typed", typed);
    env["FIXTRAY_TYPED"] = (dir.path() / "typed").string();
    return run_command(
        {"/bin/sh", "-c", "script -qec \"$0\" /dev/null < \"$FIXTRAY_TYPED\"", command}, env);
}

}  // namespace

TEST_CASE("author: in German the question is German and 'j' means yes, labels are translated") {
    // Scenario: a German-speaking employee (LANGUAGE=de) runs a fix that asks first.
    TempDir dir;
    TempDir home;
    const std::string marker = dir / "ran";
    write_file(dir.path() / "audio.xml",
               pack_with_fix("<confirm>Your audio stops for a moment.</confirm>"
                             "<confirm xml:lang=\"de\">Der Ton setzt kurz aus.</confirm>"
                             "<steps><run label=\"Restarting the audio service\" "
                             "label-de=\"Audiodienst wird neu gestartet\"><arg>touch</arg><arg>" +
                             marker +
                             "</arg></run></steps>"
                             "<verify><run><arg>true</arg></run></verify>"));
    auto env = isolated_env(home.path());
    env["LANGUAGE"] = "de";
    env["LANG"] = "de_DE.UTF-8";
    const auto r = run_fixctl_on_terminal(
        {"--no-builtin", "--packs", dir.str(), "run", "t", "--verbose"}, "j\n", env);
    INFO(r.out << r.err);
    CHECK(contains(r.out, "Der Ton setzt kurz aus."));
    CHECK(contains(r.out, "Fortfahren? [j/N]"));
    CHECK_FALSE(contains(r.out, "[y/N]"));
    CHECK(contains(r.out, "Audiodienst wird neu gestartet"));
    CHECK(fs::exists(marker));

    // "n" is no, in any language; an English text gets the English question.
    fs::remove(marker);
    const auto no =
        run_fixctl_on_terminal({"--no-builtin", "--packs", dir.str(), "run", "t"}, "n\n", env);
    INFO(no.out << no.err);
    CHECK_FALSE(fs::exists(marker));
    CHECK(no.exit_code == 3);
    CHECK(contains(no.out, "you chose not to go ahead"));
    env["LANGUAGE"] = "en";
    env["LANG"] = "en_US.UTF-8";
    const auto en = run_fixctl_on_terminal(
        {"--no-builtin", "--packs", dir.str(), "run", "t", "--verbose"}, "y\n", env);
    INFO(en.out << en.err);
    CHECK(contains(en.out, "Go ahead? [y/N]"));
    CHECK(contains(en.out, "Restarting the audio service"));
    CHECK(fs::exists(marker));
}

TEST_CASE("author: without a terminal a fix that asks first says nobody could be asked") {
    // Scenario: a help desk runs a fix from a script (stdin is not a terminal) without --yes.
    // Before, fixctl said "you chose not to go ahead" though nobody was asked.
    TempDir dir;
    TempDir home;
    const std::string marker = dir / "ran";
    write_file(dir.path() / "audio.xml",
               pack_with_fix("<confirm>Your audio stops for a moment.</confirm>"
                             "<steps><run><arg>touch</arg><arg>" +
                             marker +
                             "</arg></run></steps><verify><run><arg>true</arg></run></verify>"));
    const auto env = isolated_env(home.path());
    const auto r = run_fixctl({"--no-builtin", "--packs", dir.str(), "run", "t"}, env);
    INFO(r.out << r.err);
    CHECK(r.exit_code == 3);
    CHECK_FALSE(fs::exists(marker));
    CHECK(contains(r.out, "nobody could be asked (no terminal)"));
    CHECK_FALSE(contains(r.out + r.err, "you chose not"));
    CHECK(contains(r.out, "fixctl run t --yes"));
    // --json: the record says the same, for a script to read.
    const auto j = run_fixctl({"--no-builtin", "--packs", dir.str(), "run", "t", "--json"}, env);
    INFO(j.out << j.err);
    CHECK(j.exit_code == 3);
    CHECK(contains(nlohmann::json::parse(j.out)["message"].get<std::string>(),
                   "nobody could be asked"));
    // --yes runs it unattended.
    const auto yes =
        run_fixctl({"--no-builtin", "--packs", dir.str(), "run", "t", "--yes"}, env);
    INFO(yes.out << yes.err);
    CHECK(yes.exit_code == 0);
    CHECK(fs::exists(marker));
}

TEST_CASE(
    "policy.feed_admin_steps false withdraws the feed's fixes with admin steps, not the rest") {
    // Scenario: a help desk that does not want its feed key to be root on every laptop.
    TestMachine machine;
    TempDir home;
    const std::string admin_pack =
        "<fixpack xmlns=\"urn:fixtray:fixpack:1\" id=\"com.example.helpdesk.printers\" "
        "version=\"3\"><fix id=\"restart-cups\" platforms=\"linux\"><title>Restart printing"
        "</title><steps><run admin=\"true\"><arg>true</arg></run></steps></fix>"
        "<fix id=\"show-queue\" platforms=\"linux\"><title>Show the queue</title>"
        "<steps><run><arg>true</arg></run></steps></fix></fixpack>";
    machine.install_feed({{"printers.xml", admin_pack}}, 3,
                         std::chrono::system_clock::now() + std::chrono::hours(24));
    const auto env = machine.env(home.path());
    // Default: allowed (documented), both offered.
    auto listed = run_fixctl({"--no-builtin", "list"}, env);
    INFO(listed.out << listed.err);
    CHECK(contains(listed.out, "restart-cups"));
    CHECK(contains(listed.out, "show-queue"));

    machine.config({{"policy", {{"feed_admin_steps", false}}}});
    listed = run_fixctl({"--no-builtin", "list"}, env);
    INFO(listed.out << listed.err);
    CHECK_FALSE(contains(listed.out, "restart-cups"));
    CHECK(contains(listed.out, "show-queue"));
    const auto r = run_fixctl({"--no-builtin", "run", "restart-cups", "--yes"}, env);
    INFO(r.out << r.err);
    CHECK(r.exit_code == 3);
    CHECK(contains(r.err, "policy.feed_admin_steps is false"));
    // A user's own --config cannot turn it back on.
    TempDir dir;
    write_file(dir.path() / "mine.json", "{\"policy\": {\"feed_admin_steps\": true}}");
    listed = run_fixctl({"--no-builtin", "--config", dir / "mine.json", "list"}, env);
    CHECK_FALSE(contains(listed.out, "restart-cups"));
}

TEST_CASE("author: a skipped step never makes a run 'nothing to fix' or 'fixed'") {
    // Scenario: the author's check and verify rely on a program this machine lacks.
    TempDir dir;
    TempDir home;
    const std::string marker = dir / "repaired";
    const std::string missing = "fixtray-no-such-program";
    write_file(dir.path() / "checks.xml",
               "<fixpack xmlns=\"urn:fixtray:fixpack:1\" id=\"org.example.skips\" version=\"1\">"
               "<fix id=\"check-skipped\" platforms=\"linux\"><title>A</title>"
               "<check><run if-program=\"" +
                   missing + "\"><arg>" + missing +
                   "</arg></run></check>"
                   "<steps><run><arg>touch</arg><arg>" +
                   marker +
                   "</arg></run></steps></fix>"
                   "<fix id=\"verify-skipped\" platforms=\"linux\"><title>B</title>"
                   "<steps><run><arg>true</arg></run></steps>"
                   "<verify><run if-program=\"" +
                   missing + "\"><arg>" + missing +
                   "</arg></run></verify>"
                   "</fix>"
                   "<fix id=\"all-skipped\" platforms=\"linux\"><title>C</title>"
                   "<steps><run if-program=\"" +
                   missing + "\"><arg>" + missing +
                   "</arg></run>"
                   "<wait duration=\"10ms\"/></steps>"
                   "<verify><run><arg>true</arg></run></verify></fix>"
                   "</fixpack>");
    const auto env = isolated_env(home.path());
    const auto check =
        run_fixctl({"--no-builtin", "--packs", dir.str(), "run", "check-skipped", "--json"}, env);
    INFO(check.out << check.err);
    CHECK(check.exit_code == 0);
    CHECK(nlohmann::json::parse(check.out)["outcome"] == "fixed");  // the repair ran
    CHECK(fs::exists(marker));
    const auto verify =
        run_fixctl({"--no-builtin", "--packs", dir.str(), "run", "verify-skipped", "--json"}, env);
    INFO(verify.out << verify.err);
    CHECK(verify.exit_code == 1);
    CHECK(contains(nlohmann::json::parse(verify.out)["message"].get<std::string>(),
                   "could not be verified"));
    const auto all =
        run_fixctl({"--no-builtin", "--packs", dir.str(), "run", "all-skipped", "--json"}, env);
    INFO(all.out << all.err);
    CHECK(all.exit_code == 1);
    CHECK(contains(nlohmann::json::parse(all.out)["message"].get<std::string>(),
                   "none of the repair's steps could run on this machine"));
}
