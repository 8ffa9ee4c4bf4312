// The employee's own settings: settings.json (language, notifications), start at login through
// the XDG autostart entry, and the translator hook every front end installs.
#include <doctest/doctest.h>

#include <cstdlib>
#include <filesystem>

#include "app/autostart.h"
#include "app/user_settings.h"
#include "base/i18n.h"
#include "support/test_helpers.h"

using namespace fixtray;
using namespace fixtray::test;

TEST_CASE("user settings: saved and read back, missing is the defaults, bad values are reported") {
    // Scenario: the settings page saves; a hand-edited file has a bad value and a wrong type.
    TempDir home;
    const std::string path = (home.path() / "config/fixtray/settings.json").string();
    LoadedUserSettings missing = load_user_settings(path);
    CHECK(missing.problems.empty());
    CHECK(missing.settings.language == "system");
    CHECK(missing.settings.notifications);

    REQUIRE(save_user_settings(path, {"de", false}));
    CHECK((std::filesystem::status(home.path() / "config/fixtray").permissions() &
           std::filesystem::perms::others_all) == std::filesystem::perms::none);
    LoadedUserSettings back = load_user_settings(path);
    CHECK(back.problems.empty());
    CHECK(back.settings.language == "de");
    CHECK_FALSE(back.settings.notifications);

    write_file(path, R"({"language": "tlh", "notifications": "yes", "extra": 1})");
    LoadedUserSettings bad = load_user_settings(path);
    CHECK(bad.settings.language == "system");
    CHECK(bad.settings.notifications);
    REQUIRE(bad.problems.size() == 2);
    CHECK(bad.problems[0].find("language") != std::string::npos);
    CHECK(bad.problems[1].find("notifications") != std::string::npos);

    write_file(path, "{ not json");
    LoadedUserSettings broken = load_user_settings(path);
    CHECK(broken.settings.language == "system");
    REQUIRE(broken.problems.size() == 1);
    CHECK(broken.problems[0].find(path) != std::string::npos);
}

TEST_CASE("user settings: a shipped language setting wins over the environment") {
    // Scenario: German chosen on an English desktop; "system" follows the environment.
    CHECK(effective_language({"de", true}) == "de");
    CHECK(effective_language({"en", true}) == "en");
    CHECK(is_shipped_language("de"));
    CHECK_FALSE(is_shipped_language("fr"));
}

TEST_CASE("start at login: the user's own entry, with and without the machine's") {
    // Scenario: a machine without an autostart entry (turning on writes the user's own, off
    // removes it) and one with the package's entry (off writes Hidden=true, on removes it).
    TempDir dir;
    AutostartPaths p;
    p.user_file = (dir.path() / "home/.config/autostart/fixtray.desktop").string();
    p.system_files = {(dir.path() / "etc/xdg/autostart/fixtray.desktop").string()};

    CHECK_FALSE(starts_at_login(p));
    REQUIRE(set_start_at_login(p, true, "/opt/fix tray/bin/fixtray"));
    CHECK(starts_at_login(p));
    const std::string entry = read_file(p.user_file);
    CHECK(entry.find("Exec=\"/opt/fix tray/bin/fixtray\"\n") != std::string::npos);
    REQUIRE(set_start_at_login(p, false, "/usr/bin/fixtray"));
    CHECK_FALSE(std::filesystem::exists(p.user_file));
    CHECK_FALSE(starts_at_login(p));

    write_file(p.system_files[0],
               "[Desktop Entry]\nType=Application\nExec=/usr/bin/fixtray\n"
               "X-GNOME-Autostart-enabled=true\n");
    CHECK(starts_at_login(p));
    REQUIRE(set_start_at_login(p, false, "/usr/bin/fixtray"));
    CHECK_FALSE(starts_at_login(p));
    CHECK(read_file(p.user_file).find("Hidden=true") != std::string::npos);
    CHECK(read_file(p.system_files[0]).find("Hidden") == std::string::npos);  // never touched
    REQUIRE(set_start_at_login(p, true, "/usr/bin/fixtray"));
    CHECK_FALSE(std::filesystem::exists(p.user_file));
    CHECK(starts_at_login(p));
}

TEST_CASE("start at login: a hostile program path cannot add lines or field codes") {
    // Scenario: the tray runs from a directory whose name holds a newline, a quote, a dollar
    // sign and a field code: the entry keeps one Exec line, quoted and escaped.
    TempDir dir;
    AutostartPaths p;
    p.user_file = (dir.path() / "autostart/fixtray.desktop").string();
    REQUIRE(set_start_at_login(p, true, "/tmp/x\nHidden=true\n\"$(id)%u\\/fixtray"));
    const std::string entry = read_file(p.user_file);
    CHECK(entry.find("\nHidden=true") == std::string::npos);
    CHECK(entry.find("Exec=\"/tmp/xHidden=true\\\\\"\\\\$(id)%%u\\\\\\\\/fixtray\"\n") !=
          std::string::npos);
    CHECK(starts_at_login(p));
}

namespace {
// A fake translator (tests only): wraps every message in brackets and picks the plural by n.
class BracketTranslator final : public Translator {
public:
    const char* translate(const char* msgid) const override {
        return msgid == std::string("Hello %s, you have %s") ? "[%2$s: %1$s]" : "[?]";
    }
    const char* translate_plural(const char* s, const char* p, unsigned long n) const override {
        return n == 1 ? s : p;
    }
};
}  // namespace

TEST_CASE("i18n: arguments are inserted as text, by order or by position, never as formats") {
    // Scenario: a translation reorders the arguments; a hostile argument holds directives.
    CHECK(format_message("a %s b %s", {"1", "2"}) == "a 1 b 2");
    CHECK(format_message("%2$s then %1$s", {"x", "y"}) == "y then x");
    CHECK(format_message("100%% of %s", {"%s%1$s%%"}) == "100% of %s%1$s%%");
    CHECK(format_message("%s %s %s", {"only"}) == "only  ");
    CHECK(format_message("%9$s %d %", {"a"}) == " %d %");
    CHECK(trf("Hello %s, you have %s", {"Ann", "mail"}) == "Hello Ann, you have mail");
    static const BracketTranslator brackets;
    set_translator(&brackets);
    CHECK(trf("Hello %s, you have %s", {"Ann", "mail"}) == "[mail: Ann]");
    CHECK(trfn("%s file", "%s files", 3, {"3"}) == "3 files");
    set_translator(nullptr);
    CHECK(std::string(tr("Hello %s, you have %s")) == "Hello %s, you have %s");
}
