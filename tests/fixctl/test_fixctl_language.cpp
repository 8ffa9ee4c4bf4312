// fixctl in the employee's language: German and English from the catalogs (src/po), chosen by
// the environment or by the user's settings.json, with what scripts read left alone.
#include <doctest/doctest.h>

#include <string>

#include "support/test_helpers.h"

using namespace fixtray;
using namespace fixtray::test;

namespace {

const std::string kFixes = std::string(FIXTRAY_SOURCE_DIR) + "/fixes";

// An isolated home whose locale variables are exactly the given ones (the others empty, so
// nothing of the test runner's session decides).
std::map<std::string, std::string> env_with(const TempDir& home, const std::string& lang,
                                            const std::string& language = "") {
    auto env = isolated_env(home.path());
    env["LANG"] = lang;
    env["LANGUAGE"] = language;
    env["LC_ALL"] = "";
    env["LC_MESSAGES"] = "";
    return env;
}

void write_settings(const TempDir& home, const std::string& json) {
    write_file(home.path() / ".config/fixtray/settings.json", json);
}

std::size_t count(const std::string& text, const std::string& word) {
    std::size_t n = 0;
    for (auto at = text.find(word); at != std::string::npos; at = text.find(word, at + 1)) ++n;
    return n;
}

}  // namespace

TEST_CASE(
    "fixctl language: LANG=de_DE.UTF-8 gives German help and German fix titles, even "
    "where that locale is not installed") {
    // Scenario: a German employee's terminal; the machine may have no de_DE locale generated.
    TempDir home;
    const auto en = run_fixctl({"--help"}, env_with(home, "C.UTF-8"));
    const auto de = run_fixctl({"--help"}, env_with(home, "de_DE.UTF-8"));
    REQUIRE(en.exit_code == 0);
    REQUIRE(de.exit_code == 0);
    CHECK(en.out.find("List the fixes this machine offers") != std::string::npos);
    CHECK(de.out.find("List the fixes this machine offers") == std::string::npos);
    CHECK(de.out.find("Reparatur") != std::string::npos);
    // The commands and options keep their names.
    for (const char* name : {"list", "show", "run", "validate", "--packs", "--no-feed"})
        CHECK_MESSAGE(de.out.find(name) != std::string::npos, name);

    const auto list = run_fixctl({"--no-builtin", "--packs", kFixes + "/linux", "list"},
                                 env_with(home, "de_DE.UTF-8"));
    INFO(list.out << list.err);
    CHECK(list.exit_code == 0);
    CHECK(list.out.find("Meine Caches leeren") != std::string::npos);
    CHECK(list.out.find("Clear my caches") == std::string::npos);
}

TEST_CASE("fixctl language: the setting in settings.json wins over the environment, both ways") {
    // Scenario: an employee chose German on an English desktop; another chose English on a
    // German one; a third has a broken setting and keeps the environment's language.
    TempDir home;
    const std::string english = run_fixctl({"--help"}, env_with(home, "C.UTF-8")).out;
    const std::string german = run_fixctl({"--help"}, env_with(home, "de_DE.UTF-8")).out;
    REQUIRE(english != german);

    write_settings(home, R"({"language": "de"})");
    CHECK(run_fixctl({"--help"}, env_with(home, "C.UTF-8")).out == german);
    CHECK(run_fixctl({"--help"}, env_with(home, "en_US.UTF-8", "en")).out == german);

    write_settings(home, R"({"language": "en"})");
    CHECK(run_fixctl({"--help"}, env_with(home, "de_DE.UTF-8")).out == english);
    CHECK(run_fixctl({"--help"}, env_with(home, "C.UTF-8", "de")).out == english);

    write_settings(home, R"({"language": "klingon", "notifications": "loud"})");
    CHECK(run_fixctl({"--help"}, env_with(home, "de_DE.UTF-8")).out == german);
    write_settings(home, "not json at all");
    CHECK(run_fixctl({"--help"}, env_with(home, "C.UTF-8")).out == english);
}

TEST_CASE("fixctl language: a German dry run speaks German, scripts' formats stay as they are") {
    // Scenario: the plan of a built-in fix in German; validate's PATH:LINE:COL: error: lines
    // and --json output keep their English keywords for editors and scripts.
    TempDir home;
    const auto plan = run_fixctl(
        {"--no-builtin", "--packs", kFixes + "/linux", "run", "clear-caches", "--dry-run"},
        env_with(home, "de_DE.UTF-8"));
    INFO(plan.out << plan.err);
    CHECK(plan.exit_code == 0);
    CHECK(plan.out.find("Vorschaubilder werden entfernt") != std::string::npos);
    CHECK(plan.out.find("Removing picture previews") == std::string::npos);

    write_file(home.path() / "bad.xml",
               "<fixpack xmlns=\"urn:fixtray:fixpack:1\" id=\"org.example.bad\" version=\"1\">\n"
               "  <fix id=\"b\" platforms=\"linux\"><title>B</title><steps><bogus/></steps></fix>\n"
               "</fixpack>\n");
    const auto bad =
        run_fixctl({"validate", (home.path() / "bad.xml").string()}, env_with(home, "de_DE.UTF-8"));
    CHECK(bad.exit_code == 1);
    CHECK(bad.out.find("bad.xml:2:") != std::string::npos);
    CHECK(count(bad.out, ": error: ") >= 1);

    const auto en_json =
        run_fixctl({"--no-builtin", "--packs", kFixes + "/linux", "list", "--json"},
                   env_with(home, "C.UTF-8"));
    const auto de_json =
        run_fixctl({"--no-builtin", "--packs", kFixes + "/linux", "list", "--json"},
                   env_with(home, "de_DE.UTF-8"));
    CHECK(en_json.exit_code == 0);
    CHECK(de_json.exit_code == 0);
    // The same keys and ids; only the pack's own texts are in the reader's language.
    for (const char* key : {"\"id\"", "\"title\"", "\"category\"", "\"clear-caches\""})
        CHECK(count(en_json.out, key) == count(de_json.out, key));
}
